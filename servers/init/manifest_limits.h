/* manifest_limits.h: the quota keys of init's manifest (pages, handles, ...): names, defaults, checks. */
#pragma once

#include <warp/abi.h>
#include <warp/types.h>

/* Defaults for a service that names no quota: enough for every service in boot.manifest. */
#define MANIFEST_DEFAULT_PAGES 4096 /* 16 MiB */
#define MANIFEST_DEFAULT_HANDLES 256
#define MANIFEST_DEFAULT_CHANNELS 64
#define MANIFEST_DEFAULT_TIMERS 32
#define MANIFEST_DEFAULT_MESSAGES 256
#define MANIFEST_DEFAULT_CHILDREN 16

/* The limit_kind a key names ("pages" -> LIMIT_PAGES), or -1 if it names none. */
int manifest_limit_index(const char *key);
/* The key naming limit k ("pages"). */
const char *manifest_limit_name(unsigned k);
/* Every limit at its default. */
void manifest_limits_default(uint64_t out[LIMIT_COUNT]);
/* Parse the value of limit k (decimal, within the bounds of that limit) into *out; on a bad value
 * false, with why[0..n) saying what is allowed. */
bool manifest_limit_value(unsigned k, const char *v, uint64_t *out, char *why, size_t n);
