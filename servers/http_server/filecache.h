/* filecache.h: http_server's copies of small files of the read-only disk mount, by path (pure). */
#pragma once

#include <warp/proto/fs.h>
#include <warp/types.h>

/*
 * A small file served from service/fs costs an OPEN round trip per request (the prefetch brings
 * its bytes). The disk mount http_server serves (FS_DISK_MOUNT) is read-only: a file's bytes and
 * attributes cannot change while fs runs, so a copy kept here answers every later request for the
 * same path without fs. Files up to HTTP_CACHE_FILE_MAX bytes (what one prefetch holds) are kept,
 * HTTP_CACHE_BYTES in all, the least recently used dropped first; the whole cache is dropped when
 * fs restarts (the disk may then be another). Each copy is one heap block, taken when it is put:
 * nothing is allocated for a server that serves no disk. A writable mount would need fs to say
 * when a file changes before anything could be kept (docs/http.md).
 */

#define HTTP_CACHE_FILE_MAX 7168    /* bytes of the largest file kept: the prefetch's room */
#define HTTP_CACHE_BYTES (1u << 20) /* bytes of files kept at most */
#define HTTP_CACHE_PATH_MAX 128     /* longest path kept (longer ones are always OPENed) */
#define HTTP_CACHE_SLOTS 512        /* files kept at most */
#define HTTP_CACHE_BUCKETS 1024     /* hash chains (a power of two) */

struct http_cached {
    struct fs_attr attr; /* as the OPEN reply gave it */
    uint32_t len;        /* the file's bytes: attr.size */
    const uint8_t *data;
};

struct http_cache_slot {
    uint8_t *data; /* NULL: the slot is free */
    struct fs_attr attr;
    uint32_t len;
    uint16_t path_len;
    int16_t next;         /* the next slot of its hash chain, -1 at the end */
    int16_t newer, older; /* the recency list, -1 at its ends */
    char path[HTTP_CACHE_PATH_MAX];
};

struct http_cache {
    struct http_cache_slot slots[HTTP_CACHE_SLOTS];
    int16_t buckets[HTTP_CACHE_BUCKETS]; /* the first slot of each chain, -1 if none */
    int16_t newest, oldest;              /* the recency list's ends, -1 when empty */
    uint32_t bytes;                      /* of the files kept */
    uint64_t hits, misses, puts, evictions;
};

/* Makes c empty (its memory as it came: nothing to free). */
void http_cache_init(struct http_cache *c);

/* Empties c: every copy freed. */
void http_cache_clear(struct http_cache *c);

/* The copy of path (len bytes), now the most recently used, or false (a miss, counted). */
bool http_cache_find(struct http_cache *c, const char *path, size_t len, struct http_cached *out);

/* Keeps a copy of path's file: attr (a regular file's) and its len = attr.size bytes at data.
 * Nothing is kept (false) for a file too large, a path too long, or when memory is short; an older
 * copy of the same path is replaced; the least recently used go to make room. */
bool http_cache_put(struct http_cache *c, const char *path, size_t len, const struct fs_attr *attr,
                    const void *data, size_t data_len);
