/* text.h: small character helpers shared by parsers (manifest, HTTP, addresses). */
#pragma once

/* Value of a hexadecimal digit (either case), or -1. */
int text_hex_digit(int c);
