/* auth.h: the authentication exchange (AuthenticationRequest messages) before the session starts. */
#pragma once

#include "wire.h"
#include <pg/pg.h>

/* Handles one Authentication ('R') message body in an auth state; queues the answer. Returns 0 or an ERR_* code. */
long auth_handle(struct pg_conn *c, struct rbuf *r);
/* md5 password exchange: "md5" + hex(md5(hex(md5(password || user)) || salt)) into out[36]. */
void auth_md5_password(const char *user, const char *password, const uint8_t salt[4], char out[36]);
