/* bigbss: 900 MiB of bss, far past its memory quota: the server must refuse to load it, cleanly. */
#include <stdio.h>

char big[900 << 20]; /* global and indexed by argc, so the compiler keeps all of it */

int main(int argc, char **argv)
{
    (void)argv;
    big[sizeof(big) - (unsigned)argc] = 1;
    printf("bigbss ran: %d\n", big[sizeof(big) - (unsigned)argc]);
    return 0;
}
