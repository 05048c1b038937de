/* lxsys.h: the Linux system calls the server carries out, one handler each (docs/linux-compat.md). */
#pragma once

#include <warp/abi.h>

#include "lxstate.h"

/* A handler's result that is no result yet: the trap is answered later (nanosleep) or never (exit). */
#define LXSYS_NO_REPLY INT64_MIN

/* A handler: the call's arguments are in t->args; returns the result (value or -errno). */
typedef int64_t (*lxsys_fn)(struct lxproc *p, const struct trap_info *t);

/* Carries out one system-call trap; an unimplemented one gives -ENOSYS, logged once per process. */
int64_t lxsys_dispatch(struct lxproc *p, const struct trap_info *t);

/* lxsys_io.c: reads and writes by what the descriptor is; the console streams */
int64_t lxsys_read(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_write(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_readv(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_writev(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pread64(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pwrite64(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_ioctl(struct lxproc *p, const struct trap_info *t);

/* lxsys_fd.c: descriptors and pipes */
int64_t lxsys_close(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_dup(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_dup2(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_dup3(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_fcntl(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_umask(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pipe(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pipe2(struct lxproc *p, const struct trap_info *t);

/* lxsys_file.c: files and directories through service/fs */
int64_t lxsys_open(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_openat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_stat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_lstat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_newfstatat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_statx(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_fstat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_lseek(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getdents64(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_access(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_faccessat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_faccessat2(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_mkdir(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_mkdirat(struct lxproc *p, const struct trap_info *t);
/* lxsys_names.c */
int64_t lxsys_unlink(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_unlinkat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rmdir(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rename(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_renameat(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_renameat2(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_chdir(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getcwd(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_fsync(struct lxproc *p, const struct trap_info *t); /* and fdatasync */
int64_t lxsys_ftruncate(struct lxproc *p, const struct trap_info *t);
#define LXPATH_MAX 4096 /* Linux's PATH_MAX, the NUL included */
/* Where an OPEN of a path goes: the path to send and the channel (and description) to call. */
struct lxpath {
    uint32_t len;
    bool dir_only;      /* it ends in '/': it must be a directory */
    struct lxfile *dir; /* the directory it is relative to (dirfd), or NULL: the session */
};
/* Reads the path at uaddr (relative ones joined to the cwd) into out (LXPATH_MAX + 2 bytes): 0 or
 * -EFAULT, -ENAMETOOLONG, -ENOENT (empty). */
int64_t lxsys_path_get(struct lxproc *p, uint64_t uaddr, char *out, struct lxpath *res);
/* read and write of an fs node at offset (-1: the description's, which then moves): LXSYS_NO_REPLY
 * (the trap is answered with fs's reply) or -errno. */
struct lxfile;
struct lxxfer;
int64_t lxsys_file_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset);
int64_t lxsys_file_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, int64_t offset);
/* Sends what fd 1 and 2 hold of an unfinished line to the log (at exit). */
void lxsys_flush(struct lxproc *p);

/* lxsys_sock.c: sockets (lxsock.c) and sendfile */
int64_t lxsys_socket(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_bind(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_listen(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_accept(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_accept4(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_connect(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getsockname(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getpeername(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setsockopt(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getsockopt(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_recvfrom(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sendto(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_recvmsg(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sendmsg(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_shutdown(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sendfile(struct lxproc *p, const struct trap_info *t);
/* read and write of a socket with send/recv flags: the bytes, -errno, -EAGAIN when nothing can
 * move yet (the caller waits, or not: lxsys_sock_io_wait). */
int64_t lxsys_sock_recv(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, uint64_t flags);
int64_t lxsys_sock_send(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, uint64_t flags);
/* read, write, readv, writev: result r of the call on t->args[0]; a blocking socket's -EAGAIN
 * becomes a wait that runs fn again. */
int64_t lxsys_sock_io_wait(struct lxproc *p, const struct trap_info *t, lxsys_fn fn, int64_t r);

/* lxsys_poll.c: epoll and poll */
int64_t lxsys_epoll_create(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_epoll_create1(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_epoll_ctl(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_epoll_wait(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_epoll_pwait(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_poll(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_select(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pselect6(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_ppoll(struct lxproc *p, const struct trap_info *t);

/* lxsys_mem.c: memory */
int64_t lxsys_brk(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_mmap(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_munmap(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_mprotect(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_madvise(struct lxproc *p, const struct trap_info *t);

/* lxsys_time.c: clocks and sleeping */
int64_t lxsys_clock_gettime(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_clock_getres(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_gettimeofday(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_time(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_nanosleep(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_clock_nanosleep(struct lxproc *p, const struct trap_info *t);

/* lxthread.c, lxfutex.c: clone, threads' ids and ends, signals to one thread, futexes */
int64_t lxsys_clone(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_exit(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_exit_group(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getpid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_gettid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_tkill(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_tgkill(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_futex(struct lxproc *p, const struct trap_info *t);

/* lxsys_task.c: identity, the system, randomness, TLS */
int64_t lxsys_sched_yield(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sched_getaffinity(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getuid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_uname(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getrandom(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_arch_prctl(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_set_tid_address(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_set_robust_list(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setuid(struct lxproc *p, const struct trap_info *t); /* and setgid */
int64_t lxsys_prlimit64(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sysinfo(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getrlimit(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setrlimit(struct lxproc *p, const struct trap_info *t);

/* lxsys_signal.c: dispositions, the mask, signals to itself, rt_sigreturn, waits, SIGALRM's timer */
int64_t lxsys_rt_sigaction(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rt_sigprocmask(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rt_sigpending(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_kill(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rt_sigreturn(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_sigaltstack(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_pause(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_rt_sigsuspend(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_alarm(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getitimer(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setitimer(struct lxproc *p, const struct trap_info *t);

/* lxchild.c: the process tree: waits, parents, groups and sessions */
int64_t lxsys_wait4(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_waitid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getppid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getpgrp(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getpgid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_getsid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setpgid(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_setsid(struct lxproc *p, const struct trap_info *t);

/* lxfork.c: fork, vfork */
int64_t lxsys_fork(struct lxproc *p, const struct trap_info *t); /* and vfork */

/* lxexec.c: execve, and readlink of /proc/self/exe */
int64_t lxsys_execve(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_readlink(struct lxproc *p, const struct trap_info *t);
int64_t lxsys_readlinkat(struct lxproc *p, const struct trap_info *t);
