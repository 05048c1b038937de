/* lxexec.c: execve. The path is opened through fs like open's (or is /proc/self/exe: the process's
 * own binary), the binary read whole into the server, then loaded into a fresh supervised process
 * (lxload) that takes the old one's place: same record, pid, parent and descriptors (less the
 * FD_CLOEXEC ones), handled signals back to SIG_DFL; the old Warp process is killed. A failure at
 * any step leaves the caller as it was, with the errno (docs/linux-compat.md, Processes). */
#include "lxexec.h"

#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxfiles.h"
#include "lxload.h"
#include "lxmem.h"
#include "lxnode.h"
#include "lxpath.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxstart.h"
#include "lxsys.h"

#define LXEXEC_SELF "/proc/self/exe"
#define LXEXEC_STRINGS_MAX \
    (60u << 10) /* bytes of argv and envp strings (with their pointers, within lxload's 64 KiB) */

/* Bytes of binaries being read for all execs together: a tree of processes exec'ing large files at
 * once gets ENOMEM past this rather than the server's whole memory. */
#define LXEXEC_READING_MAX (64u << 20)

static uint64_t lxexec_reading;
static const void *lxexec_initfs;
static size_t lxexec_initfs_size;

/* One execve (or a manifest program's start from fs) in flight: its process stays stopped. */
struct lxexec {
    struct lxproc *p;
    uint64_t pid, trap;
    bool start;              /* a manifest program's start, not an execve: no trap to answer */
    struct lxexec_args args; /* pointing into strings */
    uint32_t used;           /* bytes of strings used */
    char strings[LXEXEC_STRINGS_MAX];
    char path[LXPATH_MAX + 2]; /* the binary's path (fs: absolute; initfs: relative) */
    handle_t node;             /* the binary's node channel while it is read */
    uint8_t *image;            /* its bytes */
    uint64_t size, got;
};

void lxexec_init(const void *initfs, size_t initfs_size)
{
    lxexec_initfs = initfs;
    lxexec_initfs_size = initfs_size;
}

/* The process x was made for, if it still lives and is not ending (a fatal signal may have killed
 * it while fs read the binary: its exit event is on its way, and that process must stay its own). */
static struct lxproc *lxexec_proc(const struct lxexec *x)
{
    struct lxproc *p = x->p;
    return p->used && p->pid == x->pid && !p->exited && !p->killed_by ? p : NULL;
}

/* Ends x: the binary's node closed, the buffers freed. */
static void lxexec_free(struct lxexec *x)
{
    if (x->node)
        loop_close(lxnode_loop(), x->node);
    if (x->image)
        lxexec_reading -= x->size;
    free(x->image);
    free(x);
}

/* Ends x with a failure r (-errno): an execve returns it, a manifest start is logged and undone. */
static void lxexec_fail(struct lxexec *x, int64_t r)
{
    struct lxproc *p = lxexec_proc(x);
    if (p && x->start) {
        printf("linux: cannot start %s (%s): errno %lld\n", p->name, x->path, (long long)-r);
        lxstart_abandon(p);
    } else if (p) {
        lxsig_reply(p, x->trap, r);
    }
    lxexec_free(x);
}

/* The record's reset for the new image: descriptors marked close-on-exec closed, handled signals
 * back to SIG_DFL (ignored ones stay ignored; every action's flags and mask cleared; the process's
 * mask and pending signals stay), no alternate
 * stack, no tid address, the binary (for the ENOSYS log) and its path. */
static void lxexec_reset(struct lxproc *p, char *exe)
{
    lxfiles_exec(p);
    for (int i = 0; i < LXPROC_NSIG; i++) { /* as Linux's flush_signal_handlers: flags and mask go too */
        struct lxsigaction *a = &p->leader->sigs[i];
        *a = (struct lxsigaction){.handler = a->handler == LXSIG_IGN ? LXSIG_IGN : LXSIG_DFL};
    }
    p->sig.alt_sp = p->sig.alt_size = 0;
    p->sig.alt_flags = 0;
    p->tid_address = 0;
    p->execed = true;
    struct lxbinary *b = lxproc_binary_of(exe);
    if (b)
        p->binary = b; /* a full table keeps the old one's log */
    free(p->leader->exe);
    p->leader->exe = exe;
}

/* The load: a fresh process for p with the image and x's arguments; on success the old one (if
 * any) is killed and the new one started; on failure p is as it was. 0 or a Warp error. */
static long lxexec_load(struct lxexec *x, struct lxproc *p, const void *image, uint64_t size)
{
    static struct lxvm old_vm;
    handle_t old_proc = p->proc, old_ch = p->ch;
    uint64_t brk[3] = {p->leader->brk_start, p->leader->brk, p->leader->brk_end};
    size_t n = strlen(x->path) + 1;
    char *exe = malloc(n);
    if (!exe)
        return ERR_NO_MEMORY;
    memcpy(exe, x->path, n);
    old_vm = p->leader->vm;
    lxvm_init(&p->leader->vm);
    p->proc = p->ch = 0;
    long r = lxstart_spawn(p);
    if (r == 0)
        r = lxload(p, image, size, x->args.argv, x->args.argc, x->args.envp, x->args.envc);
    if (r == 0)
        r = lxstart_watch(p);
    if (r < 0) {
        lxstart_unspawn(p);
        p->proc = old_proc, p->ch = old_ch, p->leader->vm = old_vm;
        p->leader->brk_start = brk[0], p->leader->brk = brk[1], p->leader->brk_end = brk[2];
        free(exe);
        return r;
    }
    if (old_proc) { /* nothing fails past here: the old process goes, its trap unanswered */
        warp_kill(old_proc);
        loop_close(p->loop, old_proc);
        if (old_ch)
            loop_close(p->loop, old_ch);
    }
    lxexec_reset(p, exe);
    if (x->start)
        printf("linux: started %s (%s)\n", p->name, p->leader->exe);
    lxstart_go(p);
    return 0;
}

/* The binary is whole: loaded (an ELF error is ENOEXEC), or the failure returned. */
static void lxexec_loaded(struct lxexec *x, const void *image, uint64_t size)
{
    struct lxproc *p = lxexec_proc(x);
    if (!p) {
        lxexec_free(x);
        return;
    }
    long r = lxexec_load(x, p, image, size);
    if (r == 0) {
        lxexec_free(x);
        return;
    }
    switch (r) {
    case ERR_BAD_FORMAT:
    case ERR_NOT_SUPPORTED: lxexec_fail(x, -LX_ENOEXEC); break; /* not ELF, dynamic, a #! script */
    case ERR_TOO_LARGE: lxexec_fail(x, -LX_E2BIG); break;
    default: lxexec_fail(x, -LX_ENOMEM); break;
    }
}

static void lxexec_read(struct lxexec *x);

/* READ's reply: more of the binary; the next READ, or the load at its end. */
static void lxexec_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxexec *x = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    long r = msg_result(m, MSG_READ);
    if (r < 0 || (uint64_t)r > x->size - x->got) {
        lxexec_fail(x, r < 0 ? lxnode_errno(r, false) : -LX_EIO);
        return;
    }
    x->got += (uint64_t)r;
    if (r == 0 || x->got == x->size)
        lxexec_loaded(x, x->image, x->got); /* a file that shrank meanwhile is loaded as it is */
    else
        lxexec_read(x);
}

/* Asks fs for the next piece of the binary. */
static void lxexec_read(struct lxexec *x)
{
    struct fs_io io = {.offset = x->got};
    struct warp_msg m;
    uint64_t n = x->size - x->got < FS_IO_MAX ? x->size - x->got : FS_IO_MAX;
    msg_read(&m, x->image + x->got, n);
    msg_set_data(&m, &io, sizeof(io));
    if (loop_call(lxnode_loop(), x->node, &m, lxexec_on_read, x) < 0)
        lxexec_fail(x, -LX_EIO);
}

/* The node's fs end closed while it was read: the reads in flight fail (the loop answers them). */
static void lxexec_on_node_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    loop_remove(l, ch);
}

static const struct loop_channel_handlers lxexec_node_handlers = {
    .on_peer_closed = lxexec_on_node_closed,
};

/* OPEN's reply: a regular file the others may execute (fs sees every client as "others"), at most
 * LXEXEC_IMAGE_MAX bytes; then its reads. */
static void lxexec_on_open(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxexec *x = ctx;
    struct fs_attr a;
    (void)ch;
    handle_t h = 0;
    long r = lxnode_open_reply(l, m, &h, &a);
    if (r >= 0 && loop_add_channel(l, h, &lxexec_node_handlers, x) < 0) {
        warp_handle_close(h);
        r = ERR_NO_MEMORY;
    }
    if (r < 0) {
        lxexec_fail(x, lxnode_errno(r, true));
        return;
    }
    x->node = h;
    if (a.type != FS_TYPE_FILE || !(a.mode & LX_X_OK))
        lxexec_fail(x, -LX_EACCES);
    else if (a.size > LXEXEC_IMAGE_MAX || a.size > LXEXEC_READING_MAX - lxexec_reading)
        lxexec_fail(x, -LX_ENOMEM);
    else if (!(x->image = malloc(a.size ? a.size : 1)))
        lxexec_fail(x, -LX_ENOMEM);
    else {
        x->size = a.size;
        lxexec_reading += x->size; /* given back by lxexec_free */
        if (x->size == 0)
            lxexec_loaded(x, x->image, 0); /* an empty file: ENOEXEC */
        else
            lxexec_read(x);
    }
}

/* Gets the binary at x->path: from the initfs (a relative path) at once, else through fs. */
static void lxexec_fetch(struct lxexec *x)
{
    struct tar_file f;
    if (x->path[0] != '/') {
        if (!lxexec_initfs || tar_find(lxexec_initfs, lxexec_initfs_size, x->path, &f) < 0)
            lxexec_fail(x, -LX_ENOENT);
        else
            lxexec_loaded(x, f.data, f.size);
        return;
    }
    struct fs_open o = {.flags = FS_O_READ, .path_len = (uint32_t)strlen(x->path)};
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, MSG_CALL);
    msg_set_data(&m, &o, sizeof(o));
    msg_add_buf(&m, x->path, o.path_len, BUF_READ);
    handle_t s = lxnode_session();
    if (!s || loop_call(lxnode_loop(), s, &m, lxexec_on_open, x) < 0)
        lxexec_fail(x, s ? -LX_ENOMEM : -LX_ENOENT);
}

/* A new record of an exec for p. */
static struct lxexec *lxexec_new(struct lxproc *p)
{
    struct lxexec *x = malloc(sizeof(*x));
    if (!x)
        return NULL;
    memset(x, 0, sizeof(*x));
    x->p = p;
    x->pid = p->pid;
    x->trap = p->call_id;
    return x;
}

/* Copies the string at uaddr into x's strings; its copy, or NULL with *err (-EFAULT, -E2BIG). */
static const char *lxexec_string(struct lxexec *x, struct lxproc *p, uint64_t uaddr, int64_t *err)
{
    char *out = x->strings + x->used;
    int64_t len = lxmem_read_string(p, uaddr, out, LXEXEC_STRINGS_MAX - x->used);
    if (len < 0) {
        *err = len == -LX_ERANGE ? -LX_E2BIG : len;
        return NULL;
    }
    x->used += (uint32_t)len + 1;
    return out;
}

/* Copies the NULL-ended array of strings at uaddr (NULL: none) into list; the count or -errno. */
static int64_t lxexec_strings(struct lxexec *x, struct lxproc *p, uint64_t uaddr, const char **list,
                              uint32_t max)
{
    for (uint32_t n = 0; uaddr; n++) {
        uint64_t s;
        int64_t err = 0;
        if (uaddr + 8 * (uint64_t)n < uaddr || lxmem_read(p, uaddr + 8 * (uint64_t)n, &s, sizeof(s)) < 0)
            return -LX_EFAULT;
        if (s == 0)
            return n;
        if (n == max)
            return -LX_E2BIG;
        if (!(list[n] = lxexec_string(x, p, s, &err)))
            return err;
    }
    return 0;
}

/* execve(path, argv, envp): the arguments are copied first (EFAULT, E2BIG), then the path is
 * resolved and the binary read (ENOENT, ENOTDIR, EACCES, ENOEXEC...); the answer comes later. Not
 * yet from a thread, or while other threads run (Linux ends them first): ENOSYS. */
int64_t lxsys_execve(struct lxproc *p, const struct trap_info *t)
{
    struct lxpath res;
    if (p->leader != p || lxproc_running_others(p)) /* threads that called exit go with the old process */
        return lxproc_enosys(p, LX_SYS_execve, " from a process with threads");
    struct lxexec *x = lxexec_new(p);
    if (!x)
        return -LX_ENOMEM;
    int64_t r = lxsys_path_get(p, t->args[0], x->path, &res);
    int64_t argc = r < 0 ? r : lxexec_strings(x, p, t->args[1], x->args.argv, LXSTACK_STRINGS_MAX - 1);
    int64_t envc = argc < 0 ? argc : lxexec_strings(x, p, t->args[2], x->args.envp, LXSTACK_STRINGS_MAX);
    if (envc >= 0 && (uint64_t)argc + (uint64_t)envc > LXSTACK_STRINGS_MAX - 1)
        envc = -LX_E2BIG;
    if (envc < 0) {
        free(x);
        return envc;
    }
    if (argc == 0) /* as Linux since 5.18: an empty argv gets "" as argv[0] */
        x->args.argv[argc++] = "";
    x->args.argc = (uint32_t)argc;
    x->args.envc = (uint32_t)envc;
    static char norm[LXPATH_MAX + 2];
    memcpy(norm, x->path, res.len + 1);
    lxpath_normalize(norm);
    if (!res.dir_only && strcmp(norm, LXEXEC_SELF) == 0)
        memcpy(x->path, p->leader->exe, strlen(p->leader->exe) + 1);
    else if (!res.dir_only) /* "dir/" stays as it is, for fs's ENOTDIR */
        memcpy(x->path, norm, strlen(norm) + 1);
    lxexec_fetch(x);
    return LXSYS_NO_REPLY;
}

/* Copies the server's string s into x's strings; its copy, or NULL with *err = -E2BIG. */
static const char *lxexec_string_local(struct lxexec *x, const char *s, int64_t *err)
{
    size_t n = strlen(s) + 1;
    if (n > LXEXEC_STRINGS_MAX - x->used) {
        *err = -LX_E2BIG;
        return NULL;
    }
    char *out = x->strings + x->used;
    memcpy(out, s, n);
    x->used += (uint32_t)n;
    return out;
}

void lxexec_start(struct lxproc *p, const struct lxexec_args *args)
{
    struct lxexec *x = lxexec_new(p);
    int64_t err = 0;
    if (!x) {
        printf("linux: cannot start %s: out of memory\n", p->name);
        lxstart_abandon(p);
        return;
    }
    x->start = true;
    memcpy(x->path, p->leader->exe, strlen(p->leader->exe) + 1);
    for (uint32_t i = 0; i < args->argc && err == 0; i++)
        x->args.argv[i] = lxexec_string_local(x, args->argv[i], &err);
    for (uint32_t i = 0; i < args->envc && err == 0; i++)
        x->args.envp[i] = lxexec_string_local(x, args->envp[i], &err);
    x->args.argc = args->argc;
    x->args.envc = args->envc;
    if (err < 0)
        lxexec_fail(x, err);
    else
        lxexec_fetch(x);
}

/* readlink and readlinkat of /proc/self/exe: the process's binary path. Other links are not
 * served yet (fs reports no link targets): ENOSYS, logged. */
static int64_t lxexec_readlink(struct lxproc *p, uint64_t nr, uint64_t path, uint64_t buf, uint64_t size)
{
    static char name[LXPATH_MAX + 2];
    struct lxpath res;
    if ((int64_t)size <= 0)
        return -LX_EINVAL;
    int64_t r = lxsys_path_get(p, path, name, &res);
    if (r < 0)
        return r;
    lxpath_normalize(name);
    if (strcmp(name, LXEXEC_SELF) != 0)
        return lxproc_enosys(p, nr, " of anything but /proc/self/exe");
    uint64_t n = strlen(p->leader->exe);
    if (n > size)
        n = size;
    return lxmem_write(p, buf, p->leader->exe, n) < 0 ? -LX_EFAULT : (int64_t)n;
}

int64_t lxsys_readlink(struct lxproc *p, const struct trap_info *t)
{
    return lxexec_readlink(p, LX_SYS_readlink, t->args[0], t->args[1], t->args[2]);
}

int64_t lxsys_readlinkat(struct lxproc *p, const struct trap_info *t)
{
    if ((int32_t)t->args[0] != LX_AT_FDCWD)
        return lxproc_enosys(p, LX_SYS_readlinkat, " relative to a directory descriptor");
    return lxexec_readlink(p, LX_SYS_readlinkat, t->args[1], t->args[2], t->args[3]);
}
