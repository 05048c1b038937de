/* lxabi.h: the Linux x86-64 ABI values the server uses: errno codes, system-call numbers, flags. */
#pragma once

#include <warp/types.h>

/* errno values (Linux's include/uapi/asm-generic/errno-base.h and errno.h); calls return -E. */
#define LX_EPERM 1
#define LX_ENOENT 2
#define LX_ESRCH 3
#define LX_EINTR 4
#define LX_EIO 5
#define LX_EBADF 9
#define LX_EAGAIN 11
#define LX_ENOMEM 12
#define LX_EACCES 13
#define LX_EFAULT 14
#define LX_EEXIST 17
#define LX_ENODEV 19
#define LX_EINVAL 22
#define LX_ENOTTY 25
#define LX_ESPIPE 29
#define LX_ERANGE 34
#define LX_ENOSYS 38
#define LX_ETIMEDOUT 110
#define LX_ENXIO 6
#define LX_ENOTDIR 20
#define LX_EISDIR 21
#define LX_ENFILE 23
#define LX_EFBIG 27
#define LX_EMFILE 24
#define LX_ENOSPC 28
#define LX_EROFS 30
#define LX_EPIPE 32
#define LX_ENAMETOOLONG 36
#define LX_ELOOP 40
#define LX_EOPNOTSUPP 95
#define LX_E2BIG 7
#define LX_ENOEXEC 8
#define LX_ECHILD 10
#define LX_EXDEV 18
#define LX_ENOTEMPTY 39

/* System-call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define LX_SYS_read 0
#define LX_SYS_write 1
#define LX_SYS_close 3
#define LX_SYS_fstat 5
#define LX_SYS_lseek 8
#define LX_SYS_mmap 9
#define LX_SYS_mprotect 10
#define LX_SYS_munmap 11
#define LX_SYS_brk 12
#define LX_SYS_rt_sigaction 13
#define LX_SYS_rt_sigprocmask 14
#define LX_SYS_rt_sigreturn 15
#define LX_SYS_ioctl 16
#define LX_SYS_madvise 28
#define LX_SYS_writev 20
#define LX_SYS_sched_yield 24
#define LX_SYS_pause 34
#define LX_SYS_nanosleep 35
#define LX_SYS_getitimer 36
#define LX_SYS_alarm 37
#define LX_SYS_setitimer 38
#define LX_SYS_getpid 39
#define LX_SYS_exit 60
#define LX_SYS_kill 62
#define LX_SYS_fcntl 72
#define LX_SYS_uname 63
#define LX_SYS_gettimeofday 96
#define LX_SYS_getuid 102
#define LX_SYS_getgid 104
#define LX_SYS_geteuid 107
#define LX_SYS_getegid 108
#define LX_SYS_getppid 110
#define LX_SYS_clone 56
#define LX_SYS_fork 57
#define LX_SYS_vfork 58
#define LX_SYS_execve 59
#define LX_SYS_wait4 61
#define LX_SYS_readlink 89
#define LX_SYS_setpgid 109
#define LX_SYS_getpgrp 111
#define LX_SYS_setsid 112
#define LX_SYS_getpgid 121
#define LX_SYS_getsid 124
#define LX_SYS_waitid 247
#define LX_SYS_setuid 105
#define LX_SYS_setgid 106
#define LX_SYS_set_robust_list 273
#define LX_SYS_readlinkat 267
#define LX_SYS_rt_sigpending 127
#define LX_SYS_rt_sigsuspend 130
#define LX_SYS_sigaltstack 131
#define LX_SYS_arch_prctl 158
#define LX_SYS_gettid 186
#define LX_SYS_tkill 200
#define LX_SYS_futex 202
#define LX_SYS_sched_getaffinity 204
#define LX_SYS_time 201
#define LX_SYS_set_tid_address 218
#define LX_SYS_clock_gettime 228
#define LX_SYS_clock_getres 229
#define LX_SYS_clock_nanosleep 230
#define LX_SYS_exit_group 231
#define LX_SYS_tgkill 234
#define LX_SYS_getrandom 318
/* files, directories, pipes, descriptors */
#define LX_SYS_open 2
#define LX_SYS_stat 4
#define LX_SYS_lstat 6
#define LX_SYS_pread64 17
#define LX_SYS_pwrite64 18
#define LX_SYS_readv 19
#define LX_SYS_access 21
#define LX_SYS_pipe 22
#define LX_SYS_dup 32
#define LX_SYS_dup2 33
#define LX_SYS_fsync 74
#define LX_SYS_fdatasync 75
#define LX_SYS_ftruncate 77
#define LX_SYS_getcwd 79
#define LX_SYS_chdir 80
#define LX_SYS_fchdir 81
#define LX_SYS_rename 82
#define LX_SYS_mkdir 83
#define LX_SYS_rmdir 84
#define LX_SYS_unlink 87
#define LX_SYS_umask 95
#define LX_SYS_getdents64 217
#define LX_SYS_openat 257
#define LX_SYS_mkdirat 258
#define LX_SYS_newfstatat 262
#define LX_SYS_unlinkat 263
#define LX_SYS_renameat 264
#define LX_SYS_faccessat 269
#define LX_SYS_dup3 292
#define LX_SYS_pipe2 293
#define LX_SYS_renameat2 316
#define LX_SYS_statx 332
#define LX_SYS_faccessat2 439
#define LX_SYS_getrlimit 97
#define LX_SYS_sysinfo 99
#define LX_SYS_setrlimit 160
#define LX_SYS_prlimit64 302

/* mmap's flags and prot */
#define LX_PROT_READ 1
#define LX_PROT_WRITE 2
#define LX_PROT_EXEC 4
#define LX_MAP_SHARED 0x01
#define LX_MAP_PRIVATE 0x02
#define LX_MAP_SHARED_VALIDATE 0x03
#define LX_MAP_TYPE 0x0f
#define LX_MAP_FIXED 0x10
#define LX_MAP_ANONYMOUS 0x20
#define LX_MAP_FIXED_NOREPLACE 0x100000

/* madvise advice */
#define LX_MADV_WILLNEED 3
#define LX_MADV_DONTNEED 4
#define LX_MADV_FREE 8
#define LX_MADV_REMOVE 9
#define LX_MADV_PAGEOUT 21

/* arch_prctl codes */
#define LX_ARCH_SET_FS 0x1002
#define LX_ARCH_GET_FS 0x1003

/* fcntl commands and file modes */
#define LX_F_GETFD 1
#define LX_F_SETFD 2
#define LX_F_GETFL 3
#define LX_F_DUPFD 0
#define LX_F_SETFL 4
#define LX_F_DUPFD_CLOEXEC 1030
#define LX_FD_CLOEXEC 1
#define LX_O_RDWR 2
#define LX_O_ACCMODE 3
#define LX_O_CREAT 0100
#define LX_O_EXCL 0200
#define LX_O_NOCTTY 0400
#define LX_O_TRUNC 01000
#define LX_O_APPEND 02000
#define LX_O_NONBLOCK 04000
#define LX_O_DIRECT 040000
#define LX_O_LARGEFILE 0100000
#define LX_O_DIRECTORY 0200000
#define LX_O_NOFOLLOW 0400000
#define LX_O_CLOEXEC 02000000
#define LX_O_PATH 010000000
#define LX_O_TMPFILE 020000000 /* with O_DIRECTORY */
#define LX_AT_FDCWD (-100)
#define LX_AT_SYMLINK_NOFOLLOW 0x100
#define LX_AT_EACCESS 0x200
#define LX_AT_REMOVEDIR 0x200         /* unlinkat's: the same bit as faccessat's AT_EACCESS */
#define LX_RENAME_NOREPLACE 0x1       /* renameat2's */
#define LX_AT_STATX_SYNC 0x6000       /* statx's AT_STATX_FORCE_SYNC and AT_STATX_DONT_SYNC */
#define LX_STATX_BASIC_STATS 0x7ffu   /* type, mode, nlink, uid, gid, the times, ino, size, blocks */
#define LX_STATX_RESERVED 0x80000000u /* statx mask's reserved bit: EINVAL */
#define LX_AT_NO_AUTOMOUNT 0x800
#define LX_AT_EMPTY_PATH 0x1000
#define LX_SEEK_SET 0
#define LX_SEEK_CUR 1
#define LX_SEEK_END 2
#define LX_R_OK 4
#define LX_W_OK 2
#define LX_X_OK 1
#define LX_S_IFMT 0170000
#define LX_S_IFDIR 0040000
#define LX_S_IFREG 0100000
#define LX_S_IFLNK 0120000
#define LX_DT_UNKNOWN 0
#define LX_DT_DIR 4
#define LX_DT_REG 8
#define LX_DT_LNK 10
#define LX_O_RDONLY 0
#define LX_O_WRONLY 1
#define LX_S_IFIFO 0010000
#define LX_S_IFCHR 0020000

/* ioctl requests on a terminal */
#define LX_TCGETS 0x5401
#define LX_TIOCGWINSZ 0x5413

/* clocks */
#define LX_CLOCK_REALTIME 0
#define LX_CLOCK_MONOTONIC 1
#define LX_CLOCK_PROCESS_CPUTIME_ID 2
#define LX_CLOCK_THREAD_CPUTIME_ID 3
#define LX_CLOCK_MONOTONIC_RAW 4
#define LX_CLOCK_REALTIME_COARSE 5
#define LX_CLOCK_MONOTONIC_COARSE 6
#define LX_CLOCK_BOOTTIME 7

/* The clocks that read Warp's monotonic clock (there is no wall clock yet: CLOCK_REALTIME counts
 * from boot too), as opposed to the CPU-time clocks and unknown ids: the server's clock calls and
 * the vDSO (servers/linux/vdso) answer the same ones the same way. */
static inline bool lx_clock_is_monotonic(uint64_t id)
{
    return id == LX_CLOCK_REALTIME || id == LX_CLOCK_MONOTONIC || id == LX_CLOCK_MONOTONIC_RAW ||
           id == LX_CLOCK_REALTIME_COARSE || id == LX_CLOCK_MONOTONIC_COARSE || id == LX_CLOCK_BOOTTIME;
}
#define LX_TIMER_ABSTIME 1

/* getrandom flags */
#define LX_GRND_NONBLOCK 1
#define LX_GRND_RANDOM 2
#define LX_GRND_INSECURE 4

/* signals */
#define LX_NSIG 64
#define LX_SIGKILL 9
#define LX_SIGSTOP 19
#define LX_SIGPIPE 13
#define LX_SIG_BLOCK 0
#define LX_SIG_UNBLOCK 1
#define LX_SIG_SETMASK 2
#define LX_SIGSEGV 11
#define LX_SIGALRM 14
#define LX_SIGCHLD 17

/* clone flags (the exit signal is the low byte: CSIGNAL) */
#define LX_CSIGNAL 0xffu
#define LX_CLONE_VM 0x100u
#define LX_CLONE_FS 0x200u
#define LX_CLONE_FILES 0x400u
#define LX_CLONE_SIGHAND 0x800u
#define LX_CLONE_VFORK 0x4000u
#define LX_CLONE_PARENT 0x8000u
#define LX_CLONE_THREAD 0x10000u
#define LX_CLONE_SYSVSEM 0x40000u
#define LX_CLONE_SETTLS 0x80000u
#define LX_CLONE_PARENT_SETTID 0x100000u
#define LX_CLONE_CHILD_CLEARTID 0x200000u
#define LX_CLONE_DETACHED 0x400000u
#define LX_CLONE_UNTRACED 0x800000u
#define LX_CLONE_CHILD_SETTID 0x1000000u

/* wait4 and waitid options, waitid's id types, SIGCHLD's si_code */
#define LX_WNOHANG 0x1u
#define LX_WUNTRACED 0x2u /* wait4; waitid's WSTOPPED */
#define LX_WEXITED 0x4u
#define LX_WCONTINUED 0x8u
#define LX_WNOWAIT 0x1000000u
#define LX_WNOTHREAD 0x20000000u
#define LX_WALL 0x40000000u
#define LX_WCLONE 0x80000000u
#define LX_P_ALL 0
#define LX_P_PID 1
#define LX_P_PGID 2
#define LX_CLD_EXITED 1
#define LX_CLD_KILLED 2
#define LX_SA_NOCLDWAIT 0x2u

/* sa_flags */
#define LX_SA_SIGINFO 0x00000004u
#define LX_SA_RESTORER 0x04000000u
#define LX_SA_ONSTACK 0x08000000u
#define LX_SA_RESTART 0x10000000u
#define LX_SA_NODEFER 0x40000000u
#define LX_SA_RESETHAND 0x80000000u

/* interval timers */
#define LX_ITIMER_REAL 0
