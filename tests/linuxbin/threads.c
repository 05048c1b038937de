/* threads.c: POSIX threads (musl's, over clone, futex and set_tid_address): create and join,
 * a mutex, a condition variable, detached threads, thread-local storage, ids, exit against
 * exit_group, pthread_exit from main, signals to one thread, per-thread masks, and futex's errors
 * (compared with the host run: results only, no timings or ids). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lxtest.h"

/* futex's operations (linux/futex.h, which musl's headers do not carry) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

#define NTHREADS 4
#define ROUNDS 10000

static __thread long tls_value = -1;
static pid_t tids[NTHREADS];
static pid_t pids[NTHREADS];

/* Returns its index squared; records its ids; keeps a value of its own in a __thread variable. */
static void *square(void *arg)
{
    long i = (long)arg;
    tids[i] = (pid_t)syscall(SYS_gettid);
    pids[i] = getpid();
    tls_value = i * 10;
    sched_yield();
    return (void *)(i * i + (tls_value == i * 10 ? 0 : 1000));
}

static void create_join(void)
{
    pthread_t t[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, square, (void *)i) != 0)
            printf("pthread_create %ld failed\n", i);
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        int e = pthread_join(t[i], &r);
        printf("join %d: %d returned %ld\n", i, e, (long)r);
    }
    int distinct = 1, same_pid = 1;
    pid_t me = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < NTHREADS; i++) {
        same_pid &= pids[i] == getpid();
        distinct &= tids[i] != me && tids[i] > 0;
        for (int j = 0; j < i; j++)
            distinct &= tids[i] != tids[j];
    }
    printf("tids distinct: %d, getpid the same: %d, main's tid is its pid: %d\n", distinct, same_pid,
           me == getpid());
    printf("main's __thread value untouched: %ld\n", tls_value);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        if (i % 1000 == 0)
            sched_yield(); /* with the lock held: the others wait on it */
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void mutex_counter(void)
{
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&t[i], NULL, count, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    printf("counter: %ld (want %d)\n", counter, NTHREADS * ROUNDS);
}

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, pongs;

/* Answers each ping (turn 1) with a pong (turn 0), 100 times. */
static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&cv_lock);
        while (turn != 1)
            pthread_cond_wait(&cv, &cv_lock);
        turn = 0;
        pongs++;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&cv_lock);
    }
    return NULL;
}

static void condvar(void)
{
    pthread_t t;
    pthread_create(&t, NULL, ponger, NULL);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&cv_lock);
        turn = 1;
        pthread_cond_broadcast(&cv);
        while (turn != 0)
            pthread_cond_wait(&cv, &cv_lock);
        pthread_mutex_unlock(&cv_lock);
    }
    pthread_join(t, NULL);
    printf("condition variable: %d pongs\n", pongs);
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 20000000;
    if (at.tv_nsec >= 1000000000)
        at.tv_sec++, at.tv_nsec -= 1000000000;
    pthread_mutex_lock(&cv_lock);
    int e = pthread_cond_timedwait(&cv, &cv_lock, &at);
    pthread_mutex_unlock(&cv_lock);
    printf("timed wait with nobody signalling: %s\n", e == ETIMEDOUT ? "ETIMEDOUT" : "other");
}

static sem_t detached_done;

static void *detached(void *arg)
{
    *(int *)arg = 42;
    sem_post(&detached_done);
    return NULL; /* a detached thread's end unmaps its own stack (musl) */
}

static void detach(void)
{
    static int value;
    pthread_t t;
    sem_init(&detached_done, 0, 0);
    pthread_create(&t, NULL, detached, &value);
    printf("pthread_detach: %d\n", pthread_detach(t));
    sem_wait(&detached_done);
    printf("the detached thread wrote %d\n", value);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 8; i++) { /* their records and stacks must come back */
        pthread_create(&t, &a, detached, &value);
        sem_wait(&detached_done);
    }
    usleep(50000);
    printf("8 detached threads ended\n");
}

static sem_t go;

static void *wait_for_go(void *arg)
{
    (void)arg;
    sem_wait(&go);
    return NULL;
}

/* Many threads at once: all of them on the host; under Warp those its tree's bound of 32 allows,
 * then EAGAIN; every one created is joined. */
static void many(void)
{
    pthread_t t[40];
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 << 10);
    sem_init(&go, 0, 0);
    int n = 0, e = 0;
    while (n < 40 && (e = pthread_create(&t[n], &a, wait_for_go, NULL)) == 0)
        n++;
    for (int i = 0; i < n; i++)
        sem_post(&go);
    int joined = 0;
    for (int i = 0; i < n; i++)
        joined += pthread_join(t[i], NULL) == 0;
    printf("40 threads, or EAGAIN past a bound: %d; all created joined: %d\n",
           n == 40 || (n >= 16 && e == EAGAIN), joined == n);
}

static void *exit_seven(void *arg)
{
    if (arg)
        exit(7); /* exit_group: every thread ends, the process with 7 */
    pause();
    return NULL;
}

static void *work_then_exit(void *arg)
{
    (void)arg;
    usleep(20000); /* main has called pthread_exit meanwhile */
    long sum = 0;
    for (int i = 1; i <= 1000; i++)
        sum += i;
    exit((int)(sum % 251)); /* 500500 % 251: 6 */
}

/* In children: a thread's exit() ends the whole process with its code; main's pthread_exit leaves
 * the process to the thread still working. */
static void process_ends(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t[3];
        pthread_create(&t[0], NULL, exit_seven, NULL);
        pthread_create(&t[1], NULL, exit_seven, NULL);
        usleep(10000);
        pthread_create(&t[2], NULL, exit_seven, (void *)1);
        pthread_join(t[0], NULL);
        _exit(1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("a thread's exit(7): exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, work_then_exit, NULL);
        pthread_exit(NULL);
    }
    waitpid(pid, &st, 0);
    printf("after main's pthread_exit, the worker's exit: exited %d code %d\n", WIFEXITED(st),
           WEXITSTATUS(st));
}

/* execve once the other threads are joined (their ends may still be on their way). */
static void exec_after_join(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, square, (void *)2);
        pthread_join(t, NULL);
        char *argv[] = {"threads", "after-join", NULL};
        execv("/proc/self/exe", argv);
        _exit(1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("execve after a join: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
}

static volatile pid_t handled_by;
static sem_t ready;

static void on_signal(int sig)
{
    (void)sig;
    handled_by = (pid_t)syscall(SYS_gettid);
}

/* Blocks every signal but sig, says it is ready, waits for sig; returns its tid. */
static void *wait_for(void *arg)
{
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, (int)(long)arg);
    sigsuspend(&all);
    return (void *)(long)syscall(SYS_gettid);
}

static void *announce_then_wait(void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, (int)(long)arg);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sem_post(&ready);
    return wait_for(arg);
}

static sem_t ignored;

/* Blocks SIGUSR2, is sent it, and once main ignores it, reports whether it is still pending. */
static void *pending_then_ignored(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
    sigpending(&set);
    long before = sigismember(&set, SIGUSR2);
    sem_post(&ready);
    sem_wait(&ignored);
    sigpending(&set);
    return (void *)(before * 10 + sigismember(&set, SIGUSR2));
}

static void thread_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sem_init(&ready, 0, 0);
    pthread_t t;
    void *tid;
    pthread_create(&t, NULL, announce_then_wait, (void *)(long)SIGUSR1);
    sem_wait(&ready);
    printf("pthread_kill: %d\n", pthread_kill(t, SIGUSR1));
    pthread_join(t, &tid);
    printf("SIGUSR1 handled by the thread it was sent to: %d\n", handled_by == (pid_t)(long)tid);

    /* Main blocks SIGUSR2, the thread does not: a signal to the process goes to the thread. */
    sigset_t usr2, old, now;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, &old);
    handled_by = 0;
    pthread_create(&t, NULL, announce_then_wait, (void *)(long)SIGUSR2);
    sem_wait(&ready);
    usleep(10000); /* the thread is in sigsuspend */
    kill(getpid(), SIGUSR2);
    pthread_join(t, &tid);
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    printf("SIGUSR2 to the process handled by the thread not blocking it: %d; main's mask kept: %d\n",
           handled_by == (pid_t)(long)tid, sigismember(&now, SIGUSR2));
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sem_init(&ignored, 0, 0);
    pthread_create(&t, NULL, pending_then_ignored, NULL);
    sem_wait(&ready);
    signal(SIGUSR2, SIG_IGN); /* by another thread: the pending one goes */
    sem_post(&ignored);
    pthread_join(t, &tid);
    printf("SIGUSR2 pending in a thread (1), then ignored by main (0): %ld\n", (long)tid);
    show("tgkill of no such thread", syscall(SYS_tgkill, getpid(), 0x7ffffff0, SIGUSR1));
    show("tgkill with tgid 0", syscall(SYS_tgkill, 0, getpid(), 0));
    show("tkill of itself with signal 0", syscall(SYS_tkill, syscall(SYS_gettid), 0));
}

static void futex_errors(void)
{
    static int32_t word[2] = {1, 0};
    struct timespec rel = {0, 10000000}, bad = {0, 1000000000}, abs;
    show("FUTEX_WAIT, value differs", syscall(SYS_futex, &word[0], FUTEX_WAIT_PRIVATE, 2, NULL));
    show("FUTEX_WAIT, timeout", syscall(SYS_futex, &word[0], FUTEX_WAIT_PRIVATE, 1, &rel));
    show("FUTEX_WAIT shared, timeout", syscall(SYS_futex, &word[0], FUTEX_WAIT, 1, &rel));
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 10000000;
    if (abs.tv_nsec >= 1000000000)
        abs.tv_sec++, abs.tv_nsec -= 1000000000;
    show("FUTEX_WAIT_BITSET, absolute timeout",
         syscall(SYS_futex, &word[0], FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
    struct timespec past = {1, 0};
    show("FUTEX_WAIT_BITSET realtime, deadline passed",
         syscall(SYS_futex, &word[0], FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &past, NULL,
                 FUTEX_BITSET_MATCH_ANY));
    show("FUTEX_WAIT_BITSET, bitset 0",
         syscall(SYS_futex, &word[0], FUTEX_WAIT_BITSET_PRIVATE, 1, &rel, NULL, 0));
    show("FUTEX_WAIT, bad timeout", syscall(SYS_futex, &word[0], FUTEX_WAIT_PRIVATE, 1, &bad));
    show("FUTEX_WAIT, unaligned", syscall(SYS_futex, (char *)word + 1, FUTEX_WAIT_PRIVATE, 1, NULL));
    show("FUTEX_WAIT, bad address", syscall(SYS_futex, (int32_t *)16, FUTEX_WAIT_PRIVATE, 1, NULL));
    show("FUTEX_WAKE, nobody waits", syscall(SYS_futex, &word[1], FUTEX_WAKE_PRIVATE, 1));
    show("FUTEX_WAKE, unaligned", syscall(SYS_futex, (char *)word + 2, FUTEX_WAKE_PRIVATE, 1));
    show("FUTEX_CMP_REQUEUE, value differs",
         syscall(SYS_futex, &word[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &word[1], 5));
    show("FUTEX_WAKE with the realtime flag",
         syscall(SYS_futex, &word[0], FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1));
    show("an unknown futex op", syscall(SYS_futex, &word[0], 99, 1));
}

static void clone_refusals(void)
{
    show("clone CLONE_THREAD without CLONE_SIGHAND", syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0));
    show("clone CLONE_SIGHAND without CLONE_VM", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0));
    show("sched_yield", sched_yield());
    cpu_set_t set;
    CPU_ZERO(&set);
    int r = sched_getaffinity(0, sizeof(set), &set);
    printf("sched_getaffinity: %d, CPU 0 in it: %d\n", r, CPU_ISSET(0, &set) != 0);
    show("sched_getaffinity, 4 bytes", syscall(SYS_sched_getaffinity, 0, 4, &set));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "after-join") == 0) {
        printf("the exec'd program runs\n");
        return 3;
    }
    create_join();
    mutex_counter();
    condvar();
    detach();
    many();
    process_ends();
    exec_after_join();
    thread_signals();
    futex_errors();
    clone_refusals();
    return 0;
}
