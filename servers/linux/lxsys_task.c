/* lxsys_task.c: ids, sched_getaffinity, uname, sysinfo, getrandom, arch_prctl, set_tid_address, resource limits. */
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxchild.h"
#include "lxfd.h"
#include "lxproc.h"
#include "lxload.h"
#include "lxmem.h"
#include "lxsys.h"

#define LXTASK_RANDOM_MAX (64u << 10) /* getrandom's bytes per call (a short read past it) */

int64_t lxsys_sched_yield(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    (void)t;
    return 0; /* the process was stopped for the call: others have run meanwhile */
}

int64_t lxsys_getuid(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    (void)t;
    return LXLOAD_UID; /* getuid, geteuid, getgid, getegid alike */
}

int64_t lxsys_uname(struct lxproc *p, const struct trap_info *t)
{
    static const char fields[6][16] = {"Linux", "warp", "6.1.0-warp", "#1 Warp", "x86_64", "(none)"};
    char uts[6][65]; /* struct utsname: sysname, nodename, release, version, machine, domainname */
    memset(uts, 0, sizeof(uts));
    for (int i = 0; i < 6; i++)
        memcpy(uts[i], fields[i], strlen(fields[i]));
    return lxmem_write(p, t->args[0], uts, sizeof(uts));
}

int64_t lxsys_getrandom(struct lxproc *p, const struct trap_info *t)
{
    uint8_t buf[ENTROPY_MAX];
    if (t->args[2] & ~(uint64_t)(LX_GRND_NONBLOCK | LX_GRND_RANDOM | LX_GRND_INSECURE) ||
        (t->args[2] & (LX_GRND_RANDOM | LX_GRND_INSECURE)) == (LX_GRND_RANDOM | LX_GRND_INSECURE))
        return -LX_EINVAL;
    uint64_t len = t->args[1] < LXTASK_RANDOM_MAX ? t->args[1] : LXTASK_RANDOM_MAX, done = 0;
    while (done < len) {
        uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
        if (warp_entropy(buf, n) < 0 || lxmem_write(p, t->args[0] + done, buf, n) < 0)
            return done ? (int64_t)done : -LX_EFAULT;
        done += n;
    }
    return (int64_t)done;
}

int64_t lxsys_arch_prctl(struct lxproc *p, const struct trap_info *t)
{
    struct cpu_regs regs;
    if (t->args[0] != LX_ARCH_SET_FS && t->args[0] != LX_ARCH_GET_FS)
        return -LX_EINVAL;
    if (warp_proc_get_regs(p->proc, &regs) < 0)
        return -LX_EINVAL;
    if (t->args[0] == LX_ARCH_GET_FS)
        return lxmem_write(p, t->args[1], &regs.tls, sizeof(regs.tls));
    if (t->args[1] >= USER_TOP)
        return -LX_EPERM; /* Linux: a base outside the user half */
    regs.tls = t->args[1];
    return warp_proc_set_regs(p->proc, &regs) < 0 ? -LX_EINVAL : 0;
}

int64_t lxsys_set_tid_address(struct lxproc *p, const struct trap_info *t)
{
    p->tid_address = t->args[0];
    return (int64_t)p->pid;
}

/* set_robust_list: glibc's start registers its list (24-byte head); nothing walks it at a thread's end. */
int64_t lxsys_set_robust_list(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    return t->args[1] == 24 ? 0 : -LX_EINVAL;
}

/* setuid and setgid: the one id is LXLOAD_UID; setting it changes nothing, another is EPERM (an
 * unprivileged process's answer), -1 EINVAL. */
int64_t lxsys_setuid(struct lxproc *p, const struct trap_info *t)
{
    (void)p;
    if ((uint32_t)t->args[0] == UINT32_MAX)
        return -LX_EINVAL;
    return (uint32_t)t->args[0] == LXLOAD_UID ? 0 : -LX_EPERM;
}

/* sched_getaffinity(pid, len, mask): one CPU (Warp runs Linux processes on one), so bit 0; the
 * mask's size in bytes (8: Linux's for up to 64 CPUs), or EINVAL for a len too short or not a
 * multiple of 8, ESRCH for a thread not of its tree. */
int64_t lxsys_sched_getaffinity(struct lxproc *p, const struct trap_info *t)
{
    uint64_t mask = 1;
    int32_t pid = (int32_t)t->args[0];
    if (t->args[1] < sizeof(mask) || (t->args[1] & (sizeof(mask) - 1)))
        return -LX_EINVAL;
    struct lxproc *q = pid == 0 ? p : pid > 0 ? lxproc_find((uint64_t)pid) : NULL;
    if (!q || q->tree != p->tree)
        return -LX_ESRCH;
    return lxmem_write(p, t->args[2], &mask, sizeof(mask)) < 0 ? -LX_EFAULT : (int64_t)sizeof(mask);
}

/* ---- resource limits: what Warp enforces, readable; a change only where it changes nothing ---- */

#define LX_RLIM_NLIMITS 16
#define LX_RLIM_INFINITY UINT64_MAX
enum {
    LX_RLIMIT_DATA = 2,
    LX_RLIMIT_STACK = 3,
    LX_RLIMIT_CORE = 4,
    LX_RLIMIT_NPROC = 6,
    LX_RLIMIT_NOFILE = 7,
    LX_RLIMIT_AS = 9
};

/* The limit (soft = hard) Warp holds p to for resource (< LX_RLIM_NLIMITS). */
static uint64_t lxlimit_of(const struct lxproc *p, uint32_t resource)
{
    switch (resource) {
    case LX_RLIMIT_NOFILE: return LXFD_MAX;
    case LX_RLIMIT_STACK: return LXLOAD_STACK_SIZE;
    case LX_RLIMIT_DATA:
    case LX_RLIMIT_AS: return p->pages * 4096;     /* its memory quota */
    case LX_RLIMIT_CORE: return 0;                 /* no core dumps */
    case LX_RLIMIT_NPROC: return LXCHILD_TREE_MAX; /* processes of its tree */
    default: return LX_RLIM_INFINITY;
    }
}

/*
 * prlimit64(pid, resource, new, old) and what getrlimit and setrlimit are made of: old receives the
 * limit; new may only restate it (the limits are the server's and the kernel's quotas, which a process
 * cannot move: raising one is EPERM as for an unprivileged process past its hard limit, and so is
 * lowering one, which Linux would allow: told apart in docs/linux-compat.md).
 */
static int64_t lxlimit(struct lxproc *p, uint64_t pid, uint64_t resource, uint64_t new_addr,
                       uint64_t old_addr)
{
    /* Both are C ints in Linux's prototypes: the upper halves of the registers are not looked at. */
    if ((uint32_t)resource >= LX_RLIM_NLIMITS)
        return -LX_EINVAL;
    if ((uint32_t)pid != 0 && (uint32_t)pid != (uint32_t)p->pid && (uint32_t)pid != (uint32_t)p->leader->pid)
        return -LX_ESRCH; /* it sees no other process */
    uint64_t limit = lxlimit_of(p, (uint32_t)resource);
    if (new_addr) {
        uint64_t want[2];
        if (lxmem_read(p, new_addr, want, sizeof(want)) < 0)
            return -LX_EFAULT;
        if (want[0] > want[1])
            return -LX_EINVAL;
        if (want[0] != limit || want[1] != limit)
            return -LX_EPERM;
    }
    uint64_t have[2] = {limit, limit};
    if (old_addr && lxmem_write(p, old_addr, have, sizeof(have)) < 0)
        return -LX_EFAULT;
    return 0;
}

int64_t lxsys_prlimit64(struct lxproc *p, const struct trap_info *t)
{
    return lxlimit(p, t->args[0], t->args[1], t->args[2], t->args[3]);
}

int64_t lxsys_getrlimit(struct lxproc *p, const struct trap_info *t)
{
    if (!t->args[1])
        return -LX_EFAULT;
    return lxlimit(p, 0, t->args[0], 0, t->args[1]);
}

int64_t lxsys_setrlimit(struct lxproc *p, const struct trap_info *t)
{
    if (!t->args[1])
        return -LX_EFAULT;
    return lxlimit(p, 0, t->args[0], t->args[1], 0);
}

/* struct sysinfo of x86-64 Linux (112 bytes). */
struct lx_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
};
_Static_assert(sizeof(struct lx_sysinfo) == 112, "struct sysinfo's size on x86-64 Linux");

/* The machine's uptime (rounded up to whole seconds, as Linux), memory and processes; no load
 * averages (Warp keeps none: 0), no swap, shared or buffer memory. */
int64_t lxsys_sysinfo(struct lxproc *p, const struct trap_info *t)
{
    struct sysinfo si;
    if (warp_sysinfo(&si) < 0)
        return -LX_EAGAIN;
    struct lx_sysinfo out = {
        .uptime = (int64_t)((si.uptime_ns + 999999999u) / 1000000000u),
        .totalram = si.total_pages * 4096,
        .freeram = si.free_pages * 4096,
        .procs = si.nprocs > UINT16_MAX ? UINT16_MAX : (uint16_t)si.nprocs,
        .mem_unit = 1,
    };
    return lxmem_write(p, t->args[0], &out, sizeof(out));
}
