/* chaos [CALLS [SEED]]: system calls with random numbers and arguments (20,000 from a fixed seed
 * without arguments, as `make test` runs it; `make fuzz-os` gives a count and a seed, 0 for a fresh
 * one from getrandom, printed first so that a run can be repeated), made with the raw instruction (no
 * libc between). Only what would end this program at once is steered: memory calls aim at a region
 * of their own, exit and the sleeps are left out (and rt_sigreturn, pause, rt_sigsuspend, alarm and
 * setitimer, which would end it or wait for ever), signals to itself are harmless ones and
 * rt_sigaction only reads (no random handler), the console gets a few bytes at a time, its pipes
 * never block it and SIGPIPE is ignored; poll, select and epoll_wait never wait, socket calls never block;
 * fork and clone children end at once, threads too, futex waits time out at once and waits mostly
 * do not wait. The server must answer every
 * call and go on serving the other programs. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>

#define CALLS 20000
#define AREA (1ul << 20)

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static unsigned char buf[128 << 10]; /* where the pointers that may be written to point */
static uint64_t area;                /* the memory calls' own region */

/* xorshift64*: the next pseudo-random number. */
static uint64_t rnd(void)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return seed * 0x2545f4914f6cdd1dull;
}

/* The system call instruction itself. */
static long raw(long nr, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* clone with flags meant for a thread (CLONE_VM and the rest of musl's, some left out or added at
 * random): the new thread exits at once, in the same instructions, touching neither memory nor
 * its stack; the caller gets the result. */
static long thread_clone(long flags, long ptid, long ctid, long tls)
{
    static long stack[64]; /* never used: the thread makes no call before its exit */
    register long r10 __asm__("r10") = ctid, r8 __asm__("r8") = tls;
    long ret;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $60, %%eax\n\t" /* the thread: exit(0) */
                     "xor %%edi, %%edi\n\t"
                     "syscall\n"
                     "1:"
                     : "=a"(ret)
                     : "a"(56), "D"(flags), "S"(stack + 64), "d"(ptid), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

/* An argument: a boundary value, a pointer into buf, a small number or anything. */
static long arg(void)
{
    static const uint64_t pool[] = {
        0,
        1,
        2,
        3,
        8,
        16,
        64,
        4095,
        4096,
        65536,
        1ul << 20,
        1ul << 30,
        1ul << 40,
        UINT64_MAX,
        UINT64_MAX - 4095,
        0x7ffffffff000,
        0x800000000000,
        0xffff800000000000,
        0x400000,
        0x401000,
    };
    switch (rnd() % 4) {
    case 0: return (long)pool[rnd() % (sizeof(pool) / sizeof(pool[0]))];
    case 1: return (long)(buf + rnd() % 4096);
    case 2: return (long)(rnd() % 1024);
    default: return (long)rnd();
    }
}

/* An address for a call that changes memory: inside the region, just outside it, or nowhere. */
static long target(void)
{
    switch (rnd() % 4) {
    case 0: return (long)(area + (rnd() % (AREA / 4096)) * 4096);
    case 1: return (long)(area + rnd() % AREA);
    case 2: return (long)(0x100000000000ull + (rnd() % 4096) * 4096);
    default: return (long)(rnd() | 0x800000000000ull);
    }
}

int main(int argc, char **argv)
{
    long calls = CALLS;
    if (argc > 1) {
        char *end;
        calls = strtol(argv[1], &end, 10);
        if (*end || calls <= 0)
            return 2;
        seed = argc > 2 ? strtoull(argv[2], &end, 0) : 0;
        while (seed == 0 && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
            ;
        printf("chaos: seed %#llx\n", (unsigned long long)seed);
        fflush(stdout);
    }
    /* The calls the server implements, then some it does not (each logged once), then numbers
     * that are no call; exit, exit_group and the sleeps are left out, and signals to itself are
     * ones whose default action is to do nothing. */
    static const long nrs[] = {
        0,   1,   3,   5,   8,   9,   10,  11,  12,  13,  14,  16,  20,  24,  28,  39,  62,      63,
        72,  96,  102, 104, 107, 108, 110, 127, 158, 186, 200, 201, 218, 228, 229, 234, 318,     131,
        36,  2,   4,   6,   17,  18,  19,  21,  22,  32,  33,  77,  79,  80,  83,  95,  217,     257,
        258, 262, 269, 292, 293, 439, 7,   41,  40,  42,  44,  45,  46,  47,  48,  49,  50,      51,
        52,  54,  55,  213, 232, 233, 271, 281, 291, 23,  270, 99,  74,  75,  97,  160, 302,     153,
        56,  57,  58,  59,  61,  247, 109, 111, 112, 121, 124, 89,  267, 202, 451, 500, 1000000, -1};
    static const long zero_time[2] = {0, 0};
    signal(SIGPIPE, SIG_IGN); /* a write to a pipe whose reader it closed is EPIPE, not its end */
    area = (uint64_t)mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == (uint64_t)MAP_FAILED)
        return 1;
    long errors = 0;
    for (long i = 0; i < calls; i++) {
        long nr = nrs[rnd() % (sizeof(nrs) / sizeof(nrs[0]))];
        long a[6] = {arg(), arg(), arg(), arg(), arg(), arg()};
        if (nr == 9 || nr == 10 || nr == 11 || nr == 28) /* mmap, mprotect, munmap, madvise */
            a[0] = target();
        if (nr == 9 && (a[3] & 0x10)) /* MAP_FIXED: never over this program */
            a[0] = target() & ~0xfffl;
        if (a[0] == 1 || a[0] == 2) /* the console: only a few bytes at a time, never dup'd or closed */
            a[0] = nr == 1 && rnd() % 8 == 0 ? 2 : 7, a[2] = nr == 1 ? a[2] & 7 : a[2];
        if (nr == 158 && a[0] == 0x1002) /* ARCH_SET_FS: musl's TLS stays */
            a[0] = 0x1003;
        if (nr == 218 || nr == 13 || nr == 14 || nr == 228 || nr == 229 || nr == 63 || nr == 318 ||
            nr == 96 || nr == 5 || nr == 36)
            a[1] = (long)(buf + rnd() % 4096), a[2] = nr == 318 ? a[2] % 65536 : (long)(buf + rnd() % 4096);
        /* files and pipes: nothing may block it for good or end it, nor take the console away */
        if (nr == 22) /* pipe: as pipe2 with O_NONBLOCK, so that no read of its own pipe waits */
            nr = 293, a[1] = 0;
        if (nr == 293) /* pipe2 */
            a[1] |= O_NONBLOCK;
        if (nr == 72 && a[1] == F_SETFL) /* fcntl: O_NONBLOCK stays */
            a[2] |= O_NONBLOCK;
        if ((nr == 33 || nr == 292) && (a[1] == 1 || a[1] == 2)) /* dup2, dup3 over the console */
            a[1] = 7;
        if (nr == 131) /* sigaltstack: set and read within the buffer */
            a[0] = rnd() % 2 ? (long)(buf + rnd() % 4096) : 0, a[1] = (long)(buf + rnd() % 4096);
        if (nr == 13) /* rt_sigaction: read only, so that no random handler is installed and run (and
                       * SIGPIPE stays ignored) */
            a[1] = 0;
        if (nr == 62 || nr == 200) /* kill, tkill: only signals whose default is to do nothing */
            a[1] = (long[]){0, 17, 28}[rnd() % 3];
        if (nr == 234) /* tgkill */
            a[2] = (long[]){0, 17, 28}[rnd() % 3];
        /* sockets and readiness: no wait without end (nothing is ever connected or listening here, as
         * the image has no tcpip, but the waits are steered all the same) */
        if (nr == 7) /* poll: never waits */
            a[2] = 0;
        if (nr == 232 || nr == 281) /* epoll_wait, epoll_pwait */
            a[3] = 0;
        if (nr == 271) /* ppoll: a zero timeout */
            a[2] = (long)zero_time;
        if (nr == 23 || nr == 270) /* select, pselect6: a zero timeout (a timeval or a timespec) */
            a[4] = (long)zero_time;
        if (nr == 99) /* sysinfo: into the buffer */
            a[0] = (long)(buf + rnd() % 4096);
        if (nr == 97 || nr == 160) /* getrlimit, setrlimit */
            a[1] = (long)(buf + rnd() % 4096);
        if (nr == 302) /* prlimit64 */
            a[2] = rnd() % 2 ? (long)(buf + rnd() % 4096) : 0, a[3] = (long)(buf + rnd() % 4096);
        if (nr == 44 || nr == 45 || nr == 46 || nr == 47) /* sendto, recvfrom, sendmsg, recvmsg */
            a[nr <= 45 ? 3 : 2] |= 0x40;                  /* MSG_DONTWAIT */
        if (nr == 16 && (a[1] & 0xffffffff) == 0x5421)    /* ioctl FIONBIO: O_NONBLOCK stays */
            a[1] = 0x541b;
        /* processes: a child ends at once with a random code (its tree is bounded: EAGAIN past 32);
         * the tid pointers and paths point into the buffer, a clone keeps its stack, waits are
         * answered (the children end) */
        if (nr == 56) /* clone: its exit signal SIGCHLD or none (a random one could end this program) */
            a[0] = (a[0] & ~0xffl) | (rnd() % 2 ? 17 : 0), a[1] = 0, a[2] = (long)(buf + rnd() % 4096),
            a[3] = (long)(buf + rnd() % 4096);
        if (nr == 202) /* futex: a wait times out at once (relative or absolute, the epoch) */
            a[3] = (long)zero_time;
        if (nr == 59 || nr == 89) /* execve, readlink */
            a[0] = (long)(buf + rnd() % 4096), a[1] = (long)(buf + rnd() % 4096);
        if (nr == 267) /* readlinkat */
            a[1] = (long)(buf + rnd() % 4096), a[2] = (long)(buf + rnd() % 4096);
        if (nr == 61) /* wait4 */
            a[1] = rnd() % 2 ? (long)(buf + rnd() % 4096) : 0, a[2] = rnd() % 4 ? 1 : a[2], a[3] = 0;
        if (nr == 247) /* waitid */
            a[2] = (long)(buf + rnd() % 4096), a[3] = rnd() % 4 ? 5 : a[3], a[4] = 0;
        long r;
        if (nr == 56 && rnd() % 2) {                             /* clone: a thread, which exits at once */
            long flags = 0x10f00 | 0x40000;                      /* VM, FS, FILES, SIGHAND, THREAD; SYSVSEM */
            flags ^= rnd() % 8 == 0 ? 1l << (8 + rnd() % 9) : 0; /* sometimes one more, or one less */
            flags |= (long)(rnd() % 16) << 19; /* SETTLS, PARENT_SETTID, CHILD_CLEARTID, DETACHED */
            r = thread_clone(flags, (long)(buf + rnd() % 4096), (long)(buf + rnd() % 4096), a[4]);
            errors += r < 0;
            continue;
        }
        r = raw(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r == 0 && (nr == 56 || nr == 57 || nr == 58))
            raw(231, (long)(rnd() % 256), 0, 0, 0, 0, 0); /* the child: exit_group */
        errors += r < 0;
    }
    printf("chaos: %ld calls, %ld refused\n", calls, errors);
    return 0;
}
