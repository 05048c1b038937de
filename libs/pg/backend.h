/* backend.h: the server's messages once authenticated: session parameters, results, ReadyForQuery. */
#pragma once

#include "wire.h"
#include <pg/pg.h>

/* Handles one message of type `type` after authentication, reporting events. Returns 0 or an ERR_* code. */
long backend_handle(struct pg_conn *c, char type, struct rbuf *r);
