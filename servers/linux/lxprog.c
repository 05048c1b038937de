/* lxprog.c: a manifest program's start: its record from the [linux NAME] section, its binary from
 * the initfs (loaded at once) or from fs (lxexec.c). */
#include "lxprog.h"

#include <warp/malloc.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxexec.h"
#include "lxfiles.h"
#include "lxload.h"
#include "lxproc.h"
#include "lxstart.h"

/* Splits the manifest's args and env into words: argv (the path first), envp; false if too many. */
static bool lxprog_words(const struct lxconf_prog *prog, struct lxexec_args *a)
{
    static char args[LXCONF_TEXT_MAX + 1], env[LXCONF_TEXT_MAX + 1];
    char *words[LXCONF_WORDS_MAX];
    memcpy(args, prog->args, strlen(prog->args) + 1);
    memcpy(env, prog->env, strlen(prog->env) + 1);
    a->argv[0] = prog->path;
    int argc = lxconf_words(args, words, LXCONF_WORDS_MAX);
    for (int i = 0; i < argc; i++)
        a->argv[1 + i] = words[i];
    int envc = argc < 0 ? -1 : lxconf_words(env, (char **)a->envp, LXCONF_WORDS_MAX);
    a->argc = (uint32_t)argc + 1;
    a->envc = (uint32_t)envc;
    return argc >= 0 && envc >= 0;
}

/* Fills a new record for prog: its name, quota, ports, identity (its own group, session and tree). */
static long lxprog_record(struct lxproc *p, const struct lxconf_prog *prog)
{
    memcpy(p->name, prog->name, strlen(prog->name) + 1);
    p->pages = prog->pages;
    memcpy(p->ports, prog->ports, sizeof(p->ports));
    p->nports = prog->nports;
    p->connect = prog->connect;
    p->pgid = p->sid = p->tree = p->pid;
    p->exit_signal = LX_SIGCHLD;
    size_t n = strlen(prog->path) + 1;
    p->leader->exe = malloc(n);
    if (!p->leader->exe)
        return ERR_NO_MEMORY;
    memcpy(p->leader->exe, prog->path, n);
    return lxfiles_start(p, prog->cwd);
}

long lxprog_run(struct loop *loop, const struct lxconf_prog *prog, const void *initfs, size_t initfs_size)
{
    static struct lxexec_args a;
    struct tar_file f;
    struct lxproc *p = lxproc_alloc(loop, prog->path);
    long r = p ? lxprog_record(p, prog) : ERR_NO_RESOURCES;
    if (r == 0 && !lxprog_words(prog, &a))
        r = ERR_TOO_LARGE;
    if (r == 0 && prog->path[0] == '/') {
        printf("linux: starting %s (%s from fs)\n", prog->name, prog->path);
        lxexec_start(p, &a); /* reads it from fs; logs the start or the failure */
        return 0;
    }
    if (r == 0)
        r = tar_find(initfs, initfs_size, prog->path, &f);
    if (r == 0)
        r = lxstart_spawn(p);
    if (r == 0 && (r = lxload(p, f.data, f.size, a.argv, a.argc, a.envp, a.envc)) == 0)
        r = lxstart_watch(p);
    if (r == 0) {
        printf("linux: started %s (%s)\n", prog->name, prog->path);
        return lxstart_go(p);
    }
    printf("linux: cannot start %s (%s): %s\n", prog->name, prog->path, err_str(r));
    if (p)
        lxstart_abandon(p);
    return r;
}
