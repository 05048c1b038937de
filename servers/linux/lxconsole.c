/* lxconsole.c: the console streams of a Linux process: bytes written to fds 1 and 2 at its start
 * go to the log a line at a time, as "NAME/1: text" and "NAME/2: text". */
#include "lxconsole.h"

#include <warp/string.h>
#include <warp/user.h>

#include "lxsys.h"

/* Logs stream's collected line as "NAME/fd: text" in one console write (any byte, NUL included,
 * goes out as the console shows it) and empties it. */
static void lxconsole_emit(struct lxproc *p, uint32_t stream)
{
    struct lxout *o = &p->leader->out[stream - 1];
    char line[LXCONF_NAME_MAX + 4 + LXPROC_LINE_MAX + 1];
    size_t n = strlen(p->name);
    memcpy(line, p->name, n);
    line[n++] = '/';
    line[n++] = (char)('0' + stream);
    line[n++] = ':';
    line[n++] = ' ';
    memcpy(line + n, o->buf, o->len);
    n += o->len;
    line[n++] = '\n';
    warp_console_write(line, n);
    o->len = 0;
}

/* Adds n bytes to a stream: each whole line goes to the log (a line past LXPROC_LINE_MAX in pieces). */
void lxconsole_put(struct lxproc *p, uint32_t stream, const char *data, uint64_t n)
{
    struct lxout *o = &p->leader->out[stream - 1];
    for (uint64_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            lxconsole_emit(p, stream);
            continue;
        }
        o->buf[o->len++] = data[i];
        if (o->len == LXPROC_LINE_MAX)
            lxconsole_emit(p, stream);
    }
}

void lxconsole_flush(struct lxproc *p, uint32_t stream)
{
    if (stream >= 1 && stream <= 2 && p->leader->out[stream - 1].len > 0)
        lxconsole_emit(p, stream);
}

void lxsys_flush(struct lxproc *p)
{
    lxconsole_flush(p, 1);
    lxconsole_flush(p, 2);
}
