/* port.h: start-up of the platform glue lwIP calls (port.c): the TCP ISN secret. */
#pragma once

/* Draws the ISN hash key from SYS_ENTROPY; call before lwip_init(). */
void port_init(void);
