/* lxstart.c: a Linux program's start (spawn, load, start) and end (the exit event). */
#include "lxstart.h"

#include <warp/exitinfo.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#include "lxfiles.h"
#include "lxload.h"
#include "lxproc.h"
#include "lxsig.h"
#include "lxsys.h"
#include "lxtrap.h"
#include "lxwait.h"

/* The process ended (exit_group, a fault, a kill): report how and free its record. */
static void lxstart_on_exit(struct loop *l, handle_t proc, const struct exit_info *info, void *ctx)
{
    struct lxproc *p = ctx;
    char how[160];
    lxsys_flush(p);
    if (p->exited)
        printf("linux: %s exited with code %d\n", p->name, p->exit_code);
    else if (p->killed_by)
        printf("linux: %s killed by signal %d (%s)\n", p->name, p->killed_by, lxproc_signame(p->killed_by));
    else {
        exitinfo_describe(how, sizeof(how), info);
        printf("linux: %s %s\n", p->name, how);
    }
    lxsig_release(p);
    lxwait_end(p);
    loop_close(l, proc);
    if (p->ch)
        loop_close(l, p->ch);
    lxfiles_end(p);
    lxproc_free(p);
    if (lxproc_live() == 0)
        lxproc_report_idle();
}

/* Spawns the empty supervised process for p (p->proc, p->ch). */
static long lxstart_spawn(struct lxproc *p)
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

/* Builds argv (the path, then args' words) and envp (env's words) and loads the binary into p. */
static long lxstart_load(struct lxproc *p, const struct lxconf_prog *prog, const struct tar_file *f)
{
    static char args[LXCONF_TEXT_MAX + 1], env[LXCONF_TEXT_MAX + 1];
    const char *argv[LXCONF_WORDS_MAX + 1], *envp[LXCONF_WORDS_MAX];
    char *words[LXCONF_WORDS_MAX];
    memcpy(args, prog->args, strlen(prog->args) + 1);
    memcpy(env, prog->env, strlen(prog->env) + 1);
    argv[0] = prog->path;
    int argc = lxconf_words(args, words, LXCONF_WORDS_MAX);
    for (int i = 0; i < argc; i++)
        argv[1 + i] = words[i];
    int envc = argc < 0 ? -1 : lxconf_words(env, (char **)envp, LXCONF_WORDS_MAX);
    if (argc < 0 || envc < 0)
        return ERR_TOO_LARGE;
    return lxload(p, f->data, f->size, argv, (uint32_t)argc + 1, envp, (uint32_t)envc);
}

long lxstart_run(struct loop *loop, const struct lxconf_prog *prog, const void *initfs, size_t initfs_size)
{
    struct tar_file f;
    struct lxproc *p = lxproc_alloc(loop, prog->path);
    long r = p ? lxfiles_start(p, prog->cwd) : ERR_NO_RESOURCES;
    if (r == 0)
        r = tar_find(initfs, initfs_size, prog->path, &f);
    if (r == 0) {
        memcpy(p->name, prog->name, strlen(prog->name) + 1);
        p->pages = prog->pages;
        memcpy(p->ports, prog->ports, sizeof(p->ports));
        p->nports = prog->nports;
        r = lxstart_spawn(p);
    }
    if (r == 0 && (r = lxstart_load(p, prog, &f)) == 0 &&
        (r = loop_add_channel(loop, p->ch, &lxtrap_handlers, p)) == 0) {
        if ((r = loop_add_process(loop, p->proc, lxstart_on_exit, p)) < 0)
            loop_remove(loop, p->ch);
    }
    if (r == 0) {
        p->start_ns = warp_clock();
        printf("linux: started %s (%s)\n", prog->name, prog->path);
        r = warp_proc_start(p->proc);
        if (r < 0) {
            printf("linux: cannot start %s: %s\n", prog->name, err_str(r));
            warp_kill(p->proc); /* its exit event frees the record */
        }
        return r;
    }
    printf("linux: cannot start %s (%s): %s\n", prog->name, prog->path, err_str(r));
    if (p && p->proc) {
        warp_kill(p->proc);
        warp_handle_close(p->proc);
        warp_handle_close(p->ch);
    }
    if (p) {
        lxfiles_end(p);
        lxproc_free(p);
    }
    return r;
}
