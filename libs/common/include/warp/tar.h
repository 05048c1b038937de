/* tar.h: a bounds-checked reader for ustar archives (the initfs is made with GNU tar --format=ustar). */
#pragma once

#include <warp/types.h>

/* One archive member. data points into the archive; nothing is copied but the name. */
struct tar_file {
    char name[256];   /* prefix "/" name (prefix only if non-empty), leading "./" stripped, NUL-terminated */
    const void *data; /* size bytes of contents, inside the archive */
    uint64_t size;
    char type; /* the typeflag: '0' or '\0' regular file, '5' directory, others as stored */
};

/* Iteration state over an archive in memory: the header at base + off comes next. */
struct tar_iter {
    const uint8_t *base;
    uint64_t len;
    uint64_t off;
};

/* Starts iterating over the len-byte archive at `archive`. */
void tar_iter_init(struct tar_iter *it, const void *archive, uint64_t len);

/*
 * Reads the next member into *out. Returns 1 for a member, 0 at a clean end
 * (a zero block, or the data simply ends on a block boundary), ERR_BAD_FORMAT
 * for a damaged header: bad magic ("ustar\0") or checksum, a size field that
 * is not octal, contents past the end of the archive, a header cut short, or
 * a name that does not fit tar_file.name. Never reads outside the archive.
 */
int tar_next(struct tar_iter *it, struct tar_file *out);

/*
 * Finds the regular file named path (a leading "/" or "./" in path is
 * ignored). Returns 0 and fills *out, ERR_NOT_FOUND, or ERR_BAD_FORMAT if the
 * archive is damaged before the file is reached.
 */
int tar_find(const void *archive, uint64_t len, const char *path, struct tar_file *out);
