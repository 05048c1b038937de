/* supervise.h: init's supervisor (supervise.c): starting, watching and restarting the services. */
#pragma once

/* Starts every manifest service. */
void init_start_all(void);
