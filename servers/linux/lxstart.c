/* lxstart.c: a Linux process's Warp side: spawn, watch, start, and its end (the exit event). */
#include "lxstart.h"

#include <warp/exitinfo.h>
#include <warp/fmt.h>
#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxchild.h"
#include "lxfiles.h"
#include "lxfutex.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsys.h"
#include "lxwait.h"

/* The wait status of p's end, as Linux encodes it: an exit code in bits 8-15, a signal in 0-6. An
 * end the server did not ask for (the kernel's: a quota, a fault nobody answered) counts as SIGKILL. */
static int32_t lxstart_status(const struct lxproc *p)
{
    if (p->exited)
        return (p->exit_code & 0xff) << 8;
    return p->killed_by ? p->killed_by : LX_SIGKILL;
}

/* What goes with any thread's Warp process: its timers and waits, its handles in the loop. */
static void lxstart_release(struct loop *l, struct lxproc *p)
{
    lxsig_release(p);
    lxwait_end(p);
    lxfutex_end(p);
    loop_close(l, p->proc);
    if (p->ch)
        loop_close(l, p->ch);
    lxfiles_end(p);
}

/* The leader's end: the records of its other threads go with it (the kernel ended their Warp
 * processes with the leader's, which owns their space; their exit events are not waited for). */
static void lxstart_end_threads(struct loop *l, struct lxproc *leader)
{
    for (unsigned i = 0; i < LXPROC_MAX; i++) {
        struct lxproc *q = lxproc_at(i);
        if (q && q->leader == leader && q != leader) {
            lxstart_release(l, q);
            lxproc_free(q);
        }
    }
}

/* A Warp process ended (exit, exit_group, a fault, a kill). A thread's record goes; a leader's end
 * is its process's: report how, tell its parent, free its records. */
static void lxstart_on_exit(struct loop *l, handle_t proc, const struct exit_info *info, void *ctx)
{
    struct lxproc *p = ctx;
    char how[160], who[LXCONF_NAME_MAX + 32];
    (void)proc;
    if (p->leader != p) {
        struct lxproc *leader = p->leader;
        lxstart_release(l, p);
        lxproc_free(p);
        lxproc_thread_gone(leader);
        return;
    }
    lxsys_flush(p);
    if (p->forked)
        fmt_snprintf(who, sizeof(who), "%s (pid %llu)", p->name, (unsigned long long)p->pid);
    else
        fmt_snprintf(who, sizeof(who), "%s", p->name);
    if (p->exited)
        printf("linux: %s exited with code %d\n", who, p->exit_code);
    else if (p->killed_by)
        printf("linux: %s killed by signal %d (%s)\n", who, p->killed_by, lxproc_signame(p->killed_by));
    else {
        exitinfo_describe(how, sizeof(how), info);
        printf("linux: %s %s\n", who, how);
    }
    lxstart_end_threads(l, p);
    lxstart_release(l, p);
    lxchild_end(p, lxstart_status(p));
    lxproc_free(p);
    if (lxproc_live() == 0)
        lxproc_report_idle();
}

static const struct loop_channel_handlers *lxstart_traps;

void lxstart_init(const struct loop_channel_handlers *traps)
{
    lxstart_traps = traps;
}

long lxstart_spawn(struct lxproc *p)
{
    handle_t c[2];
    long r = warp_channel_create(c);
    if (r < 0)
        return r;
    struct spawn_args a = {.name = (uaddr_t)p->name,
                           .name_len = strlen(p->name),
                           .flags = SPAWN_SUPERVISED,
                           .handles = (uaddr_t)&c[1],
                           .nhandles = 1};
    a.limits[LIMIT_PAGES] = p->pages; /* one program's memory cannot starve the others' */
    r = warp_spawn(&a);
    if (r < 0) {
        warp_handle_close(c[0]);
        warp_handle_close(c[1]);
        return r;
    }
    p->proc = (handle_t)r;
    p->ch = c[0];
    return 0;
}

long lxstart_watch(struct lxproc *p)
{
    long r = loop_add_channel(p->loop, p->ch, lxstart_traps, p);
    if (r == 0 && (r = loop_add_process(p->loop, p->proc, lxstart_on_exit, p)) < 0)
        loop_remove(p->loop, p->ch);
    return r;
}

long lxstart_go(struct lxproc *p)
{
    p->start_ns = warp_clock();
    long r = warp_proc_start(p->proc);
    if (r < 0) {
        printf("linux: cannot start %s: %s\n", p->name, err_str(r));
        warp_kill(p->proc); /* its exit event frees the record */
    }
    return r;
}

void lxstart_unspawn(struct lxproc *p)
{
    if (!p->proc)
        return;
    warp_kill(p->proc);
    warp_handle_close(p->proc);
    warp_handle_close(p->ch);
    p->proc = p->ch = 0;
}

void lxstart_abandon(struct lxproc *p)
{
    lxstart_unspawn(p);
    lxfiles_end(p);
    lxproc_free(p);
}
