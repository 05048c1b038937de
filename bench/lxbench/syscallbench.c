/* syscallbench.c: the cost of a null Linux system call, one static musl binary run on Warp and on Linux. */

/*
 * Built once with `musl-gcc -static` (bench/lxbench/build.mk); the same file runs under Warp's
 * linux server (build/warp-lxbench.iso) and in the Linux guest (tools/linux-guest copies it into
 * the initramfs, bench/linux/rc/55-syscallbench runs it). bench/run compares the two.
 *
 *   linux_getpid          syscall(SYS_getpid): straight through the system call instruction, so
 *                         no library cache can answer it. On Linux a kernel entry and exit; on
 *                         Warp a trap the kernel turns into a message to the linux server, which
 *                         answers with a reply: two messages and two switches.
 *   linux_clock_gettime   clock_gettime(CLOCK_MONOTONIC) through musl: on Linux musl calls the
 *                         vDSO when the kernel offers one (no kernel entry when the clock source
 *                         can be read from user mode); so it does on Warp, whose linux server
 *                         maps a vDSO reading the kernel's clock page (docs/linux-compat.md).
 *
 *   linux_fork_wait       fork, the child's _exit(0), the parent's wait4: a process made and
 *                         reaped (on Warp a new supervised process with a copy of the memory).
 *   linux_execve          fork, the child's execve of this binary (/proc/self/exe) that exits at
 *                         once, wait4: the figure less linux_fork_wait is one execve and the new
 *                         image's start.
 *
 * Each sample times BATCH calls between two rdtsc and is divided by BATCH (rdtsc's own cost
 * spread over the batch); WARMUP batches are run first, then ROUNDS timed ones (the process
 * benchmarks: one child a sample, PROC_WARMUP and PROC_ROUNDS). Under QEMU
 * `-icount shift=0` one guest instruction advances the TSC by one, so a sample is guest
 * instructions per call; without icount it is the host's TSC cycles under TCG.
 *
 * Output, one line each (parsed by bench/run):
 *   bench: linux_getpid median=<n> min=<n> p90=<n> n=<ROUNDS> mean=<n>
 *   bench: linux_clock_gettime median=<n> min=<n> p90=<n> n=<ROUNDS> mean=<n>
 *   bench: linux_fork_wait median=<n> min=<n> p90=<n> n=<PROC_ROUNDS> mean=<n>
 *   bench: linux_execve median=<n> min=<n> p90=<n> n=<PROC_ROUNDS> mean=<n>
 * or `bench: error: <what>` and exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../linux/benchlib.h"

#define BATCH 8
#define WARMUP 50
#define ROUNDS 1000
#define PROC_WARMUP 3
#define PROC_ROUNDS 30

static uint64_t samples[ROUNDS];

/* BATCH getpid system calls; the pid they return must be the first one's. */
static void getpid_batch(long pid)
{
    for (int i = 0; i < BATCH; i++)
        if (syscall(SYS_getpid) != pid) {
            errno = ESRCH;
            die("getpid changed its answer");
        }
}

/* BATCH reads of the monotonic clock through the C library; the clock must not go back. */
static void clock_batch(struct timespec *last)
{
    struct timespec ts;
    for (int i = 0; i < BATCH; i++) {
        if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
            die("clock_gettime");
        if (ts.tv_sec < last->tv_sec || (ts.tv_sec == last->tv_sec && ts.tv_nsec < last->tv_nsec)) {
            errno = ERANGE;
            die("CLOCK_MONOTONIC went back");
        }
        *last = ts;
    }
}

/* Times ROUNDS batches of getpid; per call. Not inlined: bench/profile --lx finds its two rdtsc. */
__attribute__((noinline)) static void bench_getpid(void)
{
    long pid = syscall(SYS_getpid);
    if (pid <= 0)
        die("getpid");
    for (int i = 0; i < WARMUP; i++)
        getpid_batch(pid);
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        getpid_batch(pid);
        samples[i] = (rdtsc() - t0) / BATCH;
    }
    report("linux_getpid", samples, ROUNDS);
}

/* Times ROUNDS batches of clock_gettime(CLOCK_MONOTONIC); per call. */
static void bench_clock(void)
{
    struct timespec last = {0, 0};
    for (int i = 0; i < WARMUP; i++)
        clock_batch(&last);
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        clock_batch(&last);
        samples[i] = (rdtsc() - t0) / BATCH;
    }
    report("linux_clock_gettime", samples, ROUNDS);
}

/* One child made, run and reaped: it exits at once, or (exec) execs this binary to exit at once. */
static void child_once(int exec)
{
    static char *const argv[] = {"syscallbench", "exit", NULL};
    static char *const envp[] = {NULL};
    int st = 0;
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (exec)
            execve("/proc/self/exe", argv, envp);
        _exit(exec ? 1 : 0);
    }
    if (waitpid(pid, &st, 0) != pid)
        die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        errno = ECHILD;
        die(exec ? "the exec'd child failed" : "the child failed");
    }
}

/* Times PROC_ROUNDS children, each alone; per child. */
static void bench_children(const char *name, int exec)
{
    for (int i = 0; i < PROC_WARMUP; i++)
        child_once(exec);
    for (int i = 0; i < PROC_ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        child_once(exec);
        samples[i] = rdtsc() - t0;
    }
    report(name, samples, PROC_ROUNDS);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exit") == 0)
        return 0; /* linux_execve's new image */
    bench_getpid();
    bench_clock();
    bench_children("linux_fork_wait", 0);
    bench_children("linux_execve", 1);
    return 0;
}
