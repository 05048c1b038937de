/* names.c: fstest's checks of the name calls (SETATTR unlink=, rmdir=, rename= on a session or a
 * directory node) and of sync=, with every refusal. */
#include "ft.h"

#include <warp/msg.h>
#include <warp/string.h>
#include <warp/tap.h>
#include <warp/user.h>

/* SETATTR attr=value on ch with one path (b empty: none) or two. */
static long ft_name_call(handle_t ch, const char *attr, const char *value, const char *a, const char *b)
{
    struct warp_msg m;
    msg_setattr(&m, attr, value);
    msg_add_buf(&m, a, strlen(a), BUF_READ);
    if (b[0])
        msg_add_buf(&m, b, strlen(b), BUF_READ);
    return ft_raw(ch, &m);
}

/* Makes file path on session s holding text: the status. */
static long ft_put(handle_t s, const char *path, const char *text)
{
    handle_t n;
    long r =
        ft_open_len(s, path, strlen(path), FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC, 0666, NULL, 0, &n, NULL);
    if (r < 0)
        return r;
    r = ft_write(n, 0, text, strlen(text));
    ft_close(n);
    return r;
}

/* Whether path opens on s (1), is missing (0), or something else (the error). */
static long ft_exists(handle_t s, const char *path)
{
    long r = ft_open(s, path, 0, NULL, NULL);
    return r == 0 ? 1 : r == ERR_NOT_FOUND ? 0 : r;
}

/* Renames, removals and their refusals, on the session and relative to a directory node. */
static void ft_names_tmp(handle_t s)
{
    handle_t d, f;
    ft_open_len(s, "/tmp/n", 6, FS_O_CREATE | FS_O_DIRECTORY, 0777, NULL, 0, NULL, NULL);
    tap_eq(ft_put(s, "/tmp/n/a", "alpha"), 5, "a file to rename");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, "", "/tmp/n/a", "/tmp/n/b"), 0, "rename= /tmp/n/a to /tmp/n/b");
    tap_ok(ft_exists(s, "/tmp/n/a") == 0 && ft_exists(s, "/tmp/n/b") == 1, "only the new name is there");
    tap_eq(ft_put(s, "/tmp/n/c", "gamma"), 5, "a second file");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, FS_RENAME_NOREPLACE, "/tmp/n/c", "/tmp/n/b"), ERR_ALREADY_EXISTS,
           "rename=noreplace onto a name: ERR_ALREADY_EXISTS");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, "", "/tmp/n/c", "/tmp/n/b"), 0, "rename= over it replaces it");
    long r = ft_open_len(s, "/tmp/n/b", 8, FS_O_READ, 0, ft_buf, 16, NULL, NULL);
    tap_ok(r == 5 && memcmp(ft_buf, "gamma", 5) == 0, "the name holds the moved file's bytes");
    tap_eq(ft_open_len(s, "/tmp/n", 6, FS_O_DIRECTORY, 0, NULL, 0, &d, NULL), 0, "OPEN /tmp/n");
    tap_eq(ft_name_call(d, FS_ATTR_RENAME, "", "b", "e"), 0, "rename= relative to the directory node");
    tap_eq(ft_open(s, "/tmp/n/e", FS_O_READ | FS_O_WRITE, &f, NULL), 0, "OPEN the file");
    tap_eq(ft_name_call(d, FS_ATTR_UNLINK, "", "e", ""), 0, "unlink= of the open file");
    tap_eq(ft_read(f, 0, ft_buf, 16), 5, "it still reads through its node");
    tap_eq(ft_write(f, 5, "!", 1), 1, "and writes");
    tap_eq(ft_exists(s, "/tmp/n/e"), 0, "its name is gone");
    ft_close(f);
    ft_open_len(s, "/tmp/n/sub", 10, FS_O_CREATE | FS_O_DIRECTORY, 0777, NULL, 0, NULL, NULL);
    tap_eq(ft_put(s, "/tmp/n/sub/x", "x"), 1, "a file in a subdirectory");
    tap_eq(ft_name_call(d, FS_ATTR_RMDIR, "", "sub", ""), ERR_NOT_EMPTY, "rmdir= of it: ERR_NOT_EMPTY");
    tap_eq(ft_name_call(d, FS_ATTR_UNLINK, "", "sub", ""), ERR_IS_DIR, "unlink= of a directory: ERR_IS_DIR");
    tap_eq(ft_name_call(d, FS_ATTR_RMDIR, "", "sub/x", ""), ERR_NOT_DIR, "rmdir= of a file: ERR_NOT_DIR");
    tap_eq(ft_name_call(d, FS_ATTR_RENAME, "", "sub", "sub/in"), ERR_INVALID_ARG,
           "a directory renamed into itself: ERR_INVALID_ARG");
    tap_eq(ft_name_call(d, FS_ATTR_UNLINK, "", "sub/x", ""), 0, "unlink= sub/x");
    tap_eq(ft_name_call(d, FS_ATTR_RMDIR, "", "sub", ""), 0, "rmdir= of the empty directory");
    tap_eq(ft_name_call(d, FS_ATTR_UNLINK, "", "nothing", ""), ERR_NOT_FOUND,
           "unlink= of nothing: ERR_NOT_FOUND");
    ft_close(d);
}

/* What no client may change, and malformed name calls. */
static void ft_names_refused(handle_t s)
{
    struct warp_msg m;
    handle_t f;
    tap_eq(ft_name_call(s, FS_ATTR_RMDIR, "", "/tmp", ""), ERR_PERMISSION,
           "rmdir= of a mount point: ERR_PERMISSION");
    tap_eq(ft_name_call(s, FS_ATTR_RMDIR, "", "/", ""), ERR_PERMISSION, "rmdir= of the root: ERR_PERMISSION");
    tap_eq(ft_put(s, "/tmp/n/y", "y"), 1, "a file for the refusals");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, "", "/tmp/n/y", "/y"), ERR_CROSS_DEVICE,
           "rename= to another mount: ERR_CROSS_DEVICE");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, "", "/tmp/n/y", ""), ERR_INVALID_ARG,
           "rename= with one path: ERR_INVALID_ARG");
    tap_eq(ft_name_call(s, FS_ATTR_UNLINK, "", "/tmp/n/y", "/tmp/n/z"), ERR_INVALID_ARG,
           "unlink= with two paths: ERR_INVALID_ARG");
    tap_eq(ft_name_call(s, FS_ATTR_UNLINK, "now", "/tmp/n/y", ""), ERR_INVALID_ARG,
           "unlink= with a value: ERR_INVALID_ARG");
    tap_eq(ft_name_call(s, FS_ATTR_RENAME, "sideways", "/tmp/n/y", "/tmp/n/z"), ERR_INVALID_ARG,
           "rename= with an unknown value: ERR_INVALID_ARG");
    msg_setattr(&m, FS_ATTR_UNLINK, "");
    msg_add_buf(&m, ft_buf, 8, BUF_WRITE);
    tap_eq(ft_raw(s, &m), ERR_PERMISSION, "unlink= with a path it may not read: ERR_PERMISSION");
    msg_setattr(&m, FS_ATTR_UNLINK, "");
    msg_add_buf(&m, ft_buf, 0, BUF_READ);
    tap_eq(ft_raw(s, &m), ERR_INVALID_ARG, "unlink= with an empty path: ERR_INVALID_ARG");
    msg_setattr(&m, FS_ATTR_UNLINK, "");
    msg_add_buf(&m, ft_buf, FS_PATH_MAX + 1, BUF_READ);
    tap_eq(ft_raw(s, &m), ERR_NAME_TOO_LONG, "unlink= with a path past FS_PATH_MAX: ERR_NAME_TOO_LONG");
    msg_setattr(&m, "colour", "red");
    tap_eq(ft_raw(s, &m), ERR_NOT_FOUND, "SETATTR of an unknown name on a session: ERR_NOT_FOUND");
    tap_eq(ft_open(s, "/tmp/n/y", FS_O_READ, &f, NULL), 0, "OPEN the file");
    tap_eq(ft_name_call(f, FS_ATTR_UNLINK, "", "y", ""), ERR_NOT_DIR,
           "unlink= on a file's node: ERR_NOT_DIR");
    msg_setattr(&m, FS_ATTR_SYNC, "");
    tap_eq(ft_raw(f, &m), 0, "sync= on a tmpfs file");
    msg_setattr(&m, FS_ATTR_SYNC, "later");
    tap_eq(ft_raw(f, &m), ERR_INVALID_ARG, "sync= with a value: ERR_INVALID_ARG");
    ft_close(f);
    tap_eq(ft_name_call(s, FS_ATTR_UNLINK, "", "/tmp/n/y", ""), 0, "unlink= /tmp/n/y");
    tap_eq(ft_name_call(s, FS_ATTR_RMDIR, "", "/tmp/n/", ""), 0, "rmdir= /tmp/n/ (a trailing slash)");
}

/* Every name call; see ft.h. */
void ft_names(handle_t s)
{
    ft_names_tmp(s);
    ft_names_refused(s);
}
