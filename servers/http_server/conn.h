/* conn.h: http_server's connections: one explicit state machine per accepted TCP connection. */
#pragma once

#include "http.h"

#include <warp/ipc.h>
#include <warp/loop.h>

/*
 * A connection is a channel from tcpip (docs/network.md). It makes one call at a time, READ, WRITE
 * or CLOSE, through the loop, so its state says which call is pending:
 *
 *   READING ──request parsed──▶ WRITING ──response out, keep-alive──▶ READING (or parse the
 *      │                           │                                  pipelined bytes already here)
 *      │ bad request: error        │ response out, close
 *      └──────────────────────────▶│
 *                                  ├─ clean ─────────────────────────▶ CLOSING ──▶ DRAINING ──▶ FREE
 *                                  └─ client may still send ─▶ LINGERING ──┘  (CLOSE)   (READs until
 *                                     (READs, bytes dropped, until the                  the client's
 *                                      client's FIN or it is quiet)                     FIN, if tcpip
 *                                                                                       keeps the
 *                                                                                       channel)
 *
 * Why linger before the FIN: when tcpip closes a connection whose received bytes were never read,
 * lwIP resets it and throws away what it has not sent yet: the client would lose the response. So
 * when it may still be sending (its request was refused or cut short, pipelined bytes follow a
 * "Connection: close" request, it got 503 before we read anything), we read and drop what comes
 * until it sends FIN or is quiet for HTTP_LINGER_QUIET_NS, and only then CLOSE. A clean close (one
 * complete request, nothing after it) sends CLOSE at once.
 *
 * Timeouts (one loop_timeout per connection): a request's header block must be complete within
 * HTTP_HEADER_TIMEOUT_NS of the moment we start waiting for it (the connection's start, or the end of
 * the previous response, so idle keep-alive connections end the same way); trickling bytes does not
 * extend it. When it fires with part of a request received the client gets 408, else the connection
 * just closes. Each WRITE must finish within HTTP_SEND_TIMEOUT_NS. Lingering ends after
 * HTTP_LINGER_QUIET_NS without a byte, HTTP_LINGER_ROUNDS quiet periods, or HTTP_LINGER_MAX bytes;
 * draining after our FIN after HTTP_LINGER_TIMEOUT_NS or HTTP_LINGER_MAX bytes.
 *
 * Capacity: every connection holds one handle (the process has HANDLES_MAX); at most HTTP_CONN_MAX
 * are served at once, a bound on memory and on the work one server takes on. The next HTTP_REJECT_MAX get "503 Service Unavailable" at once,
 * without waiting for their request, and are closed. While both pools are full the listener is
 * taken off the loop: further connections wait in its channel queue (tcpip refuses them with RST
 * when that is full) and get their 503 as soon as a slot frees. Receiving them instead would fill
 * the handle table, and the kernel would then refuse to deliver anything. The served connections
 * never wait for any of this.
 */

#define HTTP_CONN_MAX 1024   /* connections served at once */
#define HTTP_REJECT_MAX 8    /* connections being answered 503 at once */
#define HTTP_FIXED_HANDLES 5 /* init's channel, tcpip's control channel, the listener, two event queues */
_Static_assert(HTTP_CONN_MAX + HTTP_REJECT_MAX + HTTP_FIXED_HANDLES <= HANDLES_MAX,
               "every connection needs a handle");

#define HTTP_IN_SIZE 4096            /* bytes asked for by one READ */
#define HTTP_OUT_SIZE 8192           /* a response head, plus the body when both fit */
#define HTTP_WRITE_CHUNK (64u << 10) /* larger bodies go out in WRITEs of this size */
#define HTTP_LINGER_MAX (64u << 10)  /* bytes dropped while lingering or draining before we stop */

#define HTTP_MS 1000000ull
#define HTTP_HEADER_TIMEOUT_NS (10000 * HTTP_MS)
#define HTTP_SEND_TIMEOUT_NS (10000 * HTTP_MS)
#define HTTP_LINGER_TIMEOUT_NS (2000 * HTTP_MS)
#define HTTP_LINGER_QUIET_NS (500 * HTTP_MS)
#define HTTP_LINGER_ROUNDS (HTTP_LINGER_TIMEOUT_NS / HTTP_LINGER_QUIET_NS)

/* The documents root inside the initfs: GET /a/b.css serves www/a/b.css. */
#define HTTP_DOC_ROOT "www"

enum http_conn_state {
    HTTP_CONN_FREE,
    HTTP_CONN_READING,   /* READ pending: waiting for request bytes */
    HTTP_CONN_WRITING,   /* WRITE pending: part of a response */
    HTTP_CONN_LINGERING, /* READ pending after the last response: bytes are dropped until quiet */
    HTTP_CONN_CLOSING,   /* CLOSE pending: FIN after the last response */
    HTTP_CONN_DRAINING,  /* READ pending after our FIN: bytes are discarded until the client's FIN */
};

struct http_server;

/* One connection. in[in_pos, in_len) holds received bytes the parser has not taken yet. */
struct http_conn {
    struct http_server *srv;
    handle_t ch;
    enum http_conn_state state;
    bool reject;       /* in the 503 pool */
    bool close_after;  /* close once the response being sent is out */
    bool read_pending; /* a READ is outstanding (it may outlive READING after a timeout) */
    struct loop_timeout timeout;
    size_t in_pos, in_len;
    size_t out_len, out_off; /* the response head (and small body) in out[] */
    const uint8_t *body;     /* a larger body, sent after out[] (points into the initfs) */
    uint64_t body_len, body_off;
    size_t write_len;       /* bytes of the pending WRITE */
    size_t drained;         /* bytes dropped while LINGERING or DRAINING */
    unsigned linger_rounds; /* quiet periods begun while LINGERING */
    unsigned requests;      /* responses started on this connection */
    struct http_parser parser;
    uint8_t *in; /* HTTP_IN_SIZE bytes; allocated with the slot's first connection, then kept */
    char *out;   /* HTTP_OUT_SIZE bytes, likewise */
};

/* Counters since start (the index page shows some). */
struct http_stats {
    uint64_t accepted; /* connections served */
    uint64_t rejected; /* answered 503 */
    uint64_t dropped;  /* closed at once (no slot though the listener was paused, or loop error) */
    uint64_t pauses;   /* times the listener was taken off the loop */
    uint64_t requests; /* responses started, errors included */
    uint64_t timeouts; /* connections ended by a timeout */
};

struct http_server {
    struct loop *loop;
    handle_t listener;    /* 0 until http_server_listen */
    bool paused;          /* the listener is off the loop: both pools are full */
    bool listener_closed; /* tcpip closed it: loop_run has been stopped */
    const void *initfs;
    size_t initfs_size;
    unsigned active;    /* connections in conns[0, HTTP_CONN_MAX) */
    unsigned rejecting; /* in conns[HTTP_CONN_MAX, ...) */
    struct http_stats stats;
    struct http_conn conns[HTTP_CONN_MAX + HTTP_REJECT_MAX];
};

/* Prepares the server: no connections; files come from the initfs archive (may be NULL, 0). */
void http_server_init(struct http_server *s, struct loop *l, const void *initfs, size_t initfs_size);

/*
 * Serves the listener channel (docs/network.md): its one-way OPENs bring accepted connections. If
 * tcpip closes it, listener_closed is set and the loop stopped. Returns loop_add_channel's result.
 */
long http_server_listen(struct http_server *s, handle_t listener);

/* Takes over ch, the connection channel of a newly accepted TCP connection (ours to close). */
void http_server_accept(struct http_server *s, handle_t ch);

/* Writes the embedded index page (HTML) into buf; returns its length, or ERR_TOO_LARGE. */
long http_index_page(const struct http_server *s, char *buf, size_t size);
