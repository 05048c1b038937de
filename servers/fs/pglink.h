/* pglink.h: the fs server's connection to PostgreSQL: a tcpip tcp-connect: channel carrying a
 * pgstore's bytes, opened without blocking the loop and reopened with capped backoff. */
#pragma once

#include "pgconf.h"

#include <pgstore/pgstore.h>
#include <warp/loop.h>

#define PGLINK_RX (16u << 10)                  /* bytes one READ of the connection takes */
#define PGLINK_TIMEOUT_NS (10ull * 1000000000) /* a running request with no progress this long: down */

/* Where the link is. */
enum pglink_state {
    PGLINK_IDLE,    /* not started */
    PGLINK_TCPIP,   /* opening service/tcpip through init */
    PGLINK_RESOLVE, /* asking tcpip for the host's address */
    PGLINK_CONNECT, /* tcp-connect: under way */
    PGLINK_UP,      /* the store's bytes flow */
    PGLINK_WAIT,    /* down: the next attempt waits for its backoff */
};

/* Told when the link comes up (up, 0) and when it goes down (false, why). */
typedef void (*pglink_state_fn)(void *ctx, bool up, long why);

struct pglink {
    struct loop *l;
    struct pgstore *store;
    const struct pgconf *conf;
    pglink_state_fn on_state;
    void *ctx;
    enum pglink_state state;
    handle_t tcpip, conn;
    bool reading, writing;
    unsigned attempt;     /* failed attempts since the link was last up */
    uint64_t progress_ns; /* the last byte sent or received */
    uint32_t addr;        /* the host's IPv4 address, once known */
    struct loop_timeout retry, watchdog;
    uint8_t rx[PGLINK_RX];
};

/* Starts connecting s's bytes to the host and port of conf, on loop l; on_state tells the changes. */
void pglink_start(struct pglink *k, struct loop *l, struct pgstore *s, const struct pgconf *conf,
                  pglink_state_fn on_state, void *ctx);
/* Sends what the store has queued (after a pgstore_submit); nothing while the link is down. */
void pglink_pump(struct pglink *k);
