/* supervise.c: init's supervisor: starts services with a channel to init, reports ends, restarts. */
#include "names.h"
#include "state.h"
#include "supervise.h"

#include <warp/devcall.h>
#include <warp/exitinfo.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

static void init_ended(struct init_service *s, const struct exit_info *info);

/* Powers the machine off with a verdict; logs and returns if the kernel refuses. */
static void init_shutdown(const char *why, int code)
{
    printf("init: %s: shutting down with code %d\n", why, code);
    long r = warp_shutdown(code);
    printf("init: shutdown refused: %s\n", err_str(r));
}

/* The shutdown verdict for a service's end: its exit code if in 0..255, else (and for faults) 1. */
static int init_verdict(const struct exit_info *info)
{
    if (info->reason == EXIT_NORMAL && info->code >= 0 && info->code <= 255)
        return info->code;
    return 1;
}

/* Opens the first PCI function matching one of s's device ids: a device handle (and in *binary
 * the program to run for it), or ERR_NOT_FOUND when the machine has none of them. */
static long init_open_device(const struct manifest_service *cfg, const char **binary)
{
    struct device_info info;
    for (unsigned i = 0; i < cfg->ndevices; i++) {
        long h = warp_device_open(&cfg->devices[i], &info);
        if (h >= 0) {
            *binary = cfg->device_binary[i][0] ? cfg->device_binary[i] : cfg->binary;
            printf("init: granting %s the PCI function %02x:%02x.%x (%04x:%04x) for %s\n", cfg->name,
                   info.bus, info.slot, info.function, info.vendor, info.device, *binary);
            return h;
        }
        if (h != ERR_NOT_FOUND)
            return h;
    }
    return ERR_NOT_FOUND;
}

/* Spawns binary with child_ch as its handle 1 (and dev, if not 0, as handle 2); the process handle
 * or an ERR_*. Moves child_ch and dev only on success. */
static long init_spawn(struct init_service *s, const char *binary, handle_t child_ch, handle_t dev)
{
    struct tar_file f;
    long r = tar_find(init_g.initfs, init_g.initfs_size, binary, &f);
    if (r < 0)
        return r;
    handle_t handles[2] = {child_ch, dev};
    struct spawn_args a = {
        .name = (uaddr_t)s->cfg->name,
        .name_len = strlen(s->cfg->name),
        .image = (uaddr_t)f.data,
        .image_len = f.size,
        .arg = s->cfg->arg,
        .flags = s->cfg->share_initfs ? SPAWN_SHARE_INITFS : 0,
        .handles = (uaddr_t)handles,
        .nhandles = dev ? 2 : 1,
        .weight = s->cfg->weight,
    };
    /* Its quotas, and the kernel's reserve for a service the system cannot do without: init can
     * restart it even when others have filled the process table or memory (docs/security.md). */
    memcpy(a.limits, s->cfg->limits, sizeof(a.limits));
    if (s->cfg->essential)
        a.flags |= SPAWN_RESERVE;
    return warp_spawn(&a);
}

/* A service whose devices this machine lacks is absent: never started, OPENs of it fail. */
static void init_absent(struct init_service *s)
{
    printf("init: %s: no matching device on this machine; not started\n", s->cfg->name);
    s->state = INIT_DONE;
    init_fail_pending(s, ERR_NOT_FOUND);
}

/* process on_exit: a service ended. */
static void init_on_exit(struct loop *l, handle_t proc, const struct exit_info *info, void *ctx)
{
    struct init_service *s = ctx;
    char how[160];
    exitinfo_describe(how, sizeof(how), info);
    printf("init: %s %s\n", s->cfg->name, how);
    loop_close(l, proc);
    s->proc = 0;
    init_ended(s, info);
}

/* Starts s with a new init channel; on failure treats it as a run that failed at once. */
static void init_start(struct init_service *s)
{
    handle_t pair[2];
    const char *binary = s->cfg->binary;
    long dev = s->cfg->ndevices ? init_open_device(s->cfg, &binary) : 0;
    if (dev == ERR_NOT_FOUND) {
        init_absent(s);
        return;
    }
    long r = dev < 0 ? dev : warp_channel_create(pair);
    if (r == 0) {
        r = init_spawn(s, binary, pair[1], (handle_t)dev);
        if (r < 0) {
            /* A refused spawn moves nothing: the ends and the device are still ours. */
            warp_handle_close(pair[0]);
            warp_handle_close(pair[1]);
        }
    }
    if (r < 0 && dev > 0)
        warp_handle_close((handle_t)dev);
    if (r < 0) {
        printf("init: cannot start %s from %s: %s\n", s->cfg->name, binary, err_str(r));
        struct exit_info failed = {.reason = EXIT_NORMAL, .code = 1};
        s->started_at = warp_clock();
        init_ended(s, &failed);
        return;
    }
    s->proc = (handle_t)r;
    s->ch = pair[0];
    s->state = INIT_RUNNING;
    s->started_at = warp_clock();
    s->starts++;
    /* Both fit in init's loop unless it is out of memory; a service init cannot watch is stopped. */
    long a = loop_add_process(&init_g.loop, s->proc, init_on_exit, s);
    long b = loop_add_channel(&init_g.loop, s->ch, &init_channel_handlers, s);
    if (a < 0 || b < 0) {
        printf("init: cannot watch %s: %s; killing it\n", s->cfg->name, err_str(a < 0 ? a : b));
        warp_kill(s->proc);
        if (a < 0) {
            struct exit_info killed = {.reason = EXIT_KILLED};
            loop_close(&init_g.loop, s->proc);
            s->proc = 0;
            init_ended(s, &killed);
        }
        return;
    }
    if (s->starts == 1)
        printf("init: started %s\n", s->cfg->name);
    else
        printf("init: started %s again (start %u)\n", s->cfg->name, s->starts);
}

/* restart_timer: the backoff is over. */
static void init_on_restart(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    init_start(ctx);
}

/* A run of s is over: decides between a restart, giving up, and the on_exit action. */
static void init_ended(struct init_service *s, const struct exit_info *info)
{
    init_disconnect(s);
    uint64_t ran = warp_clock() - s->started_at, delay;
    enum restart_verdict v = restart_decide(&s->restart, s->cfg, restart_is_failure(info), ran, &delay);
    if (v == RESTART_YES) {
        printf("init: restarting %s in %llu ms%s\n", s->cfg->name, (unsigned long long)(delay / 1000000),
               s->restart.streak > RESTART_LIMIT ? " (essential: init never gives up on it)" : "");
        s->state = INIT_RESTARTING;
        loop_timeout_after(&init_g.loop, &s->restart_timer, delay);
        return;
    }
    if (v == RESTART_GIVE_UP)
        printf("init: %s ended %u times in a row within %llu s of starting; not restarting it\n",
               s->cfg->name, RESTART_LIMIT + 1, (unsigned long long)(RESTART_STABLE_NS / 1000000000ull));
    s->state = INIT_DONE;
    init_fail_pending(s, ERR_NOT_FOUND);
    if (s->cfg->on_exit == MANIFEST_ON_EXIT_SHUTDOWN)
        init_shutdown(s->cfg->name, v == RESTART_GIVE_UP ? 1 : init_verdict(info));
}

/* Starts every service in manifest order. */
void init_start_all(void)
{
    for (unsigned i = 0; i < init_g.manifest.count; i++) {
        struct init_service *s = &init_g.services[i];
        s->cfg = &init_g.manifest.services[i];
        s->state = INIT_DONE;
        loop_timeout_init(&s->restart_timer, init_on_restart, s);
    }
    for (unsigned i = 0; i < init_g.manifest.count; i++)
        init_start(&init_g.services[i]);
}
