/* signals: signals a program sends itself: ignored ones, blocked and pending ones, errors, and
 * abort(), whose SIGABRT ends the program as killed by it. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Prints what a call returned and its errno. */
static void show(const char *what, long r)
{
    printf("%s: %ld errno %d\n", what, r, r < 0 ? errno : 0);
    errno = 0;
}

/* Whether sig is pending (blocked and raised). */
static int pending(int sig)
{
    sigset_t set;
    sigpending(&set);
    return sigismember(&set, sig);
}

int main(void)
{
    show("kill(self, 0)", kill(getpid(), 0));
    show("kill(nobody, SIGTERM)", kill(0x7ffffff0, SIGTERM));
    show("kill(self, 65)", kill(getpid(), 65));
    show("tkill(0, 0)", syscall(SYS_tkill, 0, 0));
    show("tgkill(self, nobody, 0)", syscall(SYS_tgkill, getpid(), 0x7ffffff0, 0));
    signal(SIGUSR1, SIG_IGN);
    show("raise(SIGUSR1) ignored", raise(SIGUSR1));
    show("raise(SIGCHLD) by default nothing", raise(SIGCHLD));
    show("raise(SIGWINCH) by default nothing", raise(SIGWINCH));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    show("block SIGUSR2 and SIGTERM", sigprocmask(SIG_BLOCK, &set, NULL));
    show("raise(SIGUSR2) blocked", raise(SIGUSR2));
    show("kill(self, SIGTERM) blocked", kill(getpid(), SIGTERM));
    printf("pending: SIGUSR2 %d SIGTERM %d SIGUSR1 %d\n", pending(SIGUSR2), pending(SIGTERM),
           pending(SIGUSR1));
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    printf("after SIG_IGN: SIGUSR2 %d SIGTERM %d\n", pending(SIGUSR2), pending(SIGTERM));
    show("unblock them", sigprocmask(SIG_UNBLOCK, &set, NULL));
    puts("aborting");
    fflush(stdout);
    abort();
}
