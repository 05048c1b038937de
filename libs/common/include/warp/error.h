/* error.h: the one error space shared by kernel and user space. */
#pragma once

/*
 * Every fallible function returns a value >= 0 or one of these negative codes.
 * The list is an X-macro so that the codes and err_str() never drift apart.
 */
#define WARP_ERRORS(X)                                            \
    X(ERR_INVALID_ARG, -1, "invalid argument")                    \
    X(ERR_BAD_ADDRESS, -2, "bad user address")                    \
    X(ERR_NO_MEMORY, -3, "out of memory")                         \
    X(ERR_NOT_FOUND, -4, "not found")                             \
    X(ERR_BAD_SYSCALL, -5, "unknown system call")                 \
    X(ERR_TOO_LARGE, -6, "too large")                             \
    X(ERR_BAD_FORMAT, -7, "malformed data")                       \
    X(ERR_PERMISSION, -8, "permission denied")                    \
    X(ERR_NO_RESOURCES, -9, "table full")                         \
    X(ERR_BAD_HANDLE, -10, "bad handle")                          \
    X(ERR_WRONG_TYPE, -11, "wrong object type")                   \
    X(ERR_WOULD_BLOCK, -12, "would block")                        \
    X(ERR_PEER_CLOSED, -13, "peer closed")                        \
    X(ERR_ALREADY_EXISTS, -14, "already exists")                  \
    X(ERR_NOT_SUPPORTED, -15, "not supported")                    \
    X(ERR_TIMED_OUT, -16, "timed out")                            \
    X(ERR_DOUBLE_FREE, -17, "freed twice")                        \
    X(ERR_QUEUE_FULL, -18, "queue full")                          \
    X(ERR_NO_RIGHTS, -19, "handle lacks the right")               \
    X(ERR_INTERRUPTED, -20, "interrupted: the process is ending") \
    X(ERR_LIMIT, -21, "over its quota")                           \
    X(ERR_IO, -22, "device I/O error")                            \
    X(ERR_NOT_DIR, -23, "not a directory")                        \
    X(ERR_IS_DIR, -24, "is a directory")                          \
    X(ERR_NAME_TOO_LONG, -25, "name too long")                    \
    X(ERR_LOOP, -26, "too many symbolic links")                   \
    X(ERR_READ_ONLY, -27, "read-only file system")                \
    X(ERR_NOT_EMPTY, -28, "directory not empty")                  \
    X(ERR_BAD_STATE, -29, "not in the state the call needs")      \
    X(ERR_REFUSED, -30, "connection refused")                     \
    X(ERR_CROSS_DEVICE, -31, "not within one file system")

enum warp_error {
#define WARP_ERROR_ENUM(name, value, text) name = (value),
    WARP_ERRORS(WARP_ERROR_ENUM)
#undef WARP_ERROR_ENUM
};

/* Lowest (most negative) defined error code. */
#define ERR_MIN (-31)

/* Human-readable text for an error code; "success" for 0, "unknown error" otherwise. */
const char *err_str(long err);

/* True when a return value is an error code. */
#define IS_ERR(v) ((long)(v) < 0)
