/* icache.c: an ext4 mount's inodes and name lookups, remembered (icache.h). */
#include "icache.h"

#include <warp/error.h>
#include <warp/string.h>

/* Sets up an empty cache; see icache.h. */
void icache_init(struct icache *c, struct ext4_fs *fs)
{
    memset(c, 0, sizeof(*c));
    c->fs = fs;
}

/* ext4_inode_get, answered from the table when it holds ino. */
int icache_inode(struct icache *c, uint32_t ino, struct ext4_inode *out)
{
    struct ext4_inode *slot = &c->inodes[ino & (ICACHE_INODES - 1)];
    if (ino != 0 && slot->ino == ino) {
        c->st.inode_hits++;
        *out = *slot;
        return 0;
    }
    c->st.inode_misses++;
    int err = ext4_inode_get(c->fs, ino, out);
    if (err == 0 && out->ino == ino)
        *slot = *out;
    return err;
}

/* The name's slot: FNV-1a over the name, the directory folded in, then a multiplicative mix whose
 * top bits pick the slot (so that a/b and b/c, or names one letter apart, land apart). */
static struct icache_name *icache_name_slot(struct icache *c, uint32_t dir, const char *name, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
    h = (h ^ ((uint64_t)dir << 32 | dir)) * 0x9e3779b97f4a7c15ull;
    return &c->names[h >> (64 - ICACHE_NAME_BITS)];
}

/* ext4_lookup, answered from the table when it holds the name; see icache.h. */
int64_t icache_lookup(struct icache *c, const struct ext4_inode *dir, const char *name, size_t len)
{
    bool keep = len > 0 && len <= ICACHE_NAME_MAX && dir->ino != 0;
    struct icache_name *slot = keep ? icache_name_slot(c, dir->ino, name, len) : NULL;
    if (keep && slot->dir == dir->ino && slot->len == len && memcmp(slot->name, name, len) == 0) {
        c->st.name_hits++;
        return slot->ino ? (int64_t)slot->ino : ERR_NOT_FOUND;
    }
    c->st.name_misses++;
    int64_t r = ext4_lookup(c->fs, dir, name, len);
    if (keep && ((r > 0 && r <= UINT32_MAX) || r == ERR_NOT_FOUND)) {
        slot->dir = dir->ino;
        slot->ino = r > 0 ? (uint32_t)r : 0;
        slot->len = (uint8_t)len;
        memcpy(slot->name, name, len);
    }
    return r;
}
