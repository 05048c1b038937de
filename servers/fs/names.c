/* names.c: unlink, rmdir and rename on a session or a directory node (names.h). */
#include "names.h"

#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

/* The paths of one call: the old (or only) one, then rename's new one. */
static char names_path[2][FS_PATH_MAX];

/* Whether the call is one of ours; see names.h. */
bool names_is_call(const char *name)
{
    return strcmp(name, FS_ATTR_UNLINK) == 0 || strcmp(name, FS_ATTR_RMDIR) == 0 ||
           strcmp(name, FS_ATTR_RENAME) == 0;
}

/* Copies the path in m's buffer i into names_path[i]: its length, or the error. */
static long names_read_path(handle_t ch, const struct warp_msg *m, unsigned i)
{
    long len = msg_get_buf(m, i, BUF_READ);
    if (len < 0)
        return len;
    if (len == 0)
        return ERR_INVALID_ARG;
    if (len > FS_PATH_MAX)
        return ERR_NAME_TOO_LONG;
    long r = warp_call_read(ch, m->call_id, i, 0, names_path[i], (size_t)len);
    return r < 0 ? r : r == len ? len : ERR_BAD_ADDRESS;
}

/* The call; see names.h. */
int names_call(struct vfs *v, handle_t ch, const struct warp_msg *m, const struct vfs_node *base,
               const char *name, const char *value)
{
    bool rename = strcmp(name, FS_ATTR_RENAME) == 0;
    bool noreplace = rename && strcmp(value, FS_RENAME_NOREPLACE) == 0;
    if (m->nbufs != (rename ? 2 : 1) || (value[0] != '\0' && !noreplace))
        return ERR_INVALID_ARG;
    long olen = names_read_path(ch, m, 0);
    long nlen = rename && olen > 0 ? names_read_path(ch, m, 1) : 0;
    if (olen < 0 || nlen < 0)
        return (int)(olen < 0 ? olen : nlen);
    if (rename)
        return vfs_rename(v, base, names_path[0], (size_t)olen, names_path[1], (size_t)nlen, !noreplace);
    return vfs_remove(v, base, names_path[0], (size_t)olen, strcmp(name, FS_ATTR_RMDIR) == 0);
}
