/* cache.c: the page cache under the ext4 reader: hash lookup, LRU eviction, sequential read-ahead (cache.h). */
#include "cache.h"

#include <warp/error.h>
#include <warp/malloc.h>
#include <warp/string.h>

/* Chain of page number pno. */
static struct cache_page **cache_chain(struct cache *c, uint64_t pno)
{
    return &c->hash[(pno * 0x9e3779b97f4a7c15ull) >> (64 - c->hash_bits)];
}

/* The cached page pno, or NULL. */
static struct cache_page *cache_find(struct cache *c, uint64_t pno)
{
    for (struct cache_page *p = *cache_chain(c, pno); p; p = p->hnext)
        if (p->pno == pno)
            return p;
    return NULL;
}

/* Takes p off the LRU list. */
static void cache_lru_unlink(struct cache *c, struct cache_page *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        c->lru_head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        c->lru_tail = p->prev;
    p->prev = p->next = NULL;
}

/* Puts p at the LRU list's head (most recently used). */
static void cache_lru_push(struct cache *c, struct cache_page *p)
{
    p->prev = NULL;
    p->next = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev = p;
    else
        c->lru_tail = p;
    c->lru_head = p;
}

/* Takes p out of its hash chain. */
static void cache_unhash(struct cache *c, struct cache_page *p)
{
    struct cache_page **pp = cache_chain(c, p->pno);
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
}

/* A page to fill: a new one while under the limit, else the least recently used, evicted. NULL
 * only if memory runs out with no page to evict. */
static struct cache_page *cache_page_get(struct cache *c)
{
    struct cache_page *p;
    if (c->npages < c->max_pages) {
        p = malloc(sizeof(*p));
        uint8_t *data = p ? malloc(CACHE_PAGE) : NULL;
        if (data) {
            p->data = data;
            c->npages++;
            return p;
        }
        free(p);
        if (!c->lru_tail)
            return NULL;
    }
    p = c->lru_tail;
    cache_lru_unlink(c, p);
    cache_unhash(c, p);
    c->st.evictions++;
    return p;
}

/* Sets up an empty cache; see cache.h. */
int cache_init(struct cache *c, size_t max_pages, uint64_t dev_size, cache_dev_fn dev_read, void *ctx)
{
    memset(c, 0, sizeof(*c));
    c->dev_read = dev_read;
    c->ctx = ctx;
    c->dev_size = dev_size;
    c->max_pages = max_pages < 2 ? 2 : max_pages;
    c->hash_bits = 1;
    while (((size_t)1 << c->hash_bits) < c->max_pages)
        c->hash_bits++;
    c->hash = calloc((size_t)1 << c->hash_bits, sizeof(*c->hash));
    c->bounce = malloc(CACHE_FETCH_MAX);
    if (!c->hash || !c->bounce) {
        cache_destroy(c);
        return ERR_NO_MEMORY;
    }
    return 0;
}

/* Frees every page and the tables. */
void cache_destroy(struct cache *c)
{
    while (c->lru_head) {
        struct cache_page *p = c->lru_head;
        c->lru_head = p->next;
        free(p->data);
        free(p);
    }
    free(c->hash);
    free(c->bounce);
    for (unsigned i = 0; i < CACHE_ASYNC_MAX; i++) {
        free(c->async[i].buf);
        c->async[i] = (struct cache_async){0};
    }
    c->hash = NULL;
    c->bounce = NULL;
    c->lru_tail = NULL;
    c->npages = 0;
}

/* True if page pno is on its way in a read-ahead fetch. */
static bool cache_in_flight(const struct cache *c, uint64_t pno)
{
    for (unsigned i = 0; i < CACHE_ASYNC_MAX; i++) {
        const struct cache_async *a = &c->async[i];
        if (a->npages && pno >= a->pno && pno - a->pno < a->npages)
            return true;
    }
    return false;
}

/*
 * Caches the n pages from pno on, whose bytes are data (n pages, zeros past the device's end), as
 * fetched by the read gen (0: none); pages cached meanwhile are kept as they are. Pages at or past
 * req_end count as read-ahead. Returns the pages handled, fewer than n only if memory runs out.
 */
static size_t cache_insert(struct cache *c, uint64_t pno, size_t n, const uint8_t *data, uint64_t req_end,
                           uint64_t gen)
{
    for (size_t i = 0; i < n; i++) {
        if (cache_find(c, pno + i))
            continue;
        struct cache_page *p = cache_page_get(c);
        if (!p)
            return i;
        p->pno = pno + i;
        p->fetch_gen = gen;
        memcpy(p->data, data + i * CACHE_PAGE, CACHE_PAGE);
        struct cache_page **chain = cache_chain(c, p->pno);
        p->hnext = *chain;
        *chain = p;
        cache_lru_push(c, p);
        if (p->pno * CACHE_PAGE >= req_end)
            c->st.ra_pages++;
    }
    return n;
}

/*
 * The pages a fetch from page pno (not cached) takes: it and the pages that follow it before ra_end
 * (bytes) that are not cached (nor in flight, for a read-ahead fetch: a read that needs pages now
 * fetches them whether or not a read-ahead has them on their way), at most CACHE_FETCH_MAX bytes
 * and never more than half the cache, so the run cannot evict its own first page.
 */
static size_t cache_run(struct cache *c, uint64_t pno, uint64_t ra_end, bool ahead)
{
    size_t n = 1, most = CACHE_FETCH_MAX / CACHE_PAGE;
    if (most > c->max_pages / 2)
        most = c->max_pages / 2 ? c->max_pages / 2 : 1;
    while (n < most && (pno + n) * CACHE_PAGE < ra_end && !cache_find(c, pno + n) &&
           !(ahead && cache_in_flight(c, pno + n)))
        n++;
    return n;
}

/* Bytes of a run of n pages from pno on that lie on the device. */
static size_t cache_run_bytes(const struct cache *c, uint64_t pno, size_t n)
{
    uint64_t start = pno * CACHE_PAGE;
    return n * CACHE_PAGE > c->dev_size - start ? (size_t)(c->dev_size - start) : n * CACHE_PAGE;
}

/*
 * Fetches page pno (not cached) and the run after it (cache_run), up to ra_end, in one synchronous
 * device read. Pages at or past req_end are read-ahead. Returns the pages fetched or an error.
 */
static long cache_fetch(struct cache *c, uint64_t pno, uint64_t req_end, uint64_t ra_end)
{
    size_t n = cache_run(c, pno, ra_end, false), bytes = cache_run_bytes(c, pno, n);
    int err = c->dev_read(c->ctx, pno * CACHE_PAGE, c->bounce, bytes);
    if (err < 0)
        return err;
    c->st.disk_bytes += bytes;
    memset(c->bounce + bytes, 0, n * CACHE_PAGE - bytes);
    size_t done = cache_insert(c, pno, n, c->bounce, req_end, c->gen);
    return done > 0 ? (long)done : ERR_NO_MEMORY;
}

/*
 * After a sequential read (synchronous device): if the page past its end is not cached, the reader
 * has caught up with what was read ahead, so the window from there to ra_end is fetched now
 * (several device reads).
 */
static void cache_readahead(struct cache *c, uint64_t end, uint64_t ra_end)
{
    uint64_t pno = (end + CACHE_PAGE - 1) / CACHE_PAGE;
    if (pno * CACHE_PAGE >= ra_end || cache_find(c, pno))
        return;
    while (pno * CACHE_PAGE < ra_end) {
        if (cache_find(c, pno)) {
            pno++;
            continue;
        }
        long n = cache_fetch(c, pno, end, ra_end);
        if (n <= 0)
            return; /* read-ahead is a guess: its errors are the later read's to see */
        pno += (uint64_t)n;
    }
}

/* A free read-ahead slot, or NULL. */
static struct cache_async *cache_async_free(struct cache *c)
{
    for (unsigned i = 0; i < CACHE_ASYNC_MAX; i++)
        if (c->async[i].npages == 0)
            return &c->async[i];
    return NULL;
}

/*
 * After a sequential read (asynchronous device): starts fetches of every page of the window from
 * its end to ra_end that is neither cached nor in flight, while read-ahead slots are free. The
 * window is kept full at every read, so the disk works while the server serves.
 */
static void cache_readahead_async(struct cache *c, uint64_t end, uint64_t ra_end)
{
    struct cache_async *a;
    for (uint64_t pno = (end + CACHE_PAGE - 1) / CACHE_PAGE; pno * CACHE_PAGE < ra_end; pno++) {
        if (cache_find(c, pno) || cache_in_flight(c, pno))
            continue;
        if ((a = cache_async_free(c)) == NULL)
            return;
        size_t n = cache_run(c, pno, ra_end, true);
        if (c->dev_start(c->start_ctx, pno * CACHE_PAGE, a->buf, cache_run_bytes(c, pno, n),
                         (unsigned)(a - c->async)) < 0)
            return; /* read-ahead is a guess: the later read fetches what it needs */
        a->pno = pno;
        a->npages = n;
        c->st.disk_bytes += cache_run_bytes(c, pno, n); /* counted when asked, like ra_pages */
        c->st.ra_pages += n;
        pno += n - 1;
    }
}

/* A read-ahead fetch ended; see cache.h. */
void cache_fetch_done(struct cache *c, unsigned tag, int result)
{
    if (tag >= CACHE_ASYNC_MAX || c->async[tag].npages == 0)
        return;
    struct cache_async *a = &c->async[tag];
    if (result == 0) {
        size_t bytes = cache_run_bytes(c, a->pno, a->npages);
        memset(a->buf + bytes, 0, a->npages * CACHE_PAGE - bytes);
        cache_insert(c, a->pno, a->npages, a->buf, UINT64_MAX, 0); /* a read finding them: hits */
    }
    a->npages = 0;
}

/* True if a read-ahead fetch is in flight. */
static bool cache_async_busy(const struct cache *c)
{
    for (unsigned i = 0; i < CACHE_ASYNC_MAX; i++)
        if (c->async[i].npages)
            return true;
    return false;
}

/* Page pno, in flight: waits for its fetch to end; the page, or NULL if that fetch failed (or the
 * wait did). */
static struct cache_page *cache_wait(struct cache *c, uint64_t pno)
{
    while (cache_in_flight(c, pno))
        if (c->dev_poll(c->start_ctx, true) < 0)
            break;
    return cache_find(c, pno);
}

/* Fetches later misses asynchronously; see cache.h. */
int cache_set_async(struct cache *c, cache_start_fn start, cache_poll_fn poll, void *ctx)
{
    for (unsigned i = 0; i < CACHE_ASYNC_MAX; i++) {
        if (!c->async[i].buf && !(c->async[i].buf = malloc(CACHE_FETCH_MAX)))
            return ERR_NO_MEMORY;
    }
    c->dev_start = start;
    c->dev_poll = poll;
    c->start_ctx = ctx;
    return 0;
}

/*
 * The read-ahead window of a read of len bytes at off (the call c->gen): the window of the stream it
 * continues, grown, or 0 for a new stream, which replaces the least recently read one.
 */
static size_t cache_ra_update(struct cache *c, uint64_t off, size_t len)
{
    struct cache_stream *s = NULL, *oldest = &c->streams[0];
    for (unsigned i = 0; i < CACHE_STREAMS && !s; i++) {
        struct cache_stream *t = &c->streams[i];
        if (t->gen != 0 && t->next_off == off)
            s = t;
        else if (t->gen < oldest->gen)
            oldest = t;
    }
    if (s) {
        s->window = s->window == 0 ? CACHE_RA_MIN : s->window < CACHE_RA_MAX ? s->window * 2 : CACHE_RA_MAX;
    } else {
        s = oldest;
        s->window = 0;
    }
    s->next_off = off + len;
    s->gen = c->gen;
    return s->window;
}

/* Copies device bytes out of the cache, fetching what misses; see cache.h. */
int cache_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct cache *c = ctx;
    if (off > c->dev_size || len > c->dev_size - off)
        return ERR_IO;
    if (len == 0)
        return 0;
    c->gen++;
    if (c->dev_poll && cache_async_busy(c))
        c->dev_poll(c->start_ctx, false); /* its errors are the fetches' own: their pages stay out */
    size_t window = cache_ra_update(c, off, len);
    uint64_t end = off + len;
    if (window > c->max_pages / 2 * CACHE_PAGE)
        window = c->max_pages / 2 * CACHE_PAGE;
    uint64_t ra_end = (end + CACHE_PAGE - 1) / CACHE_PAGE * CACHE_PAGE + window;
    if (ra_end > c->dev_size)
        ra_end = c->dev_size;
    uint8_t *out = buf;
    for (uint64_t pno = off / CACHE_PAGE; pno * CACHE_PAGE < end; pno++) {
        struct cache_page *p = cache_find(c, pno);
        if (!p && cache_in_flight(c, pno))
            p = cache_wait(c, pno);
        if (!p) {
            long err = cache_fetch(c, pno, end, ra_end > end && !c->dev_start ? ra_end : end);
            if (err < 0)
                return (int)err;
            p = cache_find(c, pno);
        }
        if (p->fetch_gen == c->gen)
            c->st.misses++;
        else
            c->st.hits++;
        cache_lru_unlink(c, p);
        cache_lru_push(c, p);
        uint64_t from = pno * CACHE_PAGE > off ? pno * CACHE_PAGE : off;
        uint64_t to = (pno + 1) * CACHE_PAGE < end ? (pno + 1) * CACHE_PAGE : end;
        memcpy(out + (from - off), p->data + (from - pno * CACHE_PAGE), (size_t)(to - from));
    }
    if (window && c->dev_start)
        cache_readahead_async(c, end, ra_end);
    else if (window)
        cache_readahead(c, end, ra_end);
    return 0;
}
