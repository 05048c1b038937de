/* pgerror.h: ErrorResponse and NoticeResponse fields, and what an error means. */
#pragma once

#include "wire.h"
#include <pg/pg.h>

/* Parses the fields of an ErrorResponse or NoticeResponse body into e. Returns 0 or ERR_BAD_FORMAT. */
long pgerror_parse(struct rbuf *r, struct pg_error *e);
/* Records a library-found error: class cls, fatal, message text. */
void pgerror_local(struct pg_error *e, enum pg_errclass cls, const char *text);
