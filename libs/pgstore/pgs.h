/* pgs.h: what the store's files share inside libs/pgstore: the statement helpers and each op's steps. */
#pragma once

#include <pgstore/pgstore.h>

#define PGS_MORE 1 /* a step queued a statement: call the op again at its ReadyForQuery */

/*
 * An op's step: called when the request starts (run.step 0) and again after each of its statements
 * that succeeded; queues the next statement (PGS_MORE) or returns the result (0 or ERR_*). The store
 * then ends an open transaction: COMMIT after 0, ROLLBACK after an error.
 */
typedef long (*pgs_step_fn)(struct pgstore *s, struct pgs_req *r);
/* Takes one result row of the op's current statement (the default keeps the first row's int8 columns). */
typedef void (*pgs_row_fn)(struct pgstore *s, struct pgs_req *r, const struct pg_row *row);

/* Queues sql with binary parameters and binary results, forgetting the last statement's outcome. */
long pgs_exec(struct pgstore *s, const char *sql, const struct pg_param *p, unsigned n);
/* Queues a simple query (several statements), forgetting the last statement's outcome. */
long pgs_query(struct pgstore *s, const char *sql);
/* Queues BEGIN. */
long pgs_begin(struct pgstore *s);
/* Queues the lease check of a write: a row back only while we hold an unexpired lease (locks it to COMMIT). */
long pgs_lease_check(struct pgstore *s);
/* Keeps the first row's int8 columns (binary) in s->run.val, nulls in s->run.null. */
void pgs_row_int8(struct pgstore *s, struct pgs_req *r, const struct pg_row *row);
/* Queues the probe of name in directory dir: parent type, child ino, child type, child has entries. */
long pgs_probe(struct pgstore *s, uint64_t dir, const char *name);
/* The probe's verdict on the parent: 0, ERR_NOT_FOUND or ERR_NOT_DIR. */
long pgs_probe_parent(const struct pgstore *s);
/* The probe's verdict on the name: the parent's, else ERR_NOT_FOUND if the directory has no such name. */
long pgs_probe_child(const struct pgstore *s);
/* The attributes in s->run.val[first..first+4] (ino, type, mode, size, mtime). */
struct pgs_attr pgs_attr_at(const struct pgstore *s, unsigned first);

/* The ops (schema.c, read.c, lease.c, write.c, names.c). */
long pgs_step_open(struct pgstore *s, struct pgs_req *r);
long pgs_step_acquire(struct pgstore *s, struct pgs_req *r);
long pgs_step_renew(struct pgstore *s, struct pgs_req *r);
long pgs_step_release(struct pgstore *s, struct pgs_req *r);
long pgs_step_lookup(struct pgstore *s, struct pgs_req *r);
long pgs_step_getattr(struct pgstore *s, struct pgs_req *r);
long pgs_step_readdir(struct pgstore *s, struct pgs_req *r);
void pgs_row_readdir(struct pgstore *s, struct pgs_req *r, const struct pg_row *row);
long pgs_step_read(struct pgstore *s, struct pgs_req *r);
void pgs_row_read(struct pgstore *s, struct pgs_req *r, const struct pg_row *row);
long pgs_step_write(struct pgstore *s, struct pgs_req *r);
long pgs_step_create(struct pgstore *s, struct pgs_req *r);
long pgs_step_unlink(struct pgstore *s, struct pgs_req *r);
long pgs_step_rename(struct pgstore *s, struct pgs_req *r);
