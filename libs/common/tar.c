/* tar.c: the ustar reader (POSIX.1-1988 "ustar" headers, as written by GNU tar --format=ustar). */
#include <warp/error.h>
#include <warp/string.h>
#include <warp/tar.h>

#define TAR_BLOCK 512u

/* Field offsets and sizes within a 512-byte ustar header. */
#define TAR_NAME_OFF 0
#define TAR_NAME_LEN 100
#define TAR_SIZE_OFF 124
#define TAR_SIZE_LEN 12
#define TAR_CHKSUM_OFF 148
#define TAR_CHKSUM_LEN 8
#define TAR_TYPE_OFF 156
#define TAR_MAGIC_OFF 257
#define TAR_PREFIX_OFF 345
#define TAR_PREFIX_LEN 155

/* Starts an iteration at the first header. */
void tar_iter_init(struct tar_iter *it, const void *archive, uint64_t len)
{
    it->base = archive;
    it->len = len;
    it->off = 0;
}

/*
 * Parses an octal field: optional leading spaces, at least one digit, then only
 * NULs or spaces up to the field's end (a field may be full of digits). Returns
 * false for anything else, including values that would overflow.
 */
static bool tar_parse_octal(const uint8_t *field, unsigned len, uint64_t *out)
{
    unsigned i = 0;
    uint64_t v = 0;

    while (i < len && field[i] == ' ')
        i++;
    if (i == len || field[i] < '0' || field[i] > '7')
        return false;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3))
            return false;
        v = (v << 3) | (uint64_t)(field[i] - '0');
    }
    for (; i < len; i++) {
        if (field[i] != '\0' && field[i] != ' ')
            return false;
    }
    *out = v;
    return true;
}

/* True if the 512-byte block is all zeros (the end-of-archive marker). */
static bool tar_zero_block(const uint8_t *hdr)
{
    for (unsigned i = 0; i < TAR_BLOCK; i++) {
        if (hdr[i] != 0)
            return false;
    }
    return true;
}

/* Checks the header checksum: the byte sum with the checksum field read as spaces. */
static bool tar_checksum_ok(const uint8_t *hdr)
{
    uint64_t stored, sum = 0;

    if (!tar_parse_octal(hdr + TAR_CHKSUM_OFF, TAR_CHKSUM_LEN, &stored))
        return false;
    for (unsigned i = 0; i < TAR_BLOCK; i++) {
        bool in_field = i >= TAR_CHKSUM_OFF && i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN;
        sum += in_field ? (uint64_t)' ' : hdr[i];
    }
    return sum == stored;
}

/* Joins prefix and name into out->name and strips leading "./"; false if it does not fit. */
static bool tar_build_name(const uint8_t *hdr, struct tar_file *out)
{
    const char *prefix = (const char *)hdr + TAR_PREFIX_OFF;
    const char *name = (const char *)hdr + TAR_NAME_OFF;
    /* Either field may fill its whole width without a NUL. */
    size_t plen = strnlen(prefix, TAR_PREFIX_LEN), nlen = strnlen(name, TAR_NAME_LEN);
    size_t total = plen + (plen > 0 ? 1 : 0) + nlen;
    char *dst = out->name;

    if (total >= sizeof(out->name))
        return false;
    memcpy(dst, prefix, plen);
    if (plen > 0)
        dst[plen++] = '/';
    memcpy(dst + plen, name, nlen);
    dst[total] = '\0';
    size_t skip = 0;
    while (dst[skip] == '.' && dst[skip + 1] == '/')
        skip += 2;
    memmove(dst, dst + skip, total - skip + 1);
    return true;
}

/* Validates the header at it->off and fills *out; returns 0 or ERR_BAD_FORMAT. */
static int tar_parse_header(const struct tar_iter *it, const uint8_t *hdr, struct tar_file *out)
{
    uint64_t size;
    uint64_t data_off = it->off + TAR_BLOCK; /* <= len: the caller checked the header fits */

    if (memcmp(hdr + TAR_MAGIC_OFF, "ustar", 6) != 0) /* "ustar" and its NUL */
        return ERR_BAD_FORMAT;
    if (!tar_checksum_ok(hdr))
        return ERR_BAD_FORMAT;
    if (!tar_parse_octal(hdr + TAR_SIZE_OFF, TAR_SIZE_LEN, &size))
        return ERR_BAD_FORMAT;
    if (size > it->len - data_off)
        return ERR_BAD_FORMAT;
    if (!tar_build_name(hdr, out))
        return ERR_BAD_FORMAT;
    out->data = it->base + data_off;
    out->size = size;
    out->type = (char)hdr[TAR_TYPE_OFF];
    return 0;
}

/* Returns the next member: 1 and *out filled, 0 at the end, ERR_BAD_FORMAT if damaged. */
int tar_next(struct tar_iter *it, struct tar_file *out)
{
    if (it->off >= it->len)
        return 0;
    if (it->len - it->off < TAR_BLOCK)
        return ERR_BAD_FORMAT; /* a header cut short */
    const uint8_t *hdr = it->base + it->off;
    if (tar_zero_block(hdr)) {
        it->off = it->len; /* stay at the end */
        return 0;
    }
    int err = tar_parse_header(it, hdr, out);
    if (err < 0)
        return err;
    /* size <= len - data_off (checked above), so rounding it up cannot overflow. */
    uint64_t padded = (out->size + TAR_BLOCK - 1) & ~(uint64_t)(TAR_BLOCK - 1);
    uint64_t data_off = it->off + TAR_BLOCK;
    /* The last member's padding may be missing: then the archive just ends. */
    it->off = padded > it->len - data_off ? it->len : data_off + padded;
    return 1;
}

/* Skips a leading "/" or any "./" in a lookup path. */
static const char *tar_trim_path(const char *path)
{
    for (;;) {
        if (path[0] == '/')
            path++;
        else if (path[0] == '.' && path[1] == '/')
            path += 2;
        else
            return path;
    }
}

/* Finds the first regular file called path. */
int tar_find(const void *archive, uint64_t len, const char *path, struct tar_file *out)
{
    struct tar_iter it;
    struct tar_file f;
    int r;

    path = tar_trim_path(path);
    tar_iter_init(&it, archive, len);
    while ((r = tar_next(&it, &f)) > 0) {
        if ((f.type == '0' || f.type == '\0') && strcmp(f.name, path) == 0) {
            *out = f;
            return 0;
        }
    }
    return r < 0 ? r : ERR_NOT_FOUND;
}
