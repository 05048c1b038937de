/* random: getrandom fills buffers (not all zero, two draws differ). */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int main(void)
{
    unsigned char a[1000], b[1000], zero[1000] = {0};
    long ra = getrandom(a, sizeof(a), 0), rb = getrandom(b, sizeof(b), GRND_NONBLOCK);
    printf("getrandom: %ld %ld, zero: %d, same: %d\n", ra, rb, memcmp(a, zero, sizeof(a)) == 0,
           memcmp(a, b, sizeof(a)) == 0);
    return ra == sizeof(a) && rb == sizeof(b) ? 0 : 1;
}
