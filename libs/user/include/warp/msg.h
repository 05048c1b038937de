/* msg.h: building and parsing the predefined messages (OPEN, READ, WRITE, GETATTR, ...). */
#pragma once

#include <warp/error.h>
#include <warp/ipc.h>

/*
 * Pure functions over struct warp_msg: no system calls, so they run in host unit tests too.
 *
 * Text payloads (a URI, an attribute name, "name=value", an attribute's value) travel as data_len
 * bytes of printable ASCII (0x20..0x7e) WITHOUT a terminating NUL. The parsers refuse anything else
 * (data_len > MSG_DATA_MAX, a NUL, a control or non-ASCII byte) with ERR_BAD_FORMAT, and copy the
 * text out NUL-terminated. URIs and attribute names are non-empty and hold no blank; a name holds no
 * '='. Values may be empty and may hold blanks.
 *
 * Requests are built as calls (flags = MSG_CALL, call_id 0: the sender or loop_call picks the id);
 * clear flags for a one-way message. Every builder zeroes the whole message first, so nothing of an
 * earlier message leaks into the next one.
 */

/* Starts an empty message of type with flags: everything else zero. */
void msg_init(struct warp_msg *m, uint32_t type, uint32_t flags);
/* Sets the inline data; ERR_TOO_LARGE if len > MSG_DATA_MAX (m unchanged). */
int msg_set_data(struct warp_msg *m, const void *data, size_t len);
/* Appends handle h to the handles moved with m; ERR_TOO_LARGE if MSG_HANDLES_MAX are there. */
int msg_add_handle(struct warp_msg *m, handle_t h);
/* Appends an out-of-line buffer (BUF_READ and/or BUF_WRITE); ERR_TOO_LARGE if MSG_BUFS_MAX are
 * there, ERR_INVALID_ARG for other access bits. */
int msg_add_buf(struct warp_msg *m, const void *addr, size_t len, uint32_t access);

/* OPEN call with data = uri. ERR_TOO_LARGE if it does not fit, ERR_BAD_FORMAT if it is empty or
 * holds a blank or a non-printable byte. */
int msg_open(struct warp_msg *m, const char *uri);
/* READ call: the receiver fills buf (bufs[0], BUF_WRITE) and replies with the bytes it wrote. */
int msg_read(struct warp_msg *m, void *buf, size_t len);
/* WRITE call: the receiver consumes buf (bufs[0], BUF_READ) and replies with the bytes it took. */
int msg_write(struct warp_msg *m, const void *buf, size_t len);
/* GETATTR call with data = name (non-empty, no blank, no '='). */
int msg_getattr(struct warp_msg *m, const char *name);
/* SETATTR call with data = "name=value"; ERR_TOO_LARGE if that does not fit. */
int msg_setattr(struct warp_msg *m, const char *name, const char *value);
/* CLOSE call, no payload. */
void msg_close(struct warp_msg *m);

/* A reply of type (usually the request's) to call_id with status; no payload yet. */
void msg_reply(struct warp_msg *m, uint32_t type, uint64_t call_id, int64_t status);
/* An ERROR reply: type MSG_ERROR, status err (a negative ERR_*; anything else becomes
 * ERR_INVALID_ARG, so an ERROR reply never reads as success). */
void msg_reply_error(struct warp_msg *m, uint64_t call_id, long err);
/* The reply to OPEN: status 0, handles[0] = h (moved to the caller). */
void msg_reply_open(struct warp_msg *m, uint64_t call_id, handle_t h);
/* A reply of type carrying data (GETATTR's value): status = len. ERR_TOO_LARGE if it does not fit. */
int msg_reply_data(struct warp_msg *m, uint32_t type, uint64_t call_id, const void *data, size_t len);
/* The same, for a text value (GETATTR): ERR_BAD_FORMAT if it is not printable. */
int msg_reply_text(struct warp_msg *m, uint32_t type, uint64_t call_id, const char *text);

/* True if m is a call (expects a reply). */
static inline bool msg_is_call(const struct warp_msg *m)
{
    return (m->flags & MSG_CALL) != 0;
}

/*
 * The outcome of a reply to a request of type want: the ERROR reply's status (a negative ERR_*; a
 * non-negative one is malformed: ERR_BAD_FORMAT), ERR_BAD_FORMAT for a reply of another type or with
 * a negative status, otherwise its status (>= 0).
 */
long msg_result(const struct warp_msg *reply, uint32_t want);

/* Copies a URI (OPEN's data) into out; returns its length. ERR_BAD_FORMAT as above, ERR_TOO_LARGE
 * if out cannot hold it and its NUL. */
int msg_get_uri(const struct warp_msg *m, char *out, size_t size);
/* Copies an attribute name (GETATTR's data) into out; returns its length. */
int msg_get_attr_name(const struct warp_msg *m, char *out, size_t size);
/* Splits SETATTR's "name=value" at the first '=' into name and value (both NUL-terminated);
 * returns the value's length. ERR_BAD_FORMAT without '=' or with a bad name or value. */
int msg_get_setattr(const struct warp_msg *m, char *name, size_t name_size, char *value, size_t value_size);
/* Copies printable text (a GETATTR reply's value, possibly empty) into out; returns its length. */
int msg_get_text(const struct warp_msg *m, char *out, size_t size);

/*
 * Checks that a received call granted buffer i with the access the receiver needs (BUF_READ to copy
 * from it, BUF_WRITE to copy into it); returns its length. ERR_INVALID_ARG if there is no buffer i,
 * ERR_PERMISSION if it lacks the access.
 */
long msg_get_buf(const struct warp_msg *m, unsigned i, uint32_t access);
