/* lxfd.c: descriptor tables, open file descriptions and pipe rings (pure; docs/linux-compat.md). */
#include "lxfd.h"

#include <warp/string.h>

#include "lxabi.h"

struct lxfile *lxfile_new(struct lxfilepool *pool, uint32_t kind, uint32_t flags)
{
    for (uint32_t i = 0; i < LXFILE_MAX; i++) {
        struct lxfile *f = &pool->files[i];
        if (f->refs == 0) {
            memset(f, 0, sizeof(*f));
            f->refs = 1;
            f->kind = kind;
            f->flags = flags;
            return f;
        }
    }
    return NULL;
}

void lxfile_get(struct lxfile *f)
{
    f->refs++;
}

bool lxfile_put(struct lxfile *f)
{
    return --f->refs == 0;
}

void lxfile_free(struct lxfile *f)
{
    memset(f, 0, sizeof(*f));
}

void lxfd_init(struct lxfdtab *t)
{
    memset(t, 0, sizeof(*t));
}

struct lxfile *lxfd_get(const struct lxfdtab *t, uint64_t fd)
{
    /* Linux takes an int for most calls and an unsigned int for some: either way a value past the
     * table is no descriptor. */
    uint32_t n = (uint32_t)fd;
    return n < LXFD_MAX ? t->fd[n] : NULL;
}

bool lxfd_cloexec(const struct lxfdtab *t, uint32_t fd)
{
    return fd < LXFD_MAX && (t->cloexec[fd / 8] >> (fd % 8)) & 1;
}

void lxfd_set_cloexec(struct lxfdtab *t, uint32_t fd, bool on)
{
    if (fd >= LXFD_MAX)
        return;
    if (on)
        t->cloexec[fd / 8] |= (uint8_t)(1u << (fd % 8));
    else
        t->cloexec[fd / 8] &= (uint8_t) ~(1u << (fd % 8));
}

void lxfd_install_at(struct lxfdtab *t, uint32_t fd, struct lxfile *f, bool cloexec)
{
    lxfile_get(f);
    t->fd[fd] = f;
    lxfd_set_cloexec(t, fd, cloexec);
}

int64_t lxfd_install(struct lxfdtab *t, uint64_t min, struct lxfile *f, bool cloexec)
{
    if (min >= LXFD_MAX)
        return -LX_EINVAL;
    for (uint32_t fd = (uint32_t)min; fd < LXFD_MAX; fd++) {
        if (!t->fd[fd]) {
            lxfd_install_at(t, fd, f, cloexec);
            return fd;
        }
    }
    return -LX_EMFILE;
}

struct lxfile *lxfd_take(struct lxfdtab *t, uint64_t fd)
{
    struct lxfile *f = lxfd_get(t, fd);
    if (f) {
        t->fd[(uint32_t)fd] = NULL;
        lxfd_set_cloexec(t, (uint32_t)fd, false);
    }
    return f;
}

uint32_t lxfd_count(const struct lxfdtab *t)
{
    uint32_t n = 0;
    for (uint32_t fd = 0; fd < LXFD_MAX; fd++)
        n += t->fd[fd] != NULL;
    return n;
}

void lxpipe_init(struct lxpipe *p, uint8_t *buf)
{
    memset(p, 0, sizeof(*p));
    p->buf = buf;
}

uint32_t lxpipe_space(const struct lxpipe *p)
{
    return LXPIPE_SIZE - p->len;
}

uint32_t lxpipe_put(struct lxpipe *p, const void *data, uint32_t n)
{
    const uint8_t *d = data;
    if (n > lxpipe_space(p))
        n = lxpipe_space(p);
    uint32_t tail = (p->head + p->len) % LXPIPE_SIZE;
    uint32_t first = n < LXPIPE_SIZE - tail ? n : LXPIPE_SIZE - tail;
    memcpy(p->buf + tail, d, first);
    memcpy(p->buf, d + first, n - first);
    p->len += n;
    return n;
}

uint32_t lxpipe_get(struct lxpipe *p, void *out, uint32_t n)
{
    uint8_t *o = out;
    if (n > p->len)
        n = p->len;
    uint32_t first = n < LXPIPE_SIZE - p->head ? n : LXPIPE_SIZE - p->head;
    memcpy(o, p->buf + p->head, first);
    memcpy(o + first, p->buf, n - first);
    p->head = (p->head + n) % LXPIPE_SIZE;
    p->len -= n;
    return n;
}
