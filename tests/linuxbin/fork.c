/* fork.c: fork, wait4 and waitid statuses, pipes between parent and child, execve and its errors,
 * SIGCHLD, and a forked copy of a lot of memory (compared with the host run). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lxtest.h"

static volatile sig_atomic_t chld, chld_pid, chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld++;
    chld_pid = si->si_pid;
    chld_code = si->si_code;
    chld_status = si->si_status;
}

static void on_usr(int sig)
{
    (void)sig;
}

/* Process groups: a child in a group of its own is killed through it; setsid in a child. */
static void groups(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(1);
    }
    show("setpgid of the child", setpgid(pid, pid));
    printf("its group is its pid: %d\n", getpgid(pid) == pid);
    show("setpgid to a group of no one", setpgid(pid, 1));
    show("setpgid negative", setpgid(pid, -1));
    show("kill its group", kill(-pid, SIGTERM));
    int st = 0, same = waitpid(pid, &st, 0) == pid;
    printf("group killed: %d sig %d\n", same, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    show("kill a group of no one", kill(-pid, SIGTERM));
    pid = fork();
    if (pid == 0) {
        pid_t sid = setsid();
        _exit(sid == getpid() && getsid(0) == getpid() && getpgrp() == getpid() ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    printf("setsid in a child: %d\n", WEXITSTATUS(st));
    show("getpgid of no process", getpgid(999999));
}

/* Forks a child that runs how(); the parent waits and prints the decoded status. */
static void status_of(const char *what, void (*how)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        how();
        _exit(99);
    }
    int st = 0;
    pid_t got = waitpid(pid, &st, 0);
    printf("%s: same pid %d, exited %d code %d, signaled %d sig %d\n", what, got == pid, WIFEXITED(st),
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static void exit0(void)
{
    _exit(0);
}
static void exit42(void)
{
    exit(42);
}
static void exit300(void)
{
    _exit(300);
}
static void die_kill(void)
{
    kill(getpid(), SIGKILL);
}
static void die_segv(void)
{
    *(volatile int *)0 = 1;
}
static void die_term(void)
{
    raise(SIGTERM);
}

/* A child that pauses until its parent kills it. */
static void killed_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(1);
    }
    int st = 0;
    show("waitpid WNOHANG while it runs", waitpid(pid, &st, WNOHANG));
    show("kill the child", kill(pid, SIGUSR1));
    int same = waitpid(pid, &st, 0) == pid;
    printf("killed child: %d sig %d\n", same, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

/* A pipe: the child writes, the parent reads to the end; getppid is the parent. */
static void piped(void)
{
    int fd[2];
    char buf[64] = {0};
    show("pipe", pipe(fd));
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        close(fd[0]);
        const char *msg = getppid() == parent ? "child knows its parent" : "wrong parent";
        write(fd[1], msg, strlen(msg));
        _exit(0);
    }
    close(fd[1]);
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    printf("read from the child: %s (end %zd)\n", buf, r);
    close(fd[0]);
    waitpid(pid, NULL, 0);
}

/* A parent's end does not end its child: the grandchild writes after its parent exited. */
static void orphan(void)
{
    int fd[2];
    char buf[32] = {0};
    pipe(fd);
    pid_t pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            close(fd[0]);
            usleep(50000); /* its parent is gone by then */
            write(fd[1], "orphan alive", 12);
            _exit(0);
        }
        _exit(0);
    }
    close(fd[1]);
    waitpid(pid, NULL, 0);
    ssize_t n = read(fd[0], buf, sizeof(buf) - 1);
    printf("after its parent's end: %s (%zd)\n", buf, n);
    close(fd[0]);
}

/* The child's writes to a large area do not show in the parent. */
static void big_memory(void)
{
    size_t len = 4u << 20;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < len; i += 4096)
        m[i] = (unsigned char)(i >> 12);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = 1;
        for (size_t i = 0; i < len; i += 4096) {
            ok &= m[i] == (unsigned char)(i >> 12);
            m[i] = 0xee;
        }
        _exit(ok ? 7 : 8);
    }
    int st = 0, same = 1;
    waitpid(pid, &st, 0);
    for (size_t i = 0; i < len; i += 4096)
        same &= m[i] == (unsigned char)(i >> 12);
    printf("4 MiB: the child saw the parent's bytes: %d, the parent kept its own: %d\n", WEXITSTATUS(st) == 7,
           same);
}

/* execve's refusals (each in a child, which reports by its exit code), then a success. */
static void execs(char **envp)
{
    static char *volatile bad_ptr = (char *)8; /* hidden from the compiler's bounds checks */
    char *argv[] = {"fork", "exec'd", NULL};
    show("execve missing", execve("/no/such/file", argv, envp));
    show("execve a directory", execve("/", argv, envp));
    char file[512], through[600];
    snprintf(file, sizeof(file), "%s", scratch("fork-file"));
    snprintf(through, sizeof(through), "%s/x", file);
    mkdir(scratch(""), 0755);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, "no program\n", 11);
    close(fd);
    show("execve a file without x", execve(file, argv, envp));
    show("execve through a file", execve(through, argv, envp));
    snprintf(file, sizeof(file), "%s", scratch("fork-prog"));
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    write(fd, "no program\n", 11);
    close(fd);
    show("execve a file that is no ELF", execve(file, argv, envp));
    snprintf(file, sizeof(file), "%s", scratch("fork-empty"));
    close(open(file, O_WRONLY | O_CREAT | O_TRUNC, 0755));
    show("execve an empty file", execve(file, argv, envp));
    show("execve a bad path", execve(bad_ptr, argv, envp));
    show("execve a bad argv", execve("/proc/self/exe", (char **)bad_ptr, envp));
    static char huge[200 << 10]; /* past Linux's 128 KiB for one string, and Warp's limits */
    memset(huge, 'a', sizeof(huge) - 1);
    char *big[] = {"fork", huge, NULL};
    show("execve an argument too long", execve("/proc/self/exe", big, envp));
    char *bad[] = {"fork", bad_ptr, NULL};
    show("execve a bad argv string", execve("/proc/self/exe", bad, envp));
    pid_t pid = fork();
    if (pid == 0) { /* what execve keeps: fds without FD_CLOEXEC, ignored signals, the mask */
        int keep[2], shut[2];
        pipe(keep);
        pipe2(shut, O_CLOEXEC);
        dup2(keep[0], 20);
        dup2(shut[0], 21);
        fcntl(21, F_SETFD, FD_CLOEXEC);
        signal(SIGUSR1, on_usr);
        signal(SIGUSR2, SIG_IGN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        execve("/proc/self/exe", argv, envp);
        _exit(98);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("the exec'd child ended with %d\n", WEXITSTATUS(st));
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "exec'd") == 0) {
        struct sigaction usr1, usr2;
        sigset_t mask;
        sigaction(SIGUSR1, NULL, &usr1);
        sigaction(SIGUSR2, NULL, &usr2);
        sigprocmask(SIG_BLOCK, NULL, &mask);
        printf("exec'd: argv[0] %s; fd 20 kept %d, fd 21 closed %d; SIGUSR1 default %d, SIGUSR2 ignored %d, "
               "SIGHUP blocked %d\n",
               argv[0], fcntl(20, F_GETFD) == 0, fcntl(21, F_GETFD) < 0 && errno == EBADF,
               usr1.sa_handler == SIG_DFL, usr2.sa_handler == SIG_IGN, sigismember(&mask, SIGHUP));
        return 5;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    status_of("_exit(0)", exit0);
    status_of("exit(42)", exit42);
    status_of("_exit(300)", exit300);
    status_of("SIGKILL", die_kill);
    status_of("SIGSEGV", die_segv);
    status_of("SIGTERM", die_term);
    show("wait without children", wait(NULL));
    show("waitpid of no child", waitpid(1, NULL, 0));
    show("waitpid bad options", waitpid(-1, NULL, 0x100));
    killed_child();
    piped();
    orphan();
    big_memory();
    groups();
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    waitpid(pid, NULL, 0);
    printf("SIGCHLD handled: %d, si_pid the child's %d, code %d, status %d\n", (int)chld, chld_pid == pid,
           (int)chld_code, (int)chld_status);
    /* SA_RESTART: a wait a handler interrupts goes on (another child's end raised it) */
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    chld = 0;
    pid_t quick = fork();
    if (quick == 0) {
        usleep(50000);
        _exit(1);
    }
    pid_t slow = fork();
    if (slow == 0) {
        usleep(300000);
        _exit(4);
    }
    int st = 0;
    pid_t got = waitpid(slow, &st, 0);
    printf(
        "SA_RESTART: waitpid of the slow child through the quick one's SIGCHLD: %d status %d, handled %d\n",
        got == slow, WEXITSTATUS(st), chld >= 1);
    waitpid(quick, NULL, 0);
    siginfo_t si = {0};
    pid = fork();
    if (pid == 0)
        _exit(3);
    show("waitid P_PID", waitid(P_PID, (id_t)pid, &si, WEXITED));
    printf("waitid: pid %d, code %d (CLD_EXITED %d), status %d\n", si.si_pid == pid, si.si_code, CLD_EXITED,
           si.si_status);
    pid = fork(); /* a zombie is no candidate for a wait for stops: ECHILD, not a wait for ever */
    if (pid == 0)
        _exit(0);
    usleep(100000);
    show("waitid for stops of a zombie", waitid(P_PID, (id_t)pid, &si, WSTOPPED));
    show("waitid WNOWAIT", waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT));
    show("then wait4", waitpid(pid, NULL, 0) == pid ? 0 : -1);
    execs(envp);
    signal(SIGCHLD, SIG_IGN); /* children are reaped at their end: a wait finds none */
    pid = fork();
    if (pid == 0)
        _exit(0);
    show("wait with SIGCHLD ignored", waitpid(pid, NULL, 0));
    return 0;
}
