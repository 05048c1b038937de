/* sigdie MODE: a signal Linux forces ends the program as killed by SIGSEGV: a null write with
 * SIGSEGV blocked (block) or ignored (ignore), a handler whose frame cannot be written (badstack:
 * its alternate stack is read-only), a handler without SA_RESTORER (norestorer: x86-64 Linux has
 * no return path to give it). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void handler(int sig)
{
    (void)sig;
    write(1, "handler ran\n", 12);
}

/* struct k_sigaction, as rt_sigaction takes it on x86-64. */
struct ksa {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    printf("mode %s\n", mode);
    fflush(stdout);
    if (strcmp(mode, "block") == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        signal(SIGSEGV, handler);
        sigprocmask(SIG_BLOCK, &set, NULL);
    } else if (strcmp(mode, "ignore") == 0) {
        signal(SIGSEGV, SIG_IGN);
    } else if (strcmp(mode, "badstack") == 0) {
        stack_t st = {.ss_size = 65536};
        st.ss_sp = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        sigaltstack(&st, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &sa, NULL);
    } else if (strcmp(mode, "norestorer") == 0) {
        struct ksa sa = {handler, 0, 0, 0};
        printf("rt_sigaction: %ld\n", syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 8));
        fflush(stdout);
        raise(SIGUSR1);
        puts("not reached");
        return 1;
    }
    *(volatile int *)0 = 1;
    puts("not reached");
    return 1;
}
