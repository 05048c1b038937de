/* put.h: a connection's PUT or DELETE under the upload prefix, carried out through service/fs. */
#pragma once

#include <warp/ipc.h>
#include <warp/loop.h>
#include <warp/proto/fs.h>

/*
 * A PUT of /uploads/a/b.txt (upload.h maps it to dir/a/b.txt) runs these fs calls, one at a time,
 * each under HTTP_PUT_FS_TIMEOUT_NS (the body's READs under HTTP_PUT_TIMEOUT_NS):
 *
 *   MKDIR   OPEN(FS_O_CREATE | FS_O_DIRECTORY, 0777) of each directory on the way, dir's own
 *           components included (an existing one just opens); the node is closed at once
 *   TEMP    OPEN(FS_O_WRITE | FS_O_CREATE | FS_O_EXCL, 0666) of dir/a/.put-<n>, beside the final name
 *   (100)   with "Expect: 100-continue" and no body bytes yet, the WRITE of "HTTP/1.1 100 Continue":
 *           only now does the client send the body, so every refusal before it costs no upload
 *   BODY    the body's bytes: those already read with the head, then READs from the connection of
 *           up to HTTP_PUT_CHUNK into the upload's buffer, each followed by its WRITE (constant
 *           memory, at most HTTP_PUT_CHUNK <= FS_IO_MAX per WRITE)
 *   SYNC    SETATTR sync= on the temporary file's node, then the node is closed
 *   RENAME  SETATTR rename=noreplace of the temporary file to the final name: 201 Created; if
 *           that name exists (ERR_ALREADY_EXISTS), SETATTR rename= over it: 204 No Content
 *
 * A DELETE is one call: SETATTR unlink= (204; 404 if missing, 409 for a directory).
 *
 * Only after RENAME does the final name change, and then in one step: a reader sees the old bytes
 * or the new ones, never a mix or a prefix. A body cut short (the client's FIN or reset, a
 * timeout) or an fs error ends the upload: the temporary file is unlinked (a SETATTR sent and not
 * waited for) and the final name is untouched.
 *
 * The calls on the session (MKDIR, TEMP, RENAME, the unlinks) read their paths from our memory
 * while they are pending, and cannot be taken back. One given up (the connection ended) is
 * remembered as stale: the connection's slot is not reused (http_put_busy) and the upload's
 * memory not freed until its reply comes, or the session is gone (fs restarted: its copies fail).
 */
#define HTTP_PUT_CHUNK (64u << 10)            /* bytes of one READ from the client and of its WRITE to fs */
#define HTTP_PUTS_MAX 8                       /* uploads at once (each holds HTTP_PUT_CHUNK); more: 503 */
#define HTTP_PUT_TIMEOUT_NS 10000000000ull    /* each READ of the body */
#define HTTP_PUT_FS_TIMEOUT_NS 60000000000ull /* each fs call: a commit to a database may take a while */
_Static_assert(HTTP_PUT_CHUNK <= FS_IO_MAX, "one WRITE per chunk");

struct http_fs;

/* What the uploads of one server share: the loop, service/fs, how many hold memory. */
struct http_put_pool {
    struct loop *loop;
    struct http_fs *fs; /* its session carries the name calls; its reconnects date stale calls */
    unsigned count;     /* uploads holding their memory (at most HTTP_PUTS_MAX) */
    unsigned seq;       /* numbers the temporary files */
};

/* The upload is over: answer status (keep-alive unless close); status 0: end the connection now
 * (the body was cut short, or the time is up). */
typedef void (*http_put_fn)(void *ctx, int status, bool close);

/* A PUT or DELETE, as its connection gives it. */
struct http_put_req {
    bool is_put;
    const char *path; /* the final fs path (path_len bytes): must stay valid until the answer */
    size_t path_len;
    uint64_t content_length;
    const uint8_t *head; /* body bytes read with the header block (at most content_length) */
    size_t head_len;
    handle_t ch;          /* the client's connection: the rest of the body is READ from it */
    bool expect_continue; /* send "100 Continue" before READing the body (none came with the head) */
};

enum http_put_step {
    HTTP_PUT_IDLE,
    HTTP_PUT_MKDIR,
    HTTP_PUT_TEMP,
    HTTP_PUT_CONTINUE,   /* the WRITE of "100 Continue" to the client is pending */
    HTTP_PUT_BODY_READ,  /* a READ from the client is pending */
    HTTP_PUT_BODY_WRITE, /* a WRITE to the temporary file is pending */
    HTTP_PUT_SYNC,
    HTTP_PUT_RENAME_NEW, /* rename=noreplace */
    HTTP_PUT_RENAME,     /* rename= over the existing name */
    HTTP_PUT_DELETE,
};

/* What an upload holds while it runs: the temporary file's path and the body's buffer. */
struct http_put_mem {
    char temp[FS_PATH_MAX + 1];
    uint8_t chunk[HTTP_PUT_CHUNK];
};

struct http_put {
    struct http_put_pool *pool;
    http_put_fn fn;
    void *ctx;
    struct loop_timeout timeout; /* per step: HTTP_PUT_TIMEOUT_NS or HTTP_PUT_FS_TIMEOUT_NS */
    enum http_put_step step;
    struct http_put_mem *mem; /* NULL when idle and nothing stale */
    bool is_put;
    const char *path;
    size_t path_len;
    const uint8_t *head; /* body bytes from the header block's READ not written yet */
    size_t head_len;
    handle_t ch;
    handle_t node;    /* the temporary file's node channel, 0 if none */
    size_t mkdir_len; /* the directory being made: path[0, mkdir_len) */
    size_t temp_len;
    uint64_t left, off;   /* body bytes still to come; the next WRITE's offset */
    size_t chunk_len;     /* bytes of the pending WRITE */
    uint64_t call;        /* the call whose reply we want, 0 if none */
    uint64_t stale;       /* a session call given up: mem is fs's to read until its reply */
    unsigned call_epoch;  /* fs's reconnects when the last session call went (stale's too) */
    bool temp_made;       /* the temporary file exists: unlink it if we give up */
    bool expect_continue; /* "100 Continue" is still to be sent before the first READ */
};

/* Prepares p (idle); fn(ctx, ...) hears how each upload ends. */
void http_put_init(struct http_put *p, struct http_put_pool *pool, http_put_fn fn, void *ctx);

/* Starts a PUT or DELETE (the caller checked method, token, path and size). Its end comes through
 * fn, perhaps before this returns. */
void http_put_start(struct http_put *p, const struct http_put_req *r);

/* Gives up the upload (its connection ends): the node closed, the temporary file unlinked; fn is
 * not called. */
void http_put_abort(struct http_put *p);

/* True while a session call given up may still read the upload's memory: the slot waits. */
bool http_put_busy(struct http_put *p);
