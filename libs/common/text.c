/* text.c: small character helpers shared by parsers. */
#include <warp/text.h>

int text_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Stops as soon as the value passes max, so no string of digits can overflow. */
long text_decimal(const char *s, long min, long max)
{
    if (*s == '\0' || *s == '0')
        return -1;
    long n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
        if (n > max)
            return -1;
    }
    return n >= min ? n : -1;
}
