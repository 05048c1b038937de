/* pipebench.c: the Linux guest's yardstick: a pipe ping-pong between two processes, timed with rdtsc. */

/*
 * Built on the host with `gcc -O2 -static` by tools/linux-guest and run by the guest's /init.
 * The method is the one of bench/ipcbench, so the two lines compare like with like:
 *
 *   parent                          child
 *   t0 = rdtsc
 *   write(ping[1], 1 byte)  ---->   read(ping[0])
 *                                   write(pong[1], 1 byte)
 *   read(pong[0])           <----
 *   t1 = rdtsc; sample = t1 - t0
 *
 * WARMUP round trips first (page faults, caches, the scheduler settling), then ROUNDS timed ones.
 * Under QEMU `-icount shift=0` one guest instruction advances the TSC by one, so a sample is the
 * guest instructions of one round trip; without icount it is the host's TSC cycles under TCG.
 *
 * Output, one line each (parsed by bench/run):
 *   bench: pipe_roundtrip median=<cycles> min=<cycles> p90=<cycles> n=<ROUNDS> mean=<cycles>
 *   bench: null_syscall median=<cycles> min=<cycles> p90=<cycles> n=<ROUNDS> mean=<cycles>
 * The second is a null system call (getppid), for scale.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"

#define WARMUP 200
#define ROUNDS 2000

static uint64_t samples[ROUNDS];

/* Writes exactly one byte; retried on EINTR. */
static void put_byte(int fd, char c)
{
    ssize_t r;
    do {
        r = write(fd, &c, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1)
        die("write");
}

/* Reads exactly one byte; returns 0 at end of file. Retried on EINTR. */
static int get_byte(int fd, char *c)
{
    ssize_t r;
    do {
        r = read(fd, c, 1);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        die("read");
    return (int)r;
}

/* The child: echoes every byte from ping to pong until the parent closes ping. */
static void echo_loop(int in, int out)
{
    char c;
    while (get_byte(in, &c) == 1)
        put_byte(out, c);
    _exit(0);
}

/* One timed round trip: a byte to the child and its echo back. */
static uint64_t roundtrip(int out, int in, char c)
{
    uint64_t t0 = rdtsc();
    put_byte(out, c);
    if (get_byte(in, &c) != 1) {
        errno = EPIPE;
        die("child closed its pipe");
    }
    return rdtsc() - t0;
}

/* Pipe ping-pong between this process and a forked child. */
static void bench_pipe(void)
{
    int ping[2], pong[2];
    if (pipe(ping) < 0 || pipe(pong) < 0)
        die("pipe");
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        close(ping[1]);
        close(pong[0]);
        echo_loop(ping[0], pong[1]);
    }
    close(ping[0]);
    close(pong[1]);
    for (int i = 0; i < WARMUP; i++)
        roundtrip(ping[1], pong[0], (char)i);
    for (int i = 0; i < ROUNDS; i++)
        samples[i] = roundtrip(ping[1], pong[0], (char)i);
    close(ping[1]);
    int status;
    if (waitpid(child, &status, 0) < 0)
        die("waitpid");
    close(pong[0]);
    report("pipe_roundtrip", samples, ROUNDS);
}

/* A null system call (getppid, straight through syscall(2) so no library cache can answer it). */
static void bench_null_syscall(void)
{
    for (int i = 0; i < WARMUP; i++)
        syscall(SYS_getppid);
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        syscall(SYS_getppid);
        samples[i] = rdtsc() - t0;
    }
    report("null_syscall", samples, ROUNDS);
}

int main(void)
{
    bench_pipe();
    bench_null_syscall();
    return 0;
}
