/* fsfile.h: one file of service/fs read through the loop: OPEN with a prefetch, READs, close. */
#pragma once

#include <warp/ipc.h>
#include <warp/loop.h>
#include <warp/proto/fs.h>

/*
 * A struct http_file lives as long as the connection slot that holds it (never freed), so a reply
 * may safely arrive after its request was given up: http_file_close forgets the OPEN in flight
 * (its reply's node channel is closed when it comes; until then http_file_busy says its prefetch
 * buffer may still be written) and closes the node, which drops a pending READ. At most one OPEN and one READ are answered at a time; a stale OPEN reply is told apart by
 * its call id.
 *
 * The buffers given to OPEN (prefetch) and READ must stay valid until their callback runs or
 * http_file_close; after http_file_close the fs server can no longer write into them (its copies
 * fail once our end of the node channel is closed, or the call is answered).
 */

struct http_file;

/*
 * The OPENs in flight on one directory channel, shared by the files that OPEN through it: the
 * kernel lets a channel end have at most CALLS_MAX unanswered calls (and fs's end hold MSG_QUEUE_MAX
 * messages), so at most HTTP_FILE_OPENS_MAX are sent at once; http_file_open refuses more with
 * ERR_QUEUE_FULL, and on_free (if set) hears each answer, the stale ones included, when another
 * may go.
 */
#define HTTP_FILE_OPENS_MAX 48
struct http_file_opens {
    unsigned inflight;
    void (*on_free)(void *ctx);
    void *ctx;
};

/* An OPEN or READ finished: result is bytes (prefetched by OPEN, read by READ) or an ERR_*. */
typedef void (*http_file_fn)(struct http_file *f, long result, void *ctx);

struct http_file {
    struct loop *loop;
    struct http_file_opens *opens; /* the OPENs in flight that this file's count among */
    handle_t node;                 /* the open file's node channel, 0 if none */
    bool node_on_loop;             /* node is registered (needed for READs) */
    uint64_t open_call;            /* the OPEN whose reply we want (0: none) */
    uint64_t stale_call; /* an OPEN given up before its reply: its prefetch buffer may still be written */
    size_t prefetch_len; /* the prefetch buffer's size: a larger status is a broken reply */
    size_t read_len;     /* the pending READ's size, 0 if none */
    http_file_fn fn;
    void *ctx;
    struct fs_attr attr; /* from the OPEN reply */
};

/* Prepares f (nothing open); its OPENs count in opens. */
void http_file_init(struct http_file *f, struct loop *l, struct http_file_opens *opens);

/*
 * OPENs path (len bytes, relative to the directory node dir) for reading; up to prefetch_len first
 * bytes go to prefetch (NULL: none). fn gets the bytes prefetched, with f->node and f->attr set,
 * or the error (ERR_NOT_FOUND, ERR_PERMISSION, ... ERR_PEER_CLOSED when fs went away, ERR_BAD_FORMAT
 * for a broken reply). Any file open before is closed first. Returns 0, ERR_QUEUE_FULL when
 * HTTP_FILE_OPENS_MAX are in flight, or loop_call's error (fn is then never called).
 */
long http_file_open(struct http_file *f, handle_t dir, const char *path, size_t len, void *prefetch,
                    size_t prefetch_len, http_file_fn fn, void *ctx);

/* READs up to len (at most FS_IO_MAX) bytes at offset into buf; fn gets the count or an error.
 * Returns 0, or an error (fn is then never called). */
long http_file_read(struct http_file *f, uint64_t offset, void *buf, size_t len, http_file_fn fn, void *ctx);

/* Closes the node and forgets any OPEN or READ in flight (their callbacks never run). An OPEN in
 * flight becomes stale: see http_file_busy. */
void http_file_close(struct http_file *f);

/* True while an OPEN given up has not been answered: the fs server may still copy into the prefetch
 * buffer it was given, so that buffer must not be used for anything else yet. */
bool http_file_busy(const struct http_file *f);
