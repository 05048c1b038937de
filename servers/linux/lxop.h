/* lxop.h: one fs call in flight for a stopped Linux process, and the paths such calls take (lxop.c). */
#pragma once

#include <warp/loop.h>

#include "lxproc.h"
#include "lxsys.h"
#include "lxxfer.h"

/* What an fs call was made for. */
enum lxop_kind {
    LXOP_OPEN,
    LXOP_STAT,
    LXOP_ACCESS,
    LXOP_CHDIR,
    LXOP_MKDIR,
    LXOP_READ,
    LXOP_WRITE,
    LXOP_APPEND, /* a GETATTR for an O_APPEND write's offset; the WRITE follows */
    LXOP_FSTAT,
    LXOP_SEEK_END,
    LXOP_GETDENTS,
    LXOP_TRUNCATE,
    LXOP_NAMES, /* unlink, rmdir, rename: a SETATTR on the session or a directory */
    LXOP_SYNC,  /* fsync: SETATTR sync= on the node */
};

/*
 * One fs call in flight for a stopped process. It holds a reference to the description it calls
 * on, so the node channel outlives a process killed meanwhile (closing a channel drops its pending
 * calls unanswered, and this record would leak); the reply finds the process by slot and pid and
 * answers only if it is still the one that asked.
 */
struct lxop {
    struct lxproc *p;
    uint64_t pid, trap;
    uint32_t kind;
    uint32_t arg;        /* open: Linux's flags; access: the mode asked; stat, fstat: 1 for statx's layout */
    bool cloexec;        /* open */
    struct lxfile *file; /* a reference, or NULL (a call on the session) */
    uint64_t uaddr;      /* stat's buffer, getdents64's */
    struct lxxfer x;     /* read: where the bytes go */
    int64_t offset;      /* read, write: where (-1: the description's, which moves); seek: the offset */
    uint64_t at;         /* write: where it goes */
    uint64_t len;        /* bytes of data: a write's, a read's room, a path's */
    uint8_t data[];
};

/* A record for a call of p with extra bytes of data; takes a reference to file (may be NULL). */
struct lxop *lxop_new(struct lxproc *p, uint32_t kind, struct lxfile *file, uint64_t extra);
/* The process op was made for, if it still lives. */
struct lxproc *lxop_proc(const struct lxop *op);
/* Answers op's trap with r (if its process lives; LXSYS_NO_REPLY: not at all) and frees op. */
void lxop_finish(struct lxop *op, int64_t r);
/* Sends m as a call on ch for op; LXSYS_NO_REPLY, or -errno (op freed) if it could not be sent. */
int64_t lxop_call(struct lxop *op, handle_t ch, struct warp_msg *m, loop_msg_fn fn);
/* A SETATTR's reply: op's trap gets 0 or fs's error as errno. */
void lxop_on_status(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx);

/*
 * Reads the path at uaddr for a call relative to dirfd (Linux's int; AT_FDCWD the cwd) into out
 * (LXPATH_MAX + 2 bytes): absolute ones as they are, relative ones joined to the cwd, or left
 * relative to dirfd's directory node. 0 or -errno, in Linux's order (the path first, then dirfd).
 */
int64_t lxpath_get(struct lxproc *p, uint64_t dirfd, uint64_t uaddr, char *out, struct lxpath *res,
                   bool empty_ok);
/* Drops the trailing slashes of a path of len bytes (not the root's); the new length. */
uint32_t lxpath_trim(char *path, uint32_t len);
/* The channel a path's call goes to: the session, or its directory's node (0: none any more). */
handle_t lxpath_channel(const struct lxpath *res);
/* A record for a call on the path at uaddr relative to dirfd: the path in op->data, op->len; the
 * record holds the directory's description. 0 and *out, or -errno. */
int64_t lxop_path(struct lxproc *p, uint32_t kind, uint64_t dirfd, uint64_t uaddr, bool empty_ok,
                  struct lxpath *res, struct lxop **out);
