/* malloc: many blocks of many sizes (musl's mallocng: brk and mmap), checked, freed, reused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 300

static unsigned char *blocks[N];
static size_t sizes[N];

/* A deterministic size sequence from 1 byte to 256 KiB. */
static size_t size_of(unsigned i)
{
    static const size_t scale[] = {1, 7, 16, 100, 1000, 4096, 20000, 131072, 1 << 18};
    return scale[i % 9] + (i * 37) % 61;
}

int main(void)
{
    unsigned long sum = 0, bad = 0;
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < N; i++) {
            sizes[i] = size_of(i + round);
            blocks[i] = malloc(sizes[i]);
            if (!blocks[i]) {
                printf("malloc(%zu) failed\n", sizes[i]);
                return 1;
            }
            memset(blocks[i], (int)(i & 0xff), sizes[i]);
        }
        for (unsigned i = 0; i < N; i += 2) {
            for (size_t k = 0; k < sizes[i]; k += 97)
                bad += blocks[i][k] != (unsigned char)(i & 0xff);
            sum += sizes[i];
            free(blocks[i]);
        }
        for (unsigned i = 1; i < N; i += 2) {
            unsigned char *r = realloc(blocks[i], sizes[i] * 2);
            if (!r)
                return 2;
            bad += r[sizes[i] - 1] != (unsigned char)(i & 0xff);
            sum += sizes[i];
            free(r);
        }
    }
    char *z = calloc(1000, 1000);
    for (int i = 0; z && i < 1000000; i += 4093)
        bad += z[i] != 0;
    free(z);
    printf("malloc: %lu bytes in %d blocks, %lu bad\n", sum, 3 * N, bad);
    return bad ? 3 : 0;
}
