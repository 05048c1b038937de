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

void lxproc_exit(struct lxproc *p, int code)
{
    p->exited = true;
    p->exit_code = code & 0xff;
    lxsys_flush(p);
    warp_kill(p->proc); /* cancels the trap; the exit event cleans up */
}

void lxproc_kill(struct lxproc *p, int sig)
{
    p->killed_by = sig;
    lxsys_flush(p);
    warp_kill(p->proc);
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
    free(p->exe);
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
