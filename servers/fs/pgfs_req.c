/* pgfs_req.c: the persistent mount's requests to the store and the calls that wait for them (pgfs_req.h). */
#include "pgfs_req.h"

#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/user.h>

/* Logs "fs: /NAME: text". */
void pgfs_log(const struct pgfs *f, const char *text)
{
    printf("fs: /%s: %s\n", f->conf.name, text);
}

/* The file record of node n (NULL for a directory). */
struct pgfs_file *pgfs_file_of(const struct tmpfs_node *n)
{
    return tmpfs_is_dir(n) ? NULL : n->ext;
}

/* Sends a request of ours: 0, or the store's refusal (op freed). */
long pgfs_submit(struct pgfs *f, struct pgfs_op *op)
{
    op->req.tag = op;
    long r = pgstore_submit(&f->store, &op->req);
    if (r < 0) {
        free(op);
        return r;
    }
    pglink_pump(&f->link);
    return 0;
}

/* A new request record of kind; NULL without memory. */
struct pgfs_op *pgfs_op_new(enum pgfs_kind kind, enum pgs_op op)
{
    struct pgfs_op *o = calloc(1, sizeof(*o));
    if (o) {
        o->kind = kind;
        o->req.op = op;
    }
    return o;
}

/* Queues a readdir of dir (held while it runs) after cookie into buf; see pgfs_req.h. */
long pgfs_readdir_submit(struct pgfs *f, enum pgfs_kind kind, struct tmpfs_node *dir, uint64_t cookie,
                         struct pgs_dirent *buf)
{
    struct pgfs_op *op = pgfs_op_new(kind, PGS_OP_READDIR);
    if (!op)
        return ERR_NO_MEMORY;
    op->node = dir;
    op->req.ino = dir->ext_ino;
    op->req.index = cookie;
    op->req.buf = buf;
    op->req.max = PGS_READDIR_MAX;
    tmpfs_hold(dir);
    long r = pgfs_submit(f, op);
    if (r < 0)
        tmpfs_release(&f->tree, dir);
    return r;
}

/* Adds a wait; NULL without memory. */
struct pgfs_wait *pgfs_wait_add(struct pgfs *f, struct tmpfs_node *n, enum pgfs_wait_kind kind,
                                pgfs_done_fn fn, void *ctx)
{
    struct pgfs_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    *w = (struct pgfs_wait){
        .next = f->waits, .fn = fn, .ctx = ctx, .node = n, .kind = kind, .since_ns = warp_clock()};
    f->waits = w;
    return w;
}

/* Takes w out of the waits (false if it was forgotten meanwhile). */
bool pgfs_wait_take(struct pgfs *f, struct pgfs_wait *w)
{
    for (struct pgfs_wait **pp = &f->waits; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return true;
        }
    }
    return false;
}

/* Answers with result every wait match(w, arg) picks, one at a time (a callback may change the list:
 * the walk starts over after each): how many it answered. */
static unsigned pgfs_answer(struct pgfs *f, bool (*match)(const struct pgfs_wait *w, const void *arg),
                            const void *arg, long result)
{
    unsigned n = 0;
    struct pgfs_wait **pp = &f->waits;
    while (*pp) {
        struct pgfs_wait *w = *pp;
        if (!w->fn || !match(w, arg)) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->fn(w->ctx, result);
        free(w);
        n++;
        pp = &f->waits;
    }
    return n;
}

/* What pgfs_wake answers: the waits of one kind on one file. */
struct pgfs_wake_key {
    const struct tmpfs_node *node;
    enum pgfs_wait_kind kind;
};

/* Whether w waits on the file and for the kind arg (a struct pgfs_wake_key) names. */
static bool pgfs_match_wake(const struct pgfs_wait *w, const void *arg)
{
    const struct pgfs_wake_key *k = arg;
    return w->node == k->node && w->kind == k->kind;
}

/* Wakes the waits on file n of one kind with result. */
void pgfs_wake(struct pgfs *f, struct tmpfs_node *n, enum pgfs_wait_kind kind, long result)
{
    struct pgfs_wake_key k = {n, kind};
    pgfs_answer(f, pgfs_match_wake, &k, result);
}

/* Forgets ctx's waits; see pgfs.h. A change of names keeps its record (its op points at it) but
 * never calls back. */
void pgfs_forget(struct pgfs *f, void *ctx)
{
    for (struct pgfs_wait **pp = &f->waits; *pp;) {
        struct pgfs_wait *w = *pp;
        if (w->ctx != ctx) {
            pp = &w->next;
            continue;
        }
        if (!w->node && w->fn) { /* a change of names under way: its op frees the record */
            w->fn = NULL;
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        free(w);
    }
}

/* Whether w waits for a file's commits (a sync, a write wanting room) since no later than *arg (ns). */
static bool pgfs_match_commit(const struct pgfs_wait *w, const void *arg)
{
    return w->kind != PGFS_WAIT_LOAD && w->node && w->since_ns <= *(const uint64_t *)arg;
}

/* Fails the syncs that have waited longer than the mount's timeout (the database unreachable): their
 * callers hear ERR_TIMED_OUT, while the commits stay queued and may still land later. */
void pgfs_expire_syncs(struct pgfs *f)
{
    uint64_t now = warp_clock(), limit = (uint64_t)f->conf.timeout_s * 1000000000u;
    uint64_t cutoff = now > limit ? now - limit : 0;
    if (now > limit)
        f->c.errors += pgfs_answer(f, pgfs_match_commit, &cutoff, ERR_TIMED_OUT);
}

/* Fails the commits' waiters; see pgfs_req.h. */
void pgfs_fail_commits(struct pgfs *f, long err)
{
    uint64_t any = UINT64_MAX;
    pgfs_answer(f, pgfs_match_commit, &any, err);
}

/* True for the errors a lost connection gives a request (then it is sent again). */
bool pgfs_link_error(long err)
{
    return err == ERR_PEER_CLOSED || err == ERR_TIMED_OUT;
}
