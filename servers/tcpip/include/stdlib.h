/* stdlib.h: the little of <stdlib.h> lwIP uses (port.c implements it). */
#pragma once

#include <stddef.h>

/* Decimal text to int, as C's atoi (no overflow check; lwIP only uses it on short digit runs). */
int atoi(const char *s);
