/* quota.h: per-process quotas, charged against a process and every ancestor up the spawn tree. */
#pragma once

#include <warp/abi.h>
#include <warp/types.h>

#define QUOTA_UNLIMITED UINT64_MAX
#define PROC_RESERVE_SLOTS 16  /* process-table slots only reserve holders may take */
#define PAGE_RESERVE_DIVISOR 8 /* 1/8 of memory is kept for reserve holders */

/*
 * One account per process, kept while anything charged to it exists: its process record, its
 * children's accounts (each holds its parent), and the channels, timers and queued messages it
 * created. So a charge made by a child whose parent has ended still counts against the parent's
 * own parent, and no descendant escapes the quota of any ancestor.
 */
struct quota {
    uint32_t refs;
    bool reserve;         /* may use the kernel's reserve (SPAWN_RESERVE, init) */
    struct quota *parent; /* referenced; NULL for init and the processes the kernel starts */
    uint64_t limit[LIMIT_COUNT];
    uint64_t used[LIMIT_COUNT]; /* LIMIT_HANDLES: unused here (the handle table counts its own) */
};

/* A new account below parent (NULL: a root, unlimited, holding the reserve); NULL when memory is out.
 * limits[] are taken as given: the caller has checked them (quota_check_limits). */
struct quota *quota_new(struct quota *parent, const uint64_t limits[LIMIT_COUNT], bool reserve);
/* Check a spawn's requested limits against the spawner's account; 0, ERR_INVALID_ARG (handles over
 * HANDLES_MAX) or ERR_PERMISSION (more than the spawner's own). */
long quota_check_limits(const struct quota *parent, const uint64_t requested[LIMIT_COUNT]);
/* The limits a child gets: each requested one, or the parent's where it asked for 0. */
void quota_child_limits(const struct quota *parent, const uint64_t requested[LIMIT_COUNT],
                        uint64_t out[LIMIT_COUNT]);
struct quota *quota_get(struct quota *q); /* one more reference; q may be NULL */
void quota_put(struct quota *q);          /* drop one; the last frees it and drops its parent's */
/* Charge n of kind to q and every ancestor: all or nothing. ERR_LIMIT over a limit, ERR_NO_MEMORY
 * for pages over the limit or into the reserve (unless q holds it). q NULL charges nothing. */
long quota_charge(struct quota *q, enum limit_kind kind, uint64_t n);
/* Give back a charge made by quota_charge(q, kind, n). */
void quota_uncharge(struct quota *q, enum limit_kind kind, uint64_t n);
/* Pages ordinary processes leave free: the reserve. */
uint64_t quota_page_reserve(void);
