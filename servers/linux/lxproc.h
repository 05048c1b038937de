/* lxproc.h: the table of Linux process records, the answers to their traps and their end. */
#pragma once

#include "lxstate.h"

#define LXPROC_BINARIES_MAX 64 /* distinct binaries run since the server started */

/* A free record for a process running the binary at path, zeroed and marked used (pid, loop and
 * binary set), or NULL when LXPROC_MAX are supervised or LXPROC_BINARIES_MAX binaries were run. */
struct lxproc *lxproc_alloc(struct loop *loop, const char *path);

/* The record in slot i (< LXPROC_MAX) if it is in use, else NULL. */
struct lxproc *lxproc_at(unsigned i);

/* The live record of pid, or NULL. */
struct lxproc *lxproc_find(uint64_t pid);

/* The record of the binary at path (made on its first run), or NULL when the table is full. */
struct lxbinary *lxproc_binary_of(const char *path);

/* Gives the record back (its descriptors closed first: lxfiles_end). */
void lxproc_free(struct lxproc *p);

/* Answers the trap call_id with a Linux result (a value, or -errno). */
void lxproc_reply(struct lxproc *p, uint64_t call_id, int64_t result);

/* Ends p's whole thread group with Linux exit code code (exit_group; the last thread's exit): its
 * output is flushed and the leader's Warp process killed, which kills every thread with it. */
void lxproc_exit(struct lxproc *p, int code);

/* Ends p's whole thread group as killed by signal sig (its default action), as lxproc_exit. */
void lxproc_kill(struct lxproc *p, int sig);

/* A signal's name (SIGSEGV), for the log. */
const char *lxproc_signame(int sig);

/* Logs that no Linux process is left, with the machine's free pages: once every process has
 * ended they are back where they were before the first started (the e2e test compares). */
void lxproc_report_idle(void);

/* The processes still supervised. */
unsigned lxproc_live(void);

/* Logs once per binary that p's call nr is refused as unimplemented (why: what of it, or ""); -ENOSYS. */
int64_t lxproc_enosys(struct lxproc *p, uint64_t nr, const char *why);

/* The threads of p's group other than p that have not called exit (nor been ended with it). */
unsigned lxproc_running_others(const struct lxproc *p);

/* True if threads other than p's leader are still in p's group (their records still there). */
bool lxproc_has_threads(const struct lxproc *p);

/* A thread other than the leader l ended (its record is gone): if l had called exit and no other
 * thread is left, the process ends with l's code. */
void lxproc_thread_gone(struct lxproc *l);
