/* lxproc.c: the table of supervised Linux process records, replies to their traps, their end. */
#include "lxproc.h"

#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxsys.h"
#include "sysnames.h"

static struct lxproc lxprocs[LXPROC_MAX];
static uint64_t lxproc_next_pid = 2; /* 1 would be init's */
static struct lxbinary lxproc_binaries[LXPROC_BINARIES_MAX];
static unsigned lxproc_nbinaries;

/* The record of the binary at path, made on its first run; NULL when the table is full. */
static struct lxbinary *lxproc_binary(const char *path)
{
    for (unsigned i = 0; i < lxproc_nbinaries; i++)
        if (strcmp(lxproc_binaries[i].path, path) == 0)
            return &lxproc_binaries[i];
    if (lxproc_nbinaries == LXPROC_BINARIES_MAX || strlen(path) > LXCONF_TEXT_MAX)
        return NULL;
    struct lxbinary *b = &lxproc_binaries[lxproc_nbinaries++];
    memcpy(b->path, path, strlen(path) + 1);
    return b;
}

void lxproc_report_idle(void)
{
    struct sysinfo si;
    if (warp_sysinfo(&si) == 0)
        printf("linux: no Linux process left (%llu pages free)\n", (unsigned long long)si.free_pages);
    else
        printf("linux: no Linux process left\n");
}

unsigned lxproc_live(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < LXPROC_MAX; i++)
        n += lxprocs[i].used;
    return n;
}

void lxproc_reply(struct lxproc *p, uint64_t call_id, int64_t result)
{
    struct warp_msg m;
    if (p->ch == 0)
        return; /* the process is ending (its end closed before its exit event came) */
    msg_reply(&m, MSG_TRAP, call_id, result);
    long r = loop_send(p->loop, p->ch, &m);
    if (r < 0 && r != ERR_PEER_CLOSED)
        printf("linux: %s: reply failed: %s\n", p->name, err_str(r));
}

/* Marks every thread of l's group other than l as ending with the group: none is answered or
 * retried any more (the kernel kills them with l's Warp process, the owner of their space). */
static void lxproc_end_threads(struct lxproc *l)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++)
        if (lxprocs[i].used && lxprocs[i].leader == l && &lxprocs[i] != l)
            lxprocs[i].exited = true;
}

void lxproc_exit(struct lxproc *p, int code)
{
    struct lxproc *l = p->leader;
    l->exited = true;
    l->exit_code = code & 0xff;
    lxproc_end_threads(l);
    lxsys_flush(l);
    warp_kill(l->proc); /* cancels the traps; the exit events clean up */
}

void lxproc_kill(struct lxproc *p, int sig)
{
    struct lxproc *l = p->leader;
    l->killed_by = sig;
    lxproc_end_threads(l);
    lxsys_flush(l);
    warp_kill(l->proc);
}

/* A signal's name, for the log. */
const char *lxproc_signame(int sig)
{
    static const char *const names[] = {
        "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",  "SIGFPE",
        "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",  "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
    };
    return sig >= 1 && sig <= 31 ? names[sig - 1] : "a real-time signal";
}

struct lxproc *lxproc_alloc(struct loop *loop, const char *path)
{
    struct lxbinary *b = lxproc_binary(path);
    for (unsigned i = 0; i < LXPROC_MAX && b; i++) {
        struct lxproc *p = &lxprocs[i];
        if (!p->used) {
            memset(p, 0, sizeof(*p));
            p->used = true;
            p->leader = p;
            p->loop = loop;
            p->binary = b;
            p->pid = lxproc_next_pid++;
            lxvm_init(&p->vm);
            return p;
        }
    }
    return NULL;
}

struct lxproc *lxproc_at(unsigned i)
{
    return i < LXPROC_MAX && lxprocs[i].used ? &lxprocs[i] : NULL;
}

void lxproc_free(struct lxproc *p)
{
    free(p->exe); /* a thread's is NULL: the binary is its leader's */
    p->exe = NULL;
    p->used = false;
}

struct lxproc *lxproc_find(uint64_t pid)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++)
        if (lxprocs[i].used && lxprocs[i].pid == pid)
            return &lxprocs[i];
    return NULL;
}

struct lxbinary *lxproc_binary_of(const char *path)
{
    return lxproc_binary(path);
}

int64_t lxproc_enosys(struct lxproc *p, uint64_t nr, const char *why)
{
    uint64_t bit = nr < LX_SYSCALLS ? nr : LX_SYSCALLS; /* every other number shares one bit */
    uint8_t *logged = p->binary->enosys_logged;
    if (!(logged[bit / 8] & (1u << (bit % 8)))) {
        logged[bit / 8] |= (uint8_t)(1u << (bit % 8));
        printf("linux: %s (%s): system call %s (%llu)%s is not implemented: ENOSYS\n", p->name,
               p->binary->path, sysnames_name(nr), (unsigned long long)nr, why);
    }
    return -LX_ENOSYS;
}

unsigned lxproc_running_others(const struct lxproc *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        n += q && q != p && q->leader == p->leader && !q->exited;
    }
    return n;
}

bool lxproc_has_threads(const struct lxproc *p)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (q && q->leader == p->leader && q != p->leader)
            return true;
    }
    return false;
}

void lxproc_thread_gone(struct lxproc *l)
{
    if (l->exited && !l->killed_by && lxproc_running_others(l) == 0 && !lxproc_has_threads(l))
        lxproc_exit(l, l->exit_code);
}
