/* errno: failing calls give Linux's errno values. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Prints what a call returned and its errno. */
static void show(const char *what, long r)
{
    printf("%s: %ld errno %d (%s)\n", what, r, r < 0 ? errno : 0, r < 0 ? strerror(errno) : "-");
    errno = 0;
}

int main(void)
{
    struct timespec ts;
    show("clock_gettime(12345)", clock_gettime(12345, &ts));
    show("clock_gettime(MONOTONIC, bad pointer)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)16));
    show("write(99)", write(99, "x", 1));
    show("write(1, bad pointer)", write(1, (void *)16, 5));
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(two + 4096 - 6, "tail!\n", 6);
    munmap(two + 4096, 4096);
    show("write(1) running into an unmapped page", write(1, two + 4096 - 6, 100));
    for (int i = 0; i < 4096; i++)
        two[i] = i % 64 == 63 ? '\n' : (char)('a' + i / 64 % 26);
    fflush(stdout);
    show("write(1) of 8 KiB whose second page is unmapped", write(1, two, 8192));
    show("mmap(len 0)", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    show("mmap(no type)", (long)mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    show("munmap(unaligned)", munmap((void *)4097, 4096));
    show("getrandom(bad flags)", getrandom(&ts, 8, 0x100));
    show("nanosleep(bad nsec)", nanosleep(&(struct timespec){0, 2000000000}, NULL));
    show("sigaction(SIGKILL)", sigaction(SIGKILL, &(struct sigaction){.sa_handler = SIG_IGN}, NULL));
    show("ioctl(5)", syscall(SYS_ioctl, 5, 0x5413, &ts));
    show("arch_prctl(bad code)", syscall(SYS_arch_prctl, 0x9999, 0));
    unsigned long set = 0;
    show("rt_sigprocmask(bad how)", syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8));
    show("rt_sigprocmask(bad size)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    show("rt_sigprocmask(block SIGUSR1)",
         syscall(SYS_rt_sigprocmask, SIG_BLOCK, &(unsigned long){1ul << 9}, NULL, 8));
    show("rt_sigprocmask(read back)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &set, 8));
    printf("mask has SIGUSR1: %d\n", (int)((set >> 9) & 1));
    char buf[16];
    show("read(0) at the end of input", read(0, buf, sizeof(buf)));
    show("read(7)", read(7, buf, sizeof(buf)));
    show("clock_getres(MONOTONIC)", clock_getres(CLOCK_MONOTONIC, &ts));
    printf("resolution: %ld ns\n", ts.tv_nsec);
    printf("getpid is gettid: %d, getppid > 0: %d\n", getpid() == syscall(SYS_gettid), getppid() > 0);
    return 0;
}
