/* linux: the linux server: runs the manifest's [linux NAME] programs, static x86-64 Linux binaries,
 * as supervised processes and carries out their system calls (docs/linux-compat.md). */
#include <warp/tar.h>
#include <warp/user.h>

#include "lxconf.h"
#include "lxexec.h"
#include "lxnode.h"
#include "lxproc.h"
#include "lxsock.h"
#include "lxprog.h"
#include "lxstart.h"
#include "lxtrap.h"

#define LINUX_MANIFEST "etc/init.manifest"

static struct loop linux_loop;
static struct lxconf linux_conf;

/* Logs a diagnostic of the manifest's [linux] sections. */
static void linux_log(void *ctx, const char *msg)
{
    (void)ctx;
    printf("linux: %s\n", msg);
}

/* Entry: needs the initfs (manifest `initfs = yes`); starts every [linux] program, then serves them. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    struct tar_file f;
    long r = initfs ? tar_find(initfs, initfs_size, LINUX_MANIFEST, &f) : ERR_NOT_FOUND;
    if (r < 0) {
        printf("linux: no %s in the initfs (give the server initfs = yes): %s\n", LINUX_MANIFEST, err_str(r));
        return 1;
    }
    r = loop_init(&linux_loop);
    if (r < 0) {
        printf("linux: %s\n", err_str(r));
        return 1;
    }
    lxexec_init(initfs, initfs_size);
    lxstart_init(&lxtrap_handlers);
    lxnode_init(&linux_loop); /* before the programs: their first open may come at once */
    lxsock_init(&linux_loop);
    struct sysinfo si;
    if (warp_sysinfo(&si) == 0)
        printf("linux: %llu pages free before the programs\n", (unsigned long long)si.free_pages);
    uint32_t n = lxconf_parse(f.data, f.size, &linux_conf, linux_log, NULL);
    printf("linux: %u Linux program%s in the manifest\n", n, n == 1 ? "" : "s");
    for (uint32_t i = 0; i < n; i++)
        lxprog_run(&linux_loop, &linux_conf.progs[i], initfs, initfs_size);
    if (lxproc_live() == 0)
        lxproc_report_idle();
    r = loop_run(&linux_loop);
    printf("linux: %s\n", err_str(r));
    return 1;
}
