/* mmap: anonymous mappings with and without a hint, MAP_FIXED and MAP_FIXED_NOREPLACE, partial munmap
 * and mprotect, PROT_NONE reservations opened piece by piece (as Go's runtime makes them), brk
 * growing and shrinking; every answer compared with the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096L

/* Prints a check and whether it held. */
static void check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
}

/* True if n bytes at p are all c. */
static int all(const unsigned char *p, long n, int c)
{
    for (long i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

static void maps(void)
{
    unsigned char *a = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("anonymous map", a != MAP_FAILED && ((uintptr_t)a % PAGE) == 0 && all(a, 8 * PAGE, 0));
    memset(a, 7, 8 * PAGE);
    check("munmap of the middle", munmap(a + 2 * PAGE, 2 * PAGE) == 0);
    check("its neighbours stay", all(a, 2 * PAGE, 7) && all(a + 4 * PAGE, 4 * PAGE, 7));
    unsigned char *f =
        mmap(a + 5 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check("MAP_FIXED replaces a page with zeros",
          f == a + 5 * PAGE && all(f, PAGE, 0) && all(a + 6 * PAGE, 2 * PAGE, 7));
    errno = 0;
    void *n = mmap(a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    check("MAP_FIXED_NOREPLACE over a mapping is EEXIST", n == MAP_FAILED && errno == EEXIST);
    void *h = mmap(a + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("a free hint is taken", h == a + 2 * PAGE);
    void *h2 = mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("a taken hint goes elsewhere", h2 != MAP_FAILED && h2 != a);
    check("mprotect of part of a mapping",
          mprotect(a + PAGE, PAGE, PROT_READ) == 0 && all(a + PAGE, PAGE, 7));
    check("mprotect across two mappings", mprotect(a, 4 * PAGE, PROT_READ | PROT_WRITE) == 0);
    errno = 0;
    check("mprotect of a hole is ENOMEM", munmap(a + 3 * PAGE, PAGE) == 0 &&
                                              mprotect(a + 2 * PAGE, 2 * PAGE, PROT_READ) == -1 &&
                                              errno == ENOMEM);
    memset(a + 4 * PAGE, 9, 2 * PAGE);
    check("MADV_DONTNEED gives zeros", madvise(a + 4 * PAGE, PAGE, MADV_DONTNEED) == 0 &&
                                           all(a + 4 * PAGE, PAGE, 0) && all(a + 5 * PAGE, PAGE, 9));
    check("MADV_WILLNEED is taken", madvise(a + 4 * PAGE, 2 * PAGE, MADV_WILLNEED) == 0);
    errno = 0;
    check("madvise of a hole is ENOMEM",
          madvise(a + 3 * PAGE, 2 * PAGE, MADV_WILLNEED) == -1 && errno == ENOMEM);
    errno = 0;
    check("unknown advice is EINVAL", madvise(a + 4 * PAGE, PAGE, 999) == -1 && errno == EINVAL);
    check("munmap of the whole range, holes and all", munmap(a, 8 * PAGE) == 0 && munmap(h2, PAGE) == 0);
    check("munmap of nothing mapped", munmap(a, 8 * PAGE) == 0);
    unsigned char *big = mmap(NULL, 3 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("3 MiB", big != MAP_FAILED && all(big + (3 << 20) - PAGE, PAGE, 0) && munmap(big, 3 << 20) == 0);
    errno = 0;
    check("a file mapping of a closed fd is EBADF",
          mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 9, 0) == MAP_FAILED && errno == EBADF);
}

/* A 512 MiB PROT_NONE reservation (on Warp it costs nothing until touched, as on Linux),
 * a system call reading from it refused with EFAULT, pieces opened read-write and used, closed
 * again with their contents kept, and the whole given back. */
static void reserve(void)
{
    const long len = 512L << 20;
    unsigned char *r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    check("a 512 MiB PROT_NONE reservation", r != MAP_FAILED);
    int fds[2];
    errno = 0;
    check("a system call reading PROT_NONE memory is EFAULT",
          pipe(fds) == 0 && write(fds[1], r + PAGE, 1) == -1 && errno == EFAULT);
    unsigned char *piece = r + (300L << 20);
    check("mprotect of a piece to read-write", mprotect(piece, 64 * PAGE, PROT_READ | PROT_WRITE) == 0);
    check("its pages read as zeros", all(piece, 64 * PAGE, 0));
    memset(piece + 8 * PAGE, 5, 4 * PAGE);
    check("and take writes", all(piece + 8 * PAGE, 4 * PAGE, 5) && all(piece + 12 * PAGE, PAGE, 0));
    check("a write through a system call lands in it", write(fds[1], "xy", 2) == 2 &&
                                                           read(fds[0], piece + 20 * PAGE, 2) == 2 &&
                                                           piece[20 * PAGE + 1] == 'y');
    check("back to PROT_NONE and then read-only, the data stays",
          mprotect(piece, 64 * PAGE, PROT_NONE) == 0 && mprotect(piece, 64 * PAGE, PROT_READ) == 0 &&
              all(piece + 8 * PAGE, 4 * PAGE, 5));
    errno = 0;
    check("a read into a read-only piece is EFAULT",
          write(fds[1], "z", 1) == 1 && read(fds[0], piece, 1) == -1 && errno == EFAULT);
    check("munmap of the reservation", munmap(r, len) == 0 && close(fds[0]) == 0 && close(fds[1]) == 0);
}

/* The brk system call itself (musl's brk() and sbrk(n) refuse to move the break). */
static char *sys_brk(char *to)
{
    return (char *)syscall(SYS_brk, to);
}

static void heap(void)
{
    char *b0 = sys_brk(0);
    check("brk grows", sys_brk(b0 + 100000) == b0 + 100000);
    memset(b0, 3, 100000);
    check("and shrinks", sys_brk(b0 + 40000) == b0 + 40000 && all((unsigned char *)b0, 40000, 3));
    check("and grows again, zeroed past the pages it kept",
          sys_brk(b0 + 100000) == b0 + 100000 && all((unsigned char *)b0 + 45056, 100000 - 45056, 0));
    check("brk below its start is refused", sys_brk(b0 - PAGE) == b0 + 100000);
    check("brk back to its start", sys_brk(b0) == b0);
    int grown = 1;
    for (long i = 1; i <= 1000 && grown; i++) {
        grown = sys_brk(b0 + i * PAGE) == b0 + i * PAGE;
        b0[i * PAGE - 1] = 1;
    }
    check("brk grows a page at a time, 1000 times", grown && sys_brk(b0) == b0);
}

int main(void)
{
    maps();
    reserve();
    heap();
    return 0;
}
