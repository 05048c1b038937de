/* lxfiles.h: open file descriptions of Linux processes (their pool and lifetime), a process's
 * first descriptors and its end, and pipes (lxfiles.c; docs/linux-compat.md, Files). */
#pragma once

#include "lxstate.h"
#include "lxxfer.h"

extern struct lxfilepool lxfile_pool;

/* Gives a new process fds 0 (/dev/null), 1 and 2 (the log), the working directory cwd (absolute,
 * lexically normal) and umask 022; 0 or ERR_NO_RESOURCES / ERR_NO_MEMORY (then nothing is held). */
long lxfiles_start(struct lxproc *p, const char *cwd);
/* Gives a forked child its parent's descriptors (the same descriptions, FD_CLOEXEC as they
 * are), working directory and umask; 0 or ERR_NO_MEMORY (then the caller ends the child's files). */
long lxfiles_fork(struct lxproc *parent, struct lxproc *child);
/* execve: closes the descriptors marked FD_CLOEXEC. */
void lxfiles_exec(struct lxproc *p);
/* Closes every descriptor of an ending process and drops its pipe wait; harmless twice. */
void lxfiles_end(struct lxproc *p);
/* Drops one reference to f; the last releases what it holds (a node channel, a pipe end, a console
 * stream's unfinished line: p is the process whose stream it is, or NULL). */
void lxfile_unref(struct lxproc *p, struct lxfile *f);
/* read/write on a pipe end: the bytes moved, -errno, or LXSYS_NO_REPLY (the process waits, or a
 * SIGPIPE ended it). */
int64_t lxpipe_read(struct lxproc *p, struct lxfile *f, const struct lxxfer *x);
int64_t lxpipe_write(struct lxproc *p, struct lxfile *f, const struct lxxfer *x);
