/* init: process 1: starts the services listed in the initfs's etc/init.manifest and watches them end. */
#include "manifest.h"

#include <warp/exitinfo.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#define INIT_MANIFEST_PATH "etc/init.manifest"

/* A service init has started. */
struct init_child {
    const struct manifest_service *svc;
    long pid;
    bool running; /* started and not yet reaped */
};

static struct manifest init_manifest;
static struct init_child init_children[MANIFEST_MAX_SERVICES];

/* manifest_log_fn: prints a manifest diagnostic. */
static void init_manifest_log(void *ctx, const char *msg)
{
    (void)ctx;
    printf("init: %s: %s\n", INIT_MANIFEST_PATH, msg);
}

/* Reads and parses the manifest from the initfs; returns the number of services. */
static unsigned init_load_manifest(const void *initfs, size_t initfs_size)
{
    struct tar_file f;
    int r = tar_find(initfs, initfs_size, INIT_MANIFEST_PATH, &f);
    if (r < 0) {
        printf("init: cannot read %s: %s\n", INIT_MANIFEST_PATH, err_str(r));
        return 0;
    }
    return manifest_parse(f.data, f.size, &init_manifest, init_manifest_log, NULL);
}

/* Powers the machine off with a verdict; logs and returns if the kernel refuses. */
static void init_shutdown(const char *why, int code)
{
    printf("init: %s: shutting down with code %d\n", why, code);
    long r = warp_shutdown(code);
    printf("init: shutdown refused: %s\n", err_str(r));
}

/* Starts one service from its initfs binary; fills *c and returns true on success. */
static bool init_start(const void *initfs, size_t initfs_size, const struct manifest_service *svc,
                       struct init_child *c)
{
    struct tar_file f;
    long r = tar_find(initfs, initfs_size, svc->binary, &f);
    if (r == 0) {
        struct spawn_args a = {
            .name = (uaddr_t)svc->name,
            .name_len = strlen(svc->name),
            .image = (uaddr_t)f.data,
            .image_len = f.size,
            .arg = 0,
            .flags = svc->share_initfs ? SPAWN_SHARE_INITFS : 0,
        };
        r = warp_spawn(&a);
    }
    if (r < 0) {
        printf("init: cannot start %s from %s: %s\n", svc->name, svc->binary, err_str(r));
        return false;
    }
    c->svc = svc;
    c->pid = r;
    c->running = true;
    printf("init: started %s (pid %ld)\n", svc->name, r);
    return true;
}

/* The shutdown verdict for a service's end: its exit code if in 0..255, else (and for faults) 1. */
static int init_verdict(const struct exit_info *info)
{
    if (info->reason == EXIT_NORMAL && info->code >= 0 && info->code <= 255)
        return info->code;
    return 1;
}

/* Waits for one service to end, logs how, and applies its on_exit policy. */
static void init_reap(struct init_child *c)
{
    struct exit_info info;
    long r = warp_wait(c->pid, &info);
    c->running = false;
    if (r < 0) {
        printf("init: wait for %s (pid %ld) failed: %s\n", c->svc->name, c->pid, err_str(r));
        memset(&info, 0, sizeof(info));
        info.reason = EXIT_KILLED;
    } else {
        char how[160];
        exitinfo_describe(how, sizeof(how), &info);
        printf("init: %s %s\n", c->svc->name, how);
    }
    if (c->svc->on_exit == MANIFEST_ON_EXIT_SHUTDOWN)
        init_shutdown(c->svc->name, init_verdict(&info));
}

/* Starts every service; returns how many run. */
static unsigned init_start_all(const void *initfs, size_t initfs_size)
{
    unsigned running = 0;
    for (unsigned i = 0; i < init_manifest.count; i++) {
        const struct manifest_service *svc = &init_manifest.services[i];
        if (init_start(initfs, initfs_size, svc, &init_children[i]))
            running++;
        else if (svc->on_exit == MANIFEST_ON_EXIT_SHUTDOWN)
            init_shutdown(svc->name, 1);
    }
    return running;
}

/* Nothing is left to supervise: init may not exit (the kernel treats that as fatal), so it idles. */
_Noreturn static void init_idle(void)
{
    printf("init: no services left; idling\n");
    /* A busy yield loop for now: there is no other blocking call yet. The IPC work replaces it with a
     * wait on init's event queue (name-service requests, child exits). */
    for (;;)
        warp_yield();
}

/* Entry: start the manifest's services, then reap them one by one. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    printf("init: starting\n");
    if (!initfs || initfs_size == 0) {
        printf("init: the kernel gave no initfs; nothing to start\n");
        init_idle();
    }
    if (init_load_manifest(initfs, initfs_size) == 0)
        printf("init: no services in %s\n", INIT_MANIFEST_PATH);
    unsigned running = init_start_all(initfs, initfs_size);
    /* One blocking wait per child in manifest order: a child that ends early is only reported once
     * the ones before it have ended. The event queue (IPC work) will report exits as they happen. */
    for (unsigned i = 0; running > 0 && i < init_manifest.count; i++) {
        if (init_children[i].running) {
            init_reap(&init_children[i]);
            running--;
        }
    }
    init_idle();
}
