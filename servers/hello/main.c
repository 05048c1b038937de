/* hello: the smallest Warp program: prints one greeting and exits 0. */
#include <warp/user.h>

/* Prints "Hello, World!" on its own line. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    puts("Hello, World!");
    return 0;
}
