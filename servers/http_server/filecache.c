/* filecache.c: small files of the read-only disk mount kept by path, least recently used dropped. */
#include "filecache.h"

#include <warp/malloc.h>
#include <warp/string.h>

/* FNV-1a of the path, folded onto the buckets. */
static unsigned cache_bucket(const char *path, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)path[i]) * 16777619u;
    return h & (HTTP_CACHE_BUCKETS - 1);
}

/* Takes slot i out of the recency list. */
static void cache_unlink(struct http_cache *c, int16_t i)
{
    struct http_cache_slot *s = &c->slots[i];
    if (s->newer >= 0)
        c->slots[s->newer].older = s->older;
    else
        c->newest = s->older;
    if (s->older >= 0)
        c->slots[s->older].newer = s->newer;
    else
        c->oldest = s->newer;
    s->newer = s->older = -1;
}

/* Puts slot i at the recent end of the list. */
static void cache_push(struct http_cache *c, int16_t i)
{
    struct http_cache_slot *s = &c->slots[i];
    s->newer = -1;
    s->older = c->newest;
    if (c->newest >= 0)
        c->slots[c->newest].newer = i;
    else
        c->oldest = i;
    c->newest = i;
}

/* The slot holding path, or -1; *link is where the chain points at it (for removal). */
static int16_t cache_lookup(struct http_cache *c, const char *path, size_t len, int16_t **link)
{
    int16_t *at = &c->buckets[cache_bucket(path, len)];
    while (*at >= 0) {
        struct http_cache_slot *s = &c->slots[*at];
        if (s->path_len == len && memcmp(s->path, path, len) == 0) {
            *link = at;
            return *at;
        }
        at = &s->next;
    }
    return -1;
}

/* Drops the copy in slot i: out of its chain and the list, its block freed. */
static void cache_drop(struct http_cache *c, int16_t i)
{
    struct http_cache_slot *s = &c->slots[i];
    int16_t *link;
    if (cache_lookup(c, s->path, s->path_len, &link) == i)
        *link = s->next;
    cache_unlink(c, i);
    c->bytes -= s->len;
    free(s->data);
    s->data = NULL;
}

void http_cache_init(struct http_cache *c)
{
    memset(c, 0, sizeof(*c));
    memset(c->buckets, 0xff, sizeof(c->buckets));
    c->newest = c->oldest = -1;
}

void http_cache_clear(struct http_cache *c)
{
    for (int16_t i = 0; i < HTTP_CACHE_SLOTS; i++)
        free(c->slots[i].data);
    http_cache_init(c);
}

bool http_cache_find(struct http_cache *c, const char *path, size_t len, struct http_cached *out)
{
    int16_t *link;
    int16_t i = len <= HTTP_CACHE_PATH_MAX ? cache_lookup(c, path, len, &link) : -1;
    if (i < 0) {
        c->misses++;
        return false;
    }
    struct http_cache_slot *s = &c->slots[i];
    cache_unlink(c, i);
    cache_push(c, i);
    c->hits++;
    *out = (struct http_cached){.attr = s->attr, .len = s->len, .data = s->data};
    return true;
}

bool http_cache_put(struct http_cache *c, const char *path, size_t len, const struct fs_attr *attr,
                    const void *data, size_t data_len)
{
    if (len == 0 || len > HTTP_CACHE_PATH_MAX || attr->type != FS_TYPE_FILE || attr->size != data_len ||
        data_len > HTTP_CACHE_FILE_MAX)
        return false;
    int16_t *link;
    int16_t old = cache_lookup(c, path, len, &link);
    if (old >= 0)
        cache_drop(c, old);
    while (c->oldest >= 0 && c->bytes + data_len > HTTP_CACHE_BYTES) {
        cache_drop(c, c->oldest);
        c->evictions++;
    }
    int16_t i = -1;
    for (int16_t k = 0; k < HTTP_CACHE_SLOTS && i < 0; k++)
        if (!c->slots[k].data)
            i = k;
    if (i < 0) { /* every slot holds a file: the oldest goes */
        i = c->oldest;
        cache_drop(c, i);
        c->evictions++;
    }
    uint8_t *copy = malloc(data_len ? data_len : 1);
    if (!copy)
        return false;
    memcpy(copy, data, data_len);
    struct http_cache_slot *s = &c->slots[i];
    s->data = copy;
    s->attr = *attr;
    s->len = (uint32_t)data_len;
    s->path_len = (uint16_t)len;
    memcpy(s->path, path, len);
    unsigned b = cache_bucket(path, len);
    s->next = c->buckets[b];
    c->buckets[b] = i;
    cache_push(c, i);
    c->bytes += (uint32_t)data_len;
    c->puts++;
    return true;
}
