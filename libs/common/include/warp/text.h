/* text.h: small character helpers shared by parsers (manifest, HTTP, addresses). */
#pragma once

/* Value of a hexadecimal digit (either case), or -1. */
int text_hex_digit(int c);
/* s as a number from min (at least 1) to max: decimal digits only, no sign, no leading zero; -1 for
 * anything else (the manifest's numbers: weights, ports, quotas). */
long text_decimal(const char *s, long min, long max);
