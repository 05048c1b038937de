/* ops.h: one generator per system call: it makes the arguments by the call's types (gen.h), makes
 * the call (report.h), checks what must hold whatever the arguments, and updates the pool. */
#pragma once

#include <warp/types.h>

struct fz_op {
    const char *name;
    unsigned weight; /* how often, relative to the other ops */
    void (*run)(void);
};

/* Channels, handles, calls, event queues, timers (ops_ipc.c, ops_msg.c). */
extern const struct fz_op fz_ops_ipc[];
extern const unsigned fz_nops_ipc;
/* A supervised child's whole life with generated arguments (ops_sup.c), one of fz_ops_sys. */
void fz_op_supervise(void);
/* Processes, memory, the system-wide and device calls, unknown numbers (ops_sys.c). */
extern const struct fz_op fz_ops_sys[];
extern const unsigned fz_nops_sys;

/* The child images (ops_sys.c): built once before the first call. mortal: only children that end
 * by themselves (a worker that may be killed cannot kill its children at its end). */
void fz_ops_init(bool mortal);
