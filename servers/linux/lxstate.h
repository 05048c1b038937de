/* lxstate.h: the record of one supervised Linux process (what every system call works on). */
#pragma once

#include <warp/loop.h>

#include "lxconf.h"
#include "lxfd.h"
#include "lxvm.h"
#include "sysnames.h"

#define LXPROC_MAX 64       /* Linux processes supervised at once */
#define LXPROC_LINE_MAX 200 /* an output line longer than this goes to the log in pieces */
#define LXPROC_NSIG 64

/* A console stream (fd 1 or 2) collecting bytes until a line is whole. */
struct lxout {
    uint32_t len;
    char buf[LXPROC_LINE_MAX];
};

/* What rt_sigaction recorded for one signal (struct k_sigaction's layout on x86-64). */
struct lxsigaction {
    uint64_t handler, flags, restorer, mask;
};

/* Signal delivery's state (lxsig.c): where a stopped process waits, its alternate stack, the
 * SIGALRM timer, and who sent each pending signal. */
struct lxsigstate {
    uint8_t wait;    /* LXSIG_WAIT_*: the trap sleep_call is answered by a signal (or timeout) */
    bool mask_saved; /* rt_sigsuspend: saved_mask goes back after the wait */
    uint64_t saved_mask;
    uint64_t sleep_deadline;     /* nanosleep: when it ends (SYS_CLOCK) */
    uint64_t sleep_rem;          /* nanosleep: where the time left goes when interrupted (0: nowhere) */
    uint64_t alt_sp, alt_size;   /* sigaltstack (alt_size 0: none) */
    uint32_t alt_flags;          /* SS_AUTODISARM, kept as set */
    struct loop_timeout alarm;   /* ITIMER_REAL */
    uint64_t alarm_at;           /* its deadline (0: disarmed) */
    uint64_t alarm_every;        /* its interval (0: once) */
    int32_t code[LXPROC_NSIG];   /* each pending signal's si_code (SI_USER, SI_TKILL, SI_KERNEL, CLD_*) */
    uint32_t from[LXPROC_NSIG];  /* its si_pid: the sender (0: itself), or the child that ended */
    int32_t status[LXPROC_NSIG]; /* CLD_*: the child's exit code or signal (si_status) */
};

/* A binary the server ran: the unimplemented calls are logged once per binary, whichever of its
 * processes made them first. */
struct lxbinary {
    char path[LXCONF_TEXT_MAX + 1];
    uint8_t enosys_logged[(LX_SYSCALLS + 8) / 8]; /* numbers logged as unimplemented; the last bit: others */
};

struct lxpipewait;
struct lxwait;

/* select's sets while it waits, as the process gave them (read, write, except; nfds bits each): its
 * own copies are zeroed for the wait, so that a timeout leaves them empty, as Linux does. */
struct lxselect {
    uint64_t in[3][LXFD_MAX / 64];
    uint32_t nfds;
};

/* A futex wait (lxfutex.c): the thread's trap stays unanswered until a wake, its timeout or a
 * signal. One per record at most: a thread waits on one futex at a time, so no table can fill. */
struct lxfutexwait {
    bool waiting;
    uint64_t uaddr;              /* the futex word, in the group's address space */
    uint32_t bitset;             /* FUTEX_WAIT_BITSET's mask (FUTEX_WAIT: all bits) */
    uint64_t seq;                /* when it began: wakes go first come, first served */
    uint64_t trap;               /* the trap kept unanswered */
    struct loop_timeout timeout; /* armed when the wait has a deadline */
};

/*
 * One supervised Linux thread: a process is its thread group, one record a thread. What the group
 * shares (memory map and brk, descriptors, cwd, umask, signal dispositions, the binary, the console
 * lines) lives in the leader's record only, reached as p->leader->...: a thread's copies of those
 * fields are unused. The leader's record (and its Warp process, which owns the address space) lives
 * until the whole group has ended (docs/linux-compat.md, Threads).
 */
struct lxproc {
    bool used;
    struct lxproc *leader; /* the thread-group leader (itself for the leader) */
    char name[LXCONF_NAME_MAX + 1];
    struct loop *loop;
    handle_t proc, ch;       /* its process handle (RIGHT_MANAGE) and our end of its supervision channel */
    uint64_t pid;            /* its tid (the leader's is the group's pid, getpid's) */
    uint64_t ppid;           /* its parent's pid; 0: none (a manifest program, or an orphan) */
    uint64_t pgid, sid;      /* its process group and session */
    uint64_t tree;           /* the pid of the manifest program it descends from: all it can see */
    int exit_signal;         /* sent to its parent at its end (clone's low byte; SIGCHLD for fork) */
    bool forked;             /* made by fork or clone (its end is logged with its pid) */
    bool execed;             /* it called execve (setpgid by its parent is EACCES then) */
    char *exe;               /* its binary: an fs path (absolute) or an initfs one (malloc'd) */
    uint64_t pages;          /* its memory quota (the spawn's LIMIT_PAGES) */
    uint64_t start_ns;       /* SYS_CLOCK when it started */
    struct lxvm vm;          /* its mappings */
    uint64_t brk_start, brk; /* the heap: brk's range [brk_start, brk) */
    uint64_t brk_end;        /* pages mapped for the heap end here (page-aligned, >= brk) */
    uint64_t tid_address;    /* set_tid_address's pointer: 0 written and woken at the thread's end */
    bool exited;             /* it called exit, or its group ended (the leader's: the group's) */
    int exit_code;
    uint64_t call_id;            /* the trap being served */
    uint64_t call_nr;            /* its system call's number (a restart makes it again) */
    struct lxfdtab fds;          /* its file descriptors (lxfd.h) */
    struct lxpipewait *pipewait; /* a read or write waiting on a pipe (lxsys_fd.c), or NULL */
    struct lxwait *wait;         /* a call waiting for readiness (lxwait.c), or NULL */
    struct lxselect sel;         /* what a waiting select watches */
    char *cwd;                   /* its working directory: an absolute path, lexically normal (malloc'd) */
    uint16_t ports[LXCONF_PORTS_MAX]; /* the TCP ports it may listen on (the manifest's ports) */
    uint32_t nports;
    bool connect; /* its section's connect = yes: connect() may go out (else EACCES) */
    uint32_t umask;
    struct lxout out[2];     /* fd 1 and 2 */
    struct lxbinary *binary; /* the binary it runs (its ENOSYS log) */
    struct lxsigaction sigs[LXPROC_NSIG];
    uint64_t sigmask;
    uint64_t sigpending;       /* raised, not yet acted on: blocked, or waiting for a handler to be run */
    int killed_by;             /* the signal whose default action ended it (0: none) */
    struct loop_timeout sleep; /* nanosleep: the process stays stopped until it fires */
    uint64_t sleep_call;
    struct lxsigstate sig; /* signal delivery (lxsig.c) */
    struct lxfutexwait futex;
};
