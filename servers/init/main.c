/* init: process 1: starts the manifest's services, serves their names, restarts them per policy. */
#include "instances.h"
#include "state.h"
#include "supervise.h"

#include <warp/devcall.h>
#include <warp/error.h>
#include <warp/tar.h>
#include <warp/user.h>

/* manifest_log_fn: prints a manifest diagnostic. */
static void init_manifest_log(void *ctx, const char *msg)
{
    (void)ctx;
    printf("init: %s: %s\n", INIT_MANIFEST_PATH, msg);
}

/* instances_count_fn: how many PCI functions match id, found by opening each in turn (and closing
 * it again; one granted already counts too). */
static unsigned init_count_devices(void *ctx, const struct device_match *id)
{
    (void)ctx;
    struct device_info info;
    unsigned n = 0;
    for (; n < MANIFEST_INSTANCES_MAX; n++) {
        struct device_match m = *id;
        m.index = n;
        long h = warp_device_open(&m, &info);
        if (h >= 0)
            warp_handle_close((handle_t)h);
        else if (h != ERR_ALREADY_EXISTS)
            break;
    }
    return n;
}

/* Reads and parses the manifest from the initfs, per_device services made instances; returns the
 * number of services. */
static unsigned init_load_manifest(void)
{
    struct tar_file f;
    int r = tar_find(init_g.initfs, init_g.initfs_size, INIT_MANIFEST_PATH, &f);
    if (r < 0) {
        printf("init: cannot read %s: %s\n", INIT_MANIFEST_PATH, err_str(r));
        return 0;
    }
    if (manifest_parse(f.data, f.size, &init_g.manifest, init_manifest_log, NULL) == 0)
        return 0;
    return manifest_instances(&init_g.manifest, init_count_devices, NULL, init_manifest_log, NULL);
}

/* init may not exit (the kernel treats that as fatal): when its loop cannot run, it parks here. */
_Noreturn static void init_idle(void)
{
    printf("init: idling\n");
    for (;;)
        warp_yield();
}

/* Entry: load the manifest, start the services, then serve events forever. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    printf("init: starting\n");
    if (!initfs || initfs_size == 0) {
        printf("init: the kernel gave no initfs; nothing to start\n");
        init_idle();
    }
    init_g.initfs = initfs;
    init_g.initfs_size = initfs_size;
    long r = loop_init(&init_g.loop);
    if (r < 0) {
        printf("init: cannot create its event queue: %s\n", err_str(r));
        init_idle();
    }
    if (init_load_manifest() == 0)
        printf("init: no services in %s\n", INIT_MANIFEST_PATH);
    init_start_all();
    r = loop_run(&init_g.loop);
    printf("init: event loop failed: %s\n", err_str(r));
    init_idle();
}
