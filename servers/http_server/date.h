/* date.h: HTTP-dates (RFC 9110 §5.6.7): seconds since the epoch to IMF-fixdate and back; pure code. */
#pragma once

#include <warp/types.h>

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* Writes t (seconds since the epoch, UTC) as an IMF-fixdate; returns HTTP_DATE_LEN, or ERR_TOO_LARGE
 * when size <= HTTP_DATE_LEN, or ERR_INVALID_ARG for a year outside 0..9999. */
long http_date_format(int64_t t, char *buf, size_t size);

/* Reads an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms that recipients must
 * accept, RFC 9110 §5.6.7) into *t; false when s is none of them or names no real time. */
bool http_date_parse(const char *s, int64_t *t);
