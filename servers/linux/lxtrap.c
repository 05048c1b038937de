/* lxtrap.c: the supervision channel's traps: system calls dispatched by number, faults and
 * interrupts turned into signals (lxsig.c). */
#include "lxtrap.h"

#include <warp/msg.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxnetabi.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsys.h"
#include "sysnames.h"

/* The handlers by Linux number; a hole is ENOSYS. */
static const lxsys_fn lxsys_table[LX_SYSCALLS] = {
    [LX_SYS_read] = lxsys_read,
    [LX_SYS_write] = lxsys_write,
    [LX_SYS_writev] = lxsys_writev,
    [LX_SYS_ioctl] = lxsys_ioctl,
    [LX_SYS_close] = lxsys_close,
    [LX_SYS_fstat] = lxsys_fstat,
    [LX_SYS_lseek] = lxsys_lseek,
    [LX_SYS_fcntl] = lxsys_fcntl,
    [LX_SYS_sched_yield] = lxsys_sched_yield,
    [LX_SYS_brk] = lxsys_brk,
    [LX_SYS_getrlimit] = lxsys_getrlimit,
    [LX_SYS_setrlimit] = lxsys_setrlimit,
    [LX_SYS_prlimit64] = lxsys_prlimit64,
    [LX_SYS_sysinfo] = lxsys_sysinfo,
    [LX_SYS_fsync] = lxsys_fsync,
    [LX_SYS_fdatasync] = lxsys_fsync,
    [LX_SYS_mmap] = lxsys_mmap,
    [LX_SYS_munmap] = lxsys_munmap,
    [LX_SYS_mprotect] = lxsys_mprotect,
    [LX_SYS_madvise] = lxsys_madvise,
    [LX_SYS_clock_gettime] = lxsys_clock_gettime,
    [LX_SYS_clock_getres] = lxsys_clock_getres,
    [LX_SYS_gettimeofday] = lxsys_gettimeofday,
    [LX_SYS_time] = lxsys_time,
    [LX_SYS_nanosleep] = lxsys_nanosleep,
    [LX_SYS_clock_nanosleep] = lxsys_clock_nanosleep,
    [LX_SYS_getpid] = lxsys_getpid,
    [LX_SYS_gettid] = lxsys_gettid,
    [LX_SYS_getppid] = lxsys_getppid,
    [LX_SYS_getuid] = lxsys_getuid,
    [LX_SYS_geteuid] = lxsys_getuid,
    [LX_SYS_getgid] = lxsys_getuid,
    [LX_SYS_getegid] = lxsys_getuid,
    [LX_SYS_uname] = lxsys_uname,
    [LX_SYS_getrandom] = lxsys_getrandom,
    [LX_SYS_arch_prctl] = lxsys_arch_prctl,
    [LX_SYS_set_tid_address] = lxsys_set_tid_address,
    [LX_SYS_set_robust_list] = lxsys_set_robust_list,
    [LX_SYS_setuid] = lxsys_setuid,
    [LX_SYS_setgid] = lxsys_setuid,
    [LX_SYS_rt_sigaction] = lxsys_rt_sigaction,
    [LX_SYS_rt_sigprocmask] = lxsys_rt_sigprocmask,
    [LX_SYS_rt_sigpending] = lxsys_rt_sigpending,
    [LX_SYS_kill] = lxsys_kill,
    [LX_SYS_rt_sigreturn] = lxsys_rt_sigreturn,
    [LX_SYS_sigaltstack] = lxsys_sigaltstack,
    [LX_SYS_pause] = lxsys_pause,
    [LX_SYS_rt_sigsuspend] = lxsys_rt_sigsuspend,
    [LX_SYS_alarm] = lxsys_alarm,
    [LX_SYS_getitimer] = lxsys_getitimer,
    [LX_SYS_setitimer] = lxsys_setitimer,
    /* processes (lxfork.c, lxexec.c, lxchild.c) */
    [LX_SYS_fork] = lxsys_fork,
    [LX_SYS_vfork] = lxsys_fork,
    [LX_SYS_clone] = lxsys_clone,
    [LX_SYS_execve] = lxsys_execve,
    [LX_SYS_readlink] = lxsys_readlink,
    [LX_SYS_readlinkat] = lxsys_readlinkat,
    [LX_SYS_wait4] = lxsys_wait4,
    [LX_SYS_waitid] = lxsys_waitid,
    [LX_SYS_getpgrp] = lxsys_getpgrp,
    [LX_SYS_getpgid] = lxsys_getpgid,
    [LX_SYS_getsid] = lxsys_getsid,
    [LX_SYS_setpgid] = lxsys_setpgid,
    [LX_SYS_setsid] = lxsys_setsid,
    [LX_SYS_exit_group] = lxsys_exit_group,
    /* threads (lxthread.c, lxfutex.c) */
    [LX_SYS_exit] = lxsys_exit,
    [LX_SYS_tkill] = lxsys_tkill,
    [LX_SYS_tgkill] = lxsys_tgkill,
    [LX_SYS_futex] = lxsys_futex,
    [LX_SYS_sched_getaffinity] = lxsys_sched_getaffinity,
    /* files, pipes, descriptors (lxsys_fd.c, lxsys_file.c) */
    [LX_SYS_readv] = lxsys_readv,
    [LX_SYS_pread64] = lxsys_pread64,
    [LX_SYS_pwrite64] = lxsys_pwrite64,
    [LX_SYS_open] = lxsys_open,
    [LX_SYS_openat] = lxsys_openat,
    [LX_SYS_stat] = lxsys_stat,
    [LX_SYS_lstat] = lxsys_lstat,
    [LX_SYS_newfstatat] = lxsys_newfstatat,
    [LX_SYS_statx] = lxsys_statx,
    [LX_SYS_getdents64] = lxsys_getdents64,
    [LX_SYS_access] = lxsys_access,
    [LX_SYS_faccessat] = lxsys_faccessat,
    [LX_SYS_faccessat2] = lxsys_faccessat2,
    [LX_SYS_mkdir] = lxsys_mkdir,
    [LX_SYS_mkdirat] = lxsys_mkdirat,
    [LX_SYS_unlink] = lxsys_unlink,
    [LX_SYS_unlinkat] = lxsys_unlinkat,
    [LX_SYS_rmdir] = lxsys_rmdir,
    [LX_SYS_rename] = lxsys_rename,
    [LX_SYS_renameat] = lxsys_renameat,
    [LX_SYS_renameat2] = lxsys_renameat2,
    [LX_SYS_chdir] = lxsys_chdir,
    [LX_SYS_getcwd] = lxsys_getcwd,
    [LX_SYS_ftruncate] = lxsys_ftruncate,
    [LX_SYS_umask] = lxsys_umask,
    [LX_SYS_dup] = lxsys_dup,
    [LX_SYS_dup2] = lxsys_dup2,
    [LX_SYS_dup3] = lxsys_dup3,
    [LX_SYS_pipe] = lxsys_pipe,
    [LX_SYS_pipe2] = lxsys_pipe2,
    /* sockets, sendfile, readiness (lxsys_sock.c, lxsys_poll.c) */
    [LX_SYS_socket] = lxsys_socket,
    [LX_SYS_bind] = lxsys_bind,
    [LX_SYS_listen] = lxsys_listen,
    [LX_SYS_accept] = lxsys_accept,
    [LX_SYS_accept4] = lxsys_accept4,
    [LX_SYS_connect] = lxsys_connect,
    [LX_SYS_getsockname] = lxsys_getsockname,
    [LX_SYS_getpeername] = lxsys_getpeername,
    [LX_SYS_setsockopt] = lxsys_setsockopt,
    [LX_SYS_getsockopt] = lxsys_getsockopt,
    [LX_SYS_recvfrom] = lxsys_recvfrom,
    [LX_SYS_sendto] = lxsys_sendto,
    [LX_SYS_recvmsg] = lxsys_recvmsg,
    [LX_SYS_sendmsg] = lxsys_sendmsg,
    [LX_SYS_shutdown] = lxsys_shutdown,
    [LX_SYS_sendfile] = lxsys_sendfile,
    [LX_SYS_epoll_create] = lxsys_epoll_create,
    [LX_SYS_epoll_create1] = lxsys_epoll_create1,
    [LX_SYS_epoll_ctl] = lxsys_epoll_ctl,
    [LX_SYS_epoll_wait] = lxsys_epoll_wait,
    [LX_SYS_epoll_pwait] = lxsys_epoll_pwait,
    [LX_SYS_poll] = lxsys_poll,
    [LX_SYS_select] = lxsys_select,
    [LX_SYS_pselect6] = lxsys_pselect6,
    [LX_SYS_ppoll] = lxsys_ppoll,
};

int64_t lxsys_dispatch(struct lxproc *p, const struct trap_info *t)
{
    if (t->nr < LX_SYSCALLS && lxsys_table[t->nr])
        return lxsys_table[t->nr](p, t);
    return lxproc_enosys(p, t->nr, "");
}

/* The signal Linux raises for a CPU exception (arch/x86/kernel/traps.c): memory and protection
 * faults SIGSEGV (an alignment check, vector 17, SIGBUS), undefined instructions SIGILL, arithmetic
 * SIGFPE, breakpoints and debug traps SIGTRAP, anything else SIGBUS. */
static int lxtrap_fault_signal(uint32_t kind, uint64_t vector)
{
    switch (kind) {
    case FAULT_MEMORY: return 11;
    case FAULT_PROTECTION: return vector == 17 ? 7 : 11;
    case FAULT_ILLEGAL: return 4;
    case FAULT_ARITHMETIC: return 8;
    case FAULT_DEBUG: return 5;
    default: return 7;
    }
}

/* A message on a supervision channel: a MSG_TRAP call from the kernel (nothing else is sent there). */
static void lxtrap_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxproc *p = ctx;
    struct trap_info t;
    service_drop_handles(l, m);
    if (m->type != MSG_TRAP || !msg_is_call(m) || m->data_len != sizeof(t)) {
        if (msg_is_call(m))
            loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
        return;
    }
    memcpy(&t, m->data, sizeof(t));
    if (t.kind == TRAP_SYSCALL) {
        p->call_id = m->call_id;
        p->call_nr = t.nr;
        int64_t r = lxsys_dispatch(p, &t);
        if (r != LXSYS_NO_REPLY)
            lxsig_reply(p, m->call_id, r); /* pending signals act first, as on Linux's way out */
    } else if (t.kind == TRAP_FAULT) {
        lxsig_fault(p, m->call_id, lxtrap_fault_signal(t.fault_kind, t.fault_vector), &t);
    } else {
        lxsig_interrupt(p, m->call_id); /* the stop lxsig_kick asked for: a signal to act on */
    }
}

/* The kernel's end went: the process is ending; its exit event cleans up. */
static void lxtrap_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    struct lxproc *p = ctx;
    loop_close(l, ch);
    p->ch = 0;
}

const struct loop_channel_handlers lxtrap_handlers = {
    .on_message = lxtrap_on_message,
    .on_peer_closed = lxtrap_on_closed,
};
