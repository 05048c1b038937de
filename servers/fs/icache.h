/* icache.h: an ext4 mount's inodes and name lookups, remembered (the mount is read-only). */
#pragma once

#include "ext4.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Every OPEN walks its path and every call on a node reads its inode: without a memory of them,
 * each is a group descriptor, an inode table block and a checksum, and each name a directory scan
 * with a checksum per block. An ext4 mount is read-only, so what was read stays true: verified
 * inodes and lookup results (a name's inode number, or "not found") are kept in two direct-mapped
 * tables, a new entry taking its slot's place. Errors other than "not found" are not kept: a
 * device error is the next call's to see again. Names longer than ICACHE_NAME_MAX are looked up
 * each time. Pure: no system calls (tests/unit/test_fs_vfs.c).
 */
#define ICACHE_INODES 256 /* inodes kept (a power of two) */
#define ICACHE_NAME_BITS 10
#define ICACHE_NAMES (1u << ICACHE_NAME_BITS) /* names kept */
#define ICACHE_NAME_MAX 59

/* One remembered lookup: name in directory dir gave ino (0: not found). */
struct icache_name {
    uint32_t dir; /* 0: slot empty */
    uint32_t ino;
    uint8_t len;
    char name[ICACHE_NAME_MAX];
};

struct icache_stats {
    uint64_t inode_hits, inode_misses;
    uint64_t name_hits, name_misses;
};

struct icache {
    struct ext4_fs *fs;
    struct ext4_inode inodes[ICACHE_INODES]; /* .ino 0: slot empty */
    struct icache_name names[ICACHE_NAMES];
    struct icache_stats st;
};

/* Sets up an empty cache over the mounted reader fs. */
void icache_init(struct icache *c, struct ext4_fs *fs);
/* ext4_inode_get through the cache. */
int icache_inode(struct icache *c, uint32_t ino, struct ext4_inode *out);
/* ext4_lookup of name (len bytes) in directory dir through the cache: the inode number or an error. */
int64_t icache_lookup(struct icache *c, const struct ext4_inode *dir, const char *name, size_t len);
