/* pgfs_scan.h: a read-only mount's refresh of its mirror from the database (pgfs_scan.c). */
#pragma once

#include "pgfs_req.h"

/* Starts a refresh of f's mirror unless one runs (or the mount is not served yet). */
void pgfs_scan_start(struct pgfs *f);
/* A readdir of the refresh was answered. */
void pgfs_on_scan(struct pgfs *f, struct pgfs_op *op, const struct pgs_result *res);
