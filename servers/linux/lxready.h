/* lxready.h: readiness of open file descriptions and epoll's interest lists (pure: no system calls;
 * tests/unit/test_linux_ready.c). */
#pragma once

#include "lxfd.h"
#include "lxnetabi.h"

#define LXEPOLL_MAX_ENTRIES 4096  /* descriptors one epoll instance watches; one more: ENOSPC */
#define LXEPOLL_MAX_WATCHES 65536 /* entries of all instances together (Linux's max_user_watches) */

/* What poll and epoll see of f now (EPOLLIN, OUT, HUP, ERR, RDHUP, RDNORM, WRNORM), as Linux's
 * f_op->poll of the same kind of file. */
uint32_t lxready_mask(const struct lxfile *f);
/* A counter that changes whenever f's readiness may have (an edge for EPOLLET). */
uint32_t lxready_gen(const struct lxfile *f);
/* False for what epoll refuses (EPERM): regular files, directories, /dev/null. */
bool lxready_pollable(const struct lxfile *f);

/* One watched descriptor. */
struct lxepent {
    int32_t fd;
    uint32_t events; /* what was asked, EPOLLET and EPOLLONESHOT included */
    uint64_t data;
    struct lxfile *file; /* no reference: the entry goes when the description does (lxepoll_forget) */
    uint32_t seen_mask, seen_gen; /* EPOLLET: what was last reported */
    bool disabled;                /* EPOLLONESHOT fired: nothing until EPOLL_CTL_MOD */
};

/* An epoll instance (the description's LXFILE_EPOLL object). */
struct lxepoll {
    struct lxepoll *next, *prev; /* every instance: a description going leaves them all */
    struct lxepent *ents;
    uint32_t n, cap;
    uint32_t cursor; /* where the next collection starts: no entry starves behind busy ones */
};

/* A new instance, registered; NULL without memory. */
struct lxepoll *lxepoll_new(void);
void lxepoll_free(struct lxepoll *ep);
/* EPOLL_CTL_ADD, MOD, DEL on (fd, file): 0, -EEXIST, -ENOENT, -EINVAL, -ENOSPC, -ENOMEM. */
int64_t lxepoll_add(struct lxepoll *ep, int32_t fd, struct lxfile *file, uint32_t events, uint64_t data);
int64_t lxepoll_mod(struct lxepoll *ep, int32_t fd, struct lxfile *file, uint32_t events, uint64_t data);
int64_t lxepoll_del(struct lxepoll *ep, int32_t fd, struct lxfile *file);
/* Fills out with up to max ready events (level, edge and one-shot rules); the count. */
uint32_t lxepoll_collect(struct lxepoll *ep, struct lx_epoll_event *out, uint32_t max);
/* True if some entry would be reported (without changing any). */
bool lxepoll_any(const struct lxepoll *ep);
/* f is going: every instance forgets its entries for it (Linux's eventpoll_release). */
void lxepoll_forget(const struct lxfile *f);
