/* sighandler: signal handlers run: raise, kill and tgkill with their siginfo, sa_mask, SA_NODEFER,
 * SA_RESETHAND, a signal unblocked by sigprocmask and by sigsuspend, a SIGSEGV handler that
 * siglongjmps out of a null write and a read-only write, the alternate stack, alarm and pause,
 * setitimer interrupting a busy loop and nanosleep (EINTR and the time left). Handlers only record;
 * main prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int hits, last_sig, last_code, pid_ok, uid_ok, depth, max_depth, usr2_blocked, usr1_blocked;
static volatile int order[8], norder, on_alt, alt_flags, segv_code;
static volatile uintptr_t segv_addr, old_mask_usr1;
static sigjmp_buf jump;
static char *alt;

/* Records what a handler was given. */
static void info_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    sigset_t cur;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    pid_ok = si->si_pid == getpid();
    uid_ok = si->si_uid == getuid();
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr1_blocked = sigismember(&cur, SIGUSR1);
    usr2_blocked = sigismember(&cur, SIGUSR2);
    old_mask_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
    if (norder < 8)
        order[norder++] = sig;
}

/* Raises SIGUSR2 (blocked by its sa_mask) inside SIGUSR1's handler: it runs after this returns. */
static void nesting_handler(int sig)
{
    if (norder < 8)
        order[norder++] = sig;
    if (sig == SIGUSR1)
        raise(SIGUSR2);
}

/* With SA_NODEFER, raising itself once nests. */
static void nodefer_handler(int sig)
{
    (void)sig;
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (depth == 1)
        raise(SIGUSR1);
    depth--;
}

static void count_handler(int sig)
{
    (void)sig;
    hits++;
}

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    segv_code = si->si_code;
    segv_addr = (uintptr_t)si->si_addr;
    siglongjmp(jump, 1);
}

static void alt_handler(int sig)
{
    char here;
    stack_t st;
    (void)sig;
    on_alt = &here >= alt && &here < alt + 65536;
    sigaltstack(NULL, &st);
    alt_flags = st.ss_flags;
    /* A change while on it is refused. */
    stack_t other = {.ss_sp = alt, .ss_size = 65536};
    if (sigaltstack(&other, NULL) == -1 && errno == EPERM)
        alt_flags |= 0x100;
}

/* Installs handler fn (SA_SIGINFO when info) for sig with flags and a mask of `masked` (0: none). */
static void install(int sig, void *fn, int flags, int masked)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (masked)
        sigaddset(&sa.sa_mask, masked);
    sigaction(sig, &sa, NULL);
}

/* Prints what a call returned and its errno (read after the call). */
static void show(const char *what, long r)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d\n", what, r, e);
}

static void reset(void)
{
    hits = last_sig = last_code = pid_ok = uid_ok = norder = 0;
}

static void senders(void)
{
    install(SIGUSR1, info_handler, SA_SIGINFO, SIGUSR2);
    reset();
    raise(SIGUSR1);
    printf("raise: hits %d sig %d code %d pid %d uid %d; in it USR1 %d USR2 %d; saved USR1 %d\n", hits,
           last_sig, last_code, pid_ok, uid_ok, usr1_blocked, usr2_blocked, (int)old_mask_usr1);
    reset();
    kill(getpid(), SIGUSR1);
    printf("kill: hits %d sig %d code %d pid %d uid %d\n", hits, last_sig, last_code, pid_ok, uid_ok);
    reset();
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("tgkill: hits %d sig %d code %d pid %d\n", hits, last_sig, last_code, pid_ok);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("after: USR1 blocked %d USR2 blocked %d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));
}

static void masks(void)
{
    sigset_t set;
    norder = 0;
    install(SIGUSR1, nesting_handler, 0, SIGUSR2);
    install(SIGUSR2, nesting_handler, 0, 0);
    raise(SIGUSR1);
    printf("sa_mask: order %d %d (count %d)\n", order[0], order[1], norder);
    install(SIGUSR1, nodefer_handler, SA_NODEFER, 0);
    raise(SIGUSR1);
    printf("SA_NODEFER: depth %d\n", max_depth);
    install(SIGUSR1, count_handler, SA_RESETHAND, 0);
    reset();
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    printf("SA_RESETHAND: hits %d then default %d\n", hits, now.sa_handler == SIG_DFL);
    /* Blocked, raised, then unblocked: it runs before sigprocmask returns. */
    install(SIGUSR1, count_handler, 0, 0);
    reset();
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    printf("blocked: hits %d\n", hits);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: hits %d\n", hits);
    /* sigsuspend: the pending one runs, EINTR, and the mask comes back. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    sigset_t none;
    sigemptyset(&none);
    int r = sigsuspend(&none);
    int e = errno;
    sigprocmask(SIG_BLOCK, NULL, &set);
    printf("sigsuspend: %d errno %d hits %d, USR1 blocked again %d\n", r, e, hits,
           sigismember(&set, SIGUSR1));
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void faults(void)
{
    install(SIGSEGV, segv_handler, SA_SIGINFO, 0);
    if (sigsetjmp(jump, 1) == 0) {
        *(volatile int *)0 = 1;
        puts("not reached");
    }
    printf("null write: code %d addr %#lx\n", segv_code, (unsigned long)segv_addr);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jump, 1) == 0) {
        ro[8] = 1;
        puts("not reached");
    }
    printf("read-only write: code %d at the page %d\n", segv_code, segv_addr == (uintptr_t)ro + 8);
    /* The handler's mask went with siglongjmp (savemask 1): SIGSEGV is not blocked. */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("after: SIGSEGV blocked %d\n", sigismember(&cur, SIGSEGV));
    munmap(ro, 4096);
}

static void altstack(void)
{
    stack_t st = {.ss_size = 1024}, old;
    alt = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    st.ss_sp = alt;
    show("sigaltstack small", sigaltstack(&st, NULL));
    st.ss_flags = 0x55;
    st.ss_size = 65536;
    show("sigaltstack bad flags", sigaltstack(&st, NULL));
    st.ss_flags = 0;
    show("sigaltstack", sigaltstack(&st, &old));
    printf("old: flags %d size %zu\n", old.ss_flags, old.ss_size);
    install(SIGUSR2, alt_handler, SA_ONSTACK, 0);
    raise(SIGUSR2);
    sigaltstack(NULL, &old);
    printf("on the alternate stack %d, flags there %#x; after: flags %d size %zu\n", on_alt, alt_flags,
           old.ss_flags, old.ss_size);
    st.ss_flags = SS_DISABLE;
    sigaltstack(&st, NULL);
    sigaltstack(NULL, &old);
    printf("disabled: flags %d\n", old.ss_flags);
}

static volatile int flag;
static unsigned long regs_bad;

static void flag_handler(int sig)
{
    (void)sig;
    flag = 1;
}

/* Every general register holds a pattern while a loop waits for the timer's handler; afterwards
 * each must still hold it (what rt_sigreturn restores). regs_bad: the patterns that changed. */
static void regs_survive(void)
{
    __asm__ volatile("push %%rbp\n"
                     "mov $0x1111, %%rax\n mov $0x2222, %%rbx\n mov $0x3333, %%rcx\n mov $0x4444, %%rdx\n"
                     "mov $0x5555, %%rsi\n mov $0x6666, %%rdi\n mov $0x7777, %%rbp\n mov $0x8888, %%r8\n"
                     "mov $0x9999, %%r9\n mov $0xaaaa, %%r10\n mov $0xbbbb, %%r11\n mov $0xcccc, %%r12\n"
                     "mov $0xdddd, %%r13\n mov $0xeeee, %%r14\n mov $0xffff, %%r15\n"
                     "1: cmpl $0, %[flag]\n je 1b\n"
                     "xor $0x1111, %%rax\n xor $0x2222, %%rbx\n or %%rbx, %%rax\n"
                     "xor $0x3333, %%rcx\n or %%rcx, %%rax\n xor $0x4444, %%rdx\n or %%rdx, %%rax\n"
                     "xor $0x5555, %%rsi\n or %%rsi, %%rax\n xor $0x6666, %%rdi\n or %%rdi, %%rax\n"
                     "xor $0x7777, %%rbp\n or %%rbp, %%rax\n xor $0x8888, %%r8\n or %%r8, %%rax\n"
                     "xor $0x9999, %%r9\n or %%r9, %%rax\n xor $0xaaaa, %%r10\n or %%r10, %%rax\n"
                     "xor $0xbbbb, %%r11\n or %%r11, %%rax\n xor $0xcccc, %%r12\n or %%r12, %%rax\n"
                     "xor $0xdddd, %%r13\n or %%r13, %%rax\n xor $0xeeee, %%r14\n or %%r14, %%rax\n"
                     "xor $0xffff, %%r15\n or %%r15, %%rax\n"
                     "pop %%rbp\n"
                     "mov %%rax, %[bad]\n"
                     : [bad] "=m"(regs_bad)
                     : [flag] "m"(flag)
                     : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
                       "r14", "r15", "cc", "memory");
}

static void timers(void)
{
    install(SIGALRM, count_handler, 0, 0);
    reset();
    unsigned first = alarm(5);
    unsigned second = alarm(0);
    printf("alarm(5) %u, alarm(0) %u\n", first, second);
    alarm(1);
    int r = pause();
    int e = errno;
    printf("pause: %d errno %d hits %d\n", r, e, hits);
    /* A busy loop stopped by the timer: the handler runs and the loop's registers come back. */
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
    reset();
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long sum = 0;
    for (unsigned long i = 0; hits < 3; i++)
        sum += i * 2654435761ul ^ (sum >> 3);
    struct itimerval off = {0}, left;
    setitimer(ITIMER_REAL, &off, &left);
    printf("busy loop: hits %d, interval %ld us\n", hits >= 3, (long)left.it_interval.tv_usec);
    unsigned long check = 0;
    for (unsigned long i = 0; i < 1000; i++)
        check += i * 2654435761ul ^ (check >> 3);
    unsigned long again = 0;
    for (unsigned long i = 0; i < 1000; i++)
        again += i * 2654435761ul ^ (again >> 3);
    printf("sums agree %d\n", check == again && sum != 0);
    getitimer(ITIMER_REAL, &left);
    printf("getitimer off: %ld %ld\n", (long)left.it_value.tv_sec, (long)left.it_value.tv_usec);
    show("setitimer bad usec", setitimer(ITIMER_REAL, &(struct itimerval){.it_value = {0, 1000000}}, NULL));
    show("setitimer ITIMER_REAL NULL", setitimer(ITIMER_REAL, NULL, NULL));
    install(SIGALRM, flag_handler, 0, 0);
    setitimer(ITIMER_REAL, &(struct itimerval){.it_value = {0, 20000}}, NULL);
    regs_survive();
    printf("registers kept: %d (changed %#lx)\n", regs_bad == 0, regs_bad);
    install(SIGALRM, count_handler, 0, 0);
    /* nanosleep cut short by SIGALRM: EINTR with the time left. */
    struct itimerval once = {.it_value = {0, 50000}};
    setitimer(ITIMER_REAL, &once, NULL);
    struct timespec want = {5, 0}, rem = {0, 0};
    reset();
    r = nanosleep(&want, &rem);
    e = errno;
    printf("nanosleep: %d errno %d hits %d rem %d\n", r, e, hits, rem.tv_sec >= 4 && rem.tv_sec <= 5);
}

int main(void)
{
    senders();
    masks();
    faults();
    altstack();
    timers();
    return 0;
}
