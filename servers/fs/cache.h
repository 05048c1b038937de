/* cache.h: the fs server's page cache: 4 KiB device pages in a hash and an LRU list, with read-ahead. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The cache sits under the ext4 reader's read callback (cache_read has its shape), so metadata and
 * file data share it. A miss is fetched from the device through dev_read in reads of up to
 * CACHE_FETCH_MAX bytes (the block protocol's BLOCK_IO_MAX), synchronously. A read that starts where
 * one of the last CACHE_STREAMS streams of reads ended is sequential: it fetches a read-ahead window
 * past its end, which starts at CACHE_RA_MIN and doubles up to CACHE_RA_MAX while that stream's
 * reads stay sequential. Streams keep a file's data reads apart from the metadata reads between
 * them (its inode before each), which would otherwise break every run. With cache_set_async, the
 * window is fetched asynchronously instead: up to CACHE_ASYNC_MAX reads of the window are started,
 * each into a buffer of its own, and their pages cached when cache_fetch_done reports them: each
 * cache_read first collects what ended (poll), and one that needs a page still in flight waits for
 * it (and fetches it itself if that read failed). At most max_pages
 * pages are held; a new page past that evicts the least recently used one. Pure: no system calls
 * (tests/unit/test_fs_cache.c drives it over a fake device).
 */
#define CACHE_PAGE 4096u
#define CACHE_FETCH_MAX 65536u    /* bytes of one device read */
#define CACHE_RA_MIN (64u << 10)  /* the first read-ahead window */
#define CACHE_RA_MAX (512u << 10) /* the largest */
#define CACHE_DEFAULT_MIB 16      /* size when the manifest's arg gives none */
#define CACHE_STREAMS 4           /* sequential streams of reads told apart */
#define CACHE_ASYNC_MAX 8         /* read-ahead fetches in flight at most (CACHE_RA_MAX's worth) */

/* Reads len bytes (whole sectors) at byte off of the device into buf: 0 or an ERR_* code. */
typedef int (*cache_dev_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* Starts reading len bytes (whole sectors) at byte off of the device into buf; the outcome comes
 * later through cache_fetch_done(c, tag, result). 0, or an ERR_* code (then none comes). */
typedef int (*cache_start_fn)(void *ctx, uint64_t off, void *buf, size_t len, unsigned tag);

/* Reports the started reads that ended through cache_fetch_done; with wait, first waits for one to
 * end if none has. 0, or an ERR_* code (ERR_NOT_FOUND: none in flight to wait for). */
typedef int (*cache_poll_fn)(void *ctx, bool wait);

/* The counters GETATTR "stats" and the stats line show. */
struct cache_stats {
    uint64_t hits;       /* pages a read found cached */
    uint64_t misses;     /* pages a read had to fetch */
    uint64_t disk_bytes; /* bytes read from the device (read-ahead: asked of it) */
    uint64_t evictions;  /* pages dropped to make room */
    uint64_t ra_pages;   /* pages fetched (or asked for) ahead of a sequential read */
};

/* Private: one cached page. */
struct cache_page {
    uint64_t pno;                   /* device byte offset / CACHE_PAGE */
    struct cache_page *hnext;       /* hash chain */
    struct cache_page *prev, *next; /* LRU list, most recent first */
    uint64_t fetch_gen;             /* the cache_read call that fetched it */
    uint8_t *data;
};

/* Private: one stream of reads, each starting where the one before ended. */
struct cache_stream {
    uint64_t next_off; /* where its last read ended */
    size_t window;     /* read-ahead bytes; 0 until a read continues the stream */
    uint64_t gen;      /* the cache_read call that read last in it; 0: unused */
};

/* Private: a read-ahead fetch in flight. */
struct cache_async {
    uint64_t pno;  /* its first page */
    size_t npages; /* 0: the slot is free */
    uint8_t *buf;  /* CACHE_FETCH_MAX bytes */
};

struct cache {
    cache_dev_fn dev_read;
    void *ctx;
    uint64_t dev_size; /* bytes; reads past it fail with ERR_IO */
    size_t max_pages;  /* at least 2 */
    size_t npages;
    struct cache_page **hash;
    unsigned hash_bits; /* the hash has 1 << hash_bits chains */
    struct cache_page *lru_head, *lru_tail;
    struct cache_stream streams[CACHE_STREAMS];
    uint64_t gen;             /* cache_read calls so far */
    uint8_t *bounce;          /* CACHE_FETCH_MAX bytes */
    cache_start_fn dev_start; /* NULL: read-ahead is synchronous */
    cache_poll_fn dev_poll;
    void *start_ctx;
    struct cache_async async[CACHE_ASYNC_MAX];
    struct cache_stats st;
};

/* Sets up an empty cache of max_pages (at least 2) over a device of dev_size bytes; 0 or ERR_NO_MEMORY. */
int cache_init(struct cache *c, size_t max_pages, uint64_t dev_size, cache_dev_fn dev_read, void *ctx);
/* Frees every page. */
void cache_destroy(struct cache *c);
/* Copies len bytes at byte off of the device into buf (an ext4_read_fn): 0, ERR_IO past the device's
 * end, or the device's error. ctx is the struct cache. */
int cache_read(void *ctx, uint64_t off, void *buf, size_t len);
/* From now on read-ahead goes through start, asynchronously, its ends collected through poll (ctx is
 * both's): 0 or ERR_NO_MEMORY (for its buffers). */
int cache_set_async(struct cache *c, cache_start_fn start, cache_poll_fn poll, void *ctx);
/* The read-ahead fetch tag (cache_start_fn's) ended with result (0 or an ERR_* code): its pages are
 * cached if it worked, and its slot is free again. */
void cache_fetch_done(struct cache *c, unsigned tag, int result);
