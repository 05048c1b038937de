/* manifest.h: init's service manifest (etc/init.manifest): its parsed form and a pure parser. */
#pragma once

#include "manifest_access.h"

#include <warp/abi.h>
#include <warp/device.h>
#include <warp/types.h>

/*
 * The format (docs/userspace.md has the full description):
 *
 *     # comment
 *     [service hello]        one section per service; the name is also the process name
 *     binary = bin/hello     initfs path of its ELF image (required)
 *     initfs = no            yes: share the initfs with it (SPAWN_SHARE_INITFS)
 *     on_exit = ignore       shutdown: power off once it has ended for good (verdict: exit code)
 *     restart = never        on-failure | always, with backoff and a limit (restart.h)
 *     essential = no         yes: restart forever (backoff capped, no limit): the system needs it
 *     weight = 1             CPU weight 1..SPAWN_WEIGHT_MAX: its share against others' (docs/scheduling.md)
 *     devices = pci:1af4:1000 pci-class:020000=bin/other
 *                            grant the first PCI function matching any of these (handle 2); an
 *                            id's optional =path runs that binary instead when it is the one found;
 *                            none found: the service is absent (not started, OPENs: ERR_NOT_FOUND)
 *     per_device = no        yes: one instance per PCI function devices = matches (instances.h),
 *                            named NAME:N and given N as main's arg; uses = NAME opens any of them
 *     arg = 64               a number handed to the program as main's arg (default 0)
 *     uses = tcpip pong      services it may open through init (default: none)
 *     ports = 80 8080        TCP ports it may listen on (default: none)
 *     admin = no             yes: it may use services' privileged operations (tcpip's SETATTR)
 *     pages = 4096           quotas (manifest_limits.h, docs/security.md): pages, handles, channels,
 *                            timers, messages, children
 */
#define MANIFEST_MAX_SERVICES 16
#define MANIFEST_PATH_MAX 100        /* longest binary path, NUL included */
#define MANIFEST_LINE_MAX 256        /* longest line, newline excluded */
#define MANIFEST_DEVICE_IDS 8        /* alternatives in one devices = line */
#define MANIFEST_ARG_MAX 0x7fffffffL /* largest arg = */
#define MANIFEST_INSTANCES_MAX 8     /* instances of a per_device service (one digit) */

/* What init does once the service has ended and will not be restarted. */
enum manifest_on_exit {
    MANIFEST_ON_EXIT_IGNORE = 1, /* log it and carry on */
    MANIFEST_ON_EXIT_SHUTDOWN,   /* power off; exit code is the verdict (fault, kill, give-up: 1) */
};

/* When init starts the service again after it ended. */
enum manifest_restart {
    MANIFEST_RESTART_NEVER = 1,  /* never */
    MANIFEST_RESTART_ON_FAILURE, /* after anything but exit code 0 (a fault, a kill, a code != 0) */
    MANIFEST_RESTART_ALWAYS,     /* after any end */
};

struct manifest_service {
    char name[SPAWN_NAME_MAX + 1];
    char binary[MANIFEST_PATH_MAX];
    bool share_initfs;
    enum manifest_on_exit on_exit;
    enum manifest_restart restart;
    bool essential;                                             /* restarts are never given up (restart.h) */
    unsigned weight;                                            /* CPU weight, 1..SPAWN_WEIGHT_MAX */
    struct device_match devices[MANIFEST_DEVICE_IDS];           /* alternatives, in order of preference */
    char device_binary[MANIFEST_DEVICE_IDS][MANIFEST_PATH_MAX]; /* "": the binary above */
    unsigned ndevices;                                          /* 0: no device grant */
    bool per_device;                                            /* one instance per device (instances.h) */
    uint64_t arg;                                               /* main's arg */
    struct manifest_access access;                              /* uses, ports, admin (manifest_access.h) */
    uint64_t limits[LIMIT_COUNT]; /* quotas, enum limit_kind (manifest_limits.h) */
};

struct manifest {
    struct manifest_service services[MANIFEST_MAX_SERVICES]; /* in file order */
    unsigned count;
};

/* Receives one diagnostic ("line 4: unknown key 'colour'; service hello skipped"). */
typedef void (*manifest_log_fn)(void *ctx, const char *msg);

/*
 * Parses the len bytes at text (need not be NUL-terminated) into *out. Never fails as a whole: a
 * service with any error (unknown key or value, missing binary, duplicate name, bad line) is logged
 * through log and left out; the rest are kept. Returns the number of services in out.
 */
unsigned manifest_parse(const char *text, size_t len, struct manifest *out, manifest_log_fn log, void *ctx);

/* True if s is a valid service name: 1..SPAWN_NAME_MAX characters of A-Z a-z 0-9 . _ - */
bool manifest_valid_name(const char *s);
