/* conn.h: http_server's connections: one explicit state machine per accepted TCP connection. */
#pragma once

#include "filecache.h"
#include "fsfile.h"
#include "fsroot.h"
#include "http.h"
#include "put.h"
#include "upload.h"

#include <warp/ipc.h>
#include <warp/loop.h>

/*
 * A connection is a channel from tcpip (docs/network.md). It makes one call at a time, READ, WRITE
 * or CLOSE, through the loop, so its state says which call is pending (a file from service/fs adds
 * OPENING, the OPEN of the file with its prefetch, and STREAMING, READs of the file overlapped with
 * WRITEs of what was read: see "Files from service/fs" below):
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

/*
 * Files from service/fs (fsroot.h, fsfile.h): a request OPENs its path relative to the root
 * directory's node with out[HTTP_HEAD_ROOM, HTTP_OUT_SIZE) as the prefetch buffer, so a file of up
 * to 7 KiB needs one round trip: the head is built behind the prefetched bytes, at out[HTTP_HEAD_ROOM
 * - head length], and both go out in one WRITE. A larger file (or range) streams: the head and the
 * prefetched part go first, then READs of up to HTTP_STREAM_CHUNK at increasing offsets, each
 * followed by its WRITE. Up to HTTP_STREAMS_MAX connections at once get two chunk buffers, so the
 * next READ overlaps the current WRITE; the others stream through out[] (read, write, read...).
 * At most HTTP_FILE_OPENS_MAX OPENs are in flight on the root at once (a channel's calls are
 * bounded); further requests wait their turn in order (still OPENING, under the same timeout).
 * Memory stays constant per connection whatever the file's size. The node is closed when the body
 * is out. An fs failure before the head went out is an error response (conn.c maps the codes);
 * after it, the connection closes: the client sees a short body, never wrong bytes.
 */
#define HTTP_HEAD_ROOM 1024           /* out[] bytes before the prefetch: a file response's head */
#define HTTP_STREAM_CHUNK (64u << 10) /* bytes of one READ from fs and of its WRITE */
#define HTTP_STREAMS_MAX 32           /* connections with two chunk buffers at once */
#define HTTP_CONN_MAX 1024            /* connections served at once */
#define HTTP_REJECT_MAX 8             /* connections being answered 503 at once */
#define HTTP_FIXED_HANDLES 7 /* init's channel, tcpip's control channel, the listener, two event queues, */
                             /* the fs session and the root directory's node */
_Static_assert(2 * HTTP_CONN_MAX + HTTP_REJECT_MAX + HTTP_FIXED_HANDLES <= HANDLES_MAX,
               "every connection needs a handle, and one more for the file it serves");

#define HTTP_IN_SIZE 4096            /* bytes asked for by one READ */
#define HTTP_OUT_SIZE 8192           /* a response head, plus the body when both fit */
#define HTTP_WRITE_CHUNK (64u << 10) /* larger bodies go out in WRITEs of this size */
#define HTTP_LINGER_MAX (64u << 10)  /* bytes dropped while lingering or draining before we stop */

#define HTTP_MS 1000000ull
#define HTTP_HEADER_TIMEOUT_NS (10000 * HTTP_MS)
#define HTTP_SEND_TIMEOUT_NS (10000 * HTTP_MS)
#define HTTP_FS_TIMEOUT_NS (10000 * HTTP_MS) /* an fs OPEN; in a stream, each READ or WRITE */
#define HTTP_LINGER_TIMEOUT_NS (2000 * HTTP_MS)
#define HTTP_LINGER_QUIET_NS (500 * HTTP_MS)
#define HTTP_LINGER_ROUNDS (HTTP_LINGER_TIMEOUT_NS / HTTP_LINGER_QUIET_NS)

/* The documents root inside the initfs: GET /a/b.css serves www/a/b.css. */
#define HTTP_DOC_ROOT "www"

enum http_conn_state {
    HTTP_CONN_FREE,
    HTTP_CONN_READING,   /* READ pending: waiting for request bytes */
    HTTP_CONN_OPENING,   /* the fs OPEN of the requested file is pending */
    HTTP_CONN_STREAMING, /* a file's body: an fs READ, a WRITE, or both pending */
    HTTP_CONN_WRITING,   /* WRITE pending: part of a response */
    HTTP_CONN_LINGERING, /* READ pending after the last response: bytes are dropped until quiet */
    HTTP_CONN_CLOSING,   /* CLOSE pending: FIN after the last response */
    HTTP_CONN_DRAINING,  /* READ pending after our FIN: bytes are discarded until the client's FIN */
    HTTP_CONN_PUTTING,   /* a PUT or DELETE under the upload prefix: put.h's steps */
};

struct http_server;

/* A buffer of a stream: [off, len) of buf is still to be written while it is FULL or WRITING. */
enum http_slot_state { HTTP_SLOT_EMPTY, HTTP_SLOT_READING, HTTP_SLOT_FULL, HTTP_SLOT_WRITING };
struct http_slot {
    uint8_t *buf;
    size_t cap, len, off;
    enum http_slot_state state;
};

/*
 * A file body being streamed. slot[0] is out[] (the head and the prefetched bytes, written first);
 * with chunk buffers (mem) slot[1] and slot[2] then take turns, else slot[0] is reused. READs fill
 * slots in the order rd walks them and WRITEs empty them in the same order (wr), so the bytes go out
 * in file order.
 */
struct http_stream {
    struct http_slot slot[3];
    unsigned nslots, first_body; /* after slot nslots - 1 comes slot first_body */
    unsigned rd, wr;             /* the next slot to read into, and to write from */
    uint64_t read_off, end;      /* the next file offset to READ; the end of the body's bytes */
    bool reading, writing;       /* an fs READ, a tcpip WRITE pending */
    uint8_t *mem;                /* 2 * HTTP_STREAM_CHUNK bytes, or NULL */
};

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
    struct http_file file;       /* the file being served from service/fs */
    bool open_queued;            /* OPENING, waiting for room among the OPENs in flight */
    struct http_conn *open_next; /* the next one waiting */
    struct http_stream st;       /* its body, while STREAMING */
    bool upload_path;            /* the request's path is an upload's fs path (never cached) */
    bool body_unread;            /* a PUT refused or failed before its body was all read */
    struct http_put put;         /* a PUT or DELETE, while PUTTING (and a stale call after it) */
    uint8_t *in; /* HTTP_IN_SIZE bytes; allocated with the slot's first connection, then kept */
    char *out;   /* HTTP_OUT_SIZE bytes, likewise */
};

/* Counters since start (the index page shows some). */
struct http_stats {
    uint64_t accepted;  /* connections served */
    uint64_t rejected;  /* answered 503 */
    uint64_t dropped;   /* closed at once (no slot though the listener was paused, or loop error) */
    uint64_t pauses;    /* times the listener was taken off the loop */
    uint64_t requests;  /* responses started, errors included */
    uint64_t timeouts;  /* connections ended by a timeout */
    uint64_t files;     /* file responses from service/fs (200, 206, 304) */
    uint64_t streamed;  /* of which streamed (larger than the prefetch) */
    uint64_t fs_errors; /* fs OPENs or READs that failed (not found included) */
};

/* The copies of small files (filecache.h), made at the first one kept; valid for one root. */
struct http_server_cache {
    struct http_cache *files; /* NULL until a file is kept (or when memory was short then) */
    unsigned readies;         /* fs.readies when the copies were made */
};

struct http_server {
    struct loop *loop;
    handle_t listener;    /* 0 until http_server_listen */
    bool paused;          /* the listener is off the loop: both pools are full */
    bool listener_closed; /* tcpip closed it: loop_run has been stopped */
    const void *initfs;
    size_t initfs_size;
    struct http_fs fs;                       /* the document root in service/fs, if any */
    struct http_file_opens opens;            /* the OPENs in flight on the root's node */
    struct http_conn *open_head, *open_tail; /* connections waiting to send their OPEN, in order */
    unsigned streams;   /* connections holding chunk buffers (at most HTTP_STREAMS_MAX) */
    unsigned active;    /* connections in conns[0, HTTP_CONN_MAX) */
    unsigned rejecting; /* in conns[HTTP_CONN_MAX, ...) */
    struct http_stats stats;
    struct http_server_cache cache;
    struct http_upload_conf upload; /* PUT and DELETE (off unless the manifest says: upload.h) */
    struct http_put_pool puts;      /* what the uploads share */
    struct http_conn conns[HTTP_CONN_MAX + HTTP_REJECT_MAX];
};

/* Prepares the server: no connections; files come from service/fs once http_fs_start(&s->fs, ..)
 * found it, else from the initfs archive (may be NULL, 0). */
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
