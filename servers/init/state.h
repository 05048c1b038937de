/* state.h: init's state (state.c), shared by the supervisor (supervise.c) and the name service (names.c). */
#pragma once

#include "manifest.h"
#include "opens.h"
#include "restart.h"

#include <warp/loop.h>

#define INIT_MANIFEST_PATH "etc/init.manifest"
#define INIT_SERVICE_PREFIX "service/" /* OPEN "service/<name>": connect to a service */
#define INIT_LISTEN_PREFIX "listen:"   /* OPEN "listen:service/<name>": register as its server */

enum init_state {
    INIT_RUNNING = 1, /* started, its process not yet reported ended */
    INIT_RESTARTING,  /* ended; restart_timer will start it again */
    INIT_DONE,        /* ended for good (or never started) */
};

/* One manifest service and what init knows of it. */
struct init_service {
    const struct manifest_service *cfg;
    enum init_state state;
    handle_t proc;       /* its process handle while INIT_RUNNING, else 0 */
    handle_t ch;         /* init's end of its init channel (handle 1 in the service), 0 if closed */
    bool registered;     /* it called OPEN "listen:service/<name>" on ch */
    uint64_t started_at; /* SYS_CLOCK time of the last start */
    unsigned starts;     /* how many times it was started */
    struct restart_state restart;
    struct loop_timeout restart_timer;
    struct init_opens opens; /* the clients' OPENs init holds for it (opens.h) */
};

/* All of init's state. */
struct init {
    struct loop loop;
    struct manifest manifest;
    struct init_service services[MANIFEST_MAX_SERVICES]; /* services[i].cfg = &manifest.services[i] */
    const void *initfs;
    size_t initfs_size;
};

extern struct init init_g;
