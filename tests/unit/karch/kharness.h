/* kharness.h: running the portable kernel on the host: processes whose user programs are C functions. */
#pragma once

#include "karch.h"
#include "kh_assert.h"

#include <proc.h>
#include <warp/ipc.h>

/*
 * A test runs as the kernel's idle thread (holding the kernel lock, like the real idle loop). It
 * spawns processes whose "user mode" is a C function on a stack of its own; a program reaches the
 * kernel only through kh_sys, as real code does through the syscall instruction, and its buffers
 * live in its simulated user memory (kh_ualloc). kh_run lets them run until all have ended or
 * block forever, moving the clock to each armed deadline in turn.
 */
typedef void (*kh_prog)(uint64_t payload);

extern unsigned long kh_switches; /* context switches so far (host_thread.c counts them) */

/* Fresh simulated machine for one test: RAM, clock, log, fault injection off; the kernel idle. */
void kh_setup(void);
/* After a test: every process ended and released, no kernel block or page left over. cmocka
 * assertions name what is not. */
void kh_check_clean(void);
/* Pages of the simulated RAM in use since kh_setup (the host's kernel stacks and heap are malloc's). */
uint64_t kh_pages_used(void);
/* Start a process (as if spawned by the kernel) whose user program is prog(payload); the caller
 * holds a reference (kh_release). NULL if the kernel refused (out of memory under injection). */
struct proc *kh_spawn(const char *name, kh_prog prog, uint64_t payload);
void kh_release(struct proc *p);
/* Run until no thread is runnable and no deadline is armed. */
void kh_run(void);
/* The host thread's entry into the user program chosen by a0 (host_thread.c calls it). */
_Noreturn void kh_user_main(uint64_t a0);

/* --- for user programs --- */
long kh_sys(long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
/* n bytes of the current process's user memory (bump-allocated, zeroed), 16-byte aligned. */
uaddr_t kh_ualloc(size_t n);
/* Copy to or from the current process's user memory (aborts the test on a bad address). */
void kh_uput(uaddr_t dst, const void *src, size_t n);
void kh_uget(void *dst, uaddr_t src, size_t n);
/* The spawn argument that makes a child started with SYS_SPAWN run prog(payload). */
uint64_t kh_prog_arg(kh_prog prog, uint64_t payload);
/* Give back the program slot of an argument whose spawn failed (the child will never start). */
void kh_prog_arg_drop(uint64_t arg);
/* From a user program: SYS_SPAWN a child running prog(payload), moving handles[0..n) into it; the
 * child's process handle or an error. */
long kh_spawn_child(const char *name, kh_prog prog, uint64_t payload, const handle_t *handles, unsigned n);

/* From a user program: SYS_SPAWN an empty child supervised through channel end `end`, which runs
 * prog(payload) once started (its system calls then reach the supervisor as traps); the child's
 * process handle or an error. */
long kh_spawn_supervised(kh_prog prog, uint64_t payload, handle_t end);

/* From a user program, checked (KH_CHECK): a supervised child, not started, running prog(payload)
 * once started, on a fresh channel whose other end (*ch, if ch is not NULL) is in a fresh event
 * queue *eq; the child's process handle. */
long kh_supervised(kh_prog prog, uint64_t payload, handle_t *ch, long *eq);
/* The process behind a child's handle of ours (a peek the host allows). */
struct proc *kh_child_proc(long h);
/* The pages a child's account is charged for now. */
uint64_t kh_child_charged(long h);
/* SYS_PROC_VM_WRITE of the string s into the child at addr (at most 16 bytes): its result. */
long kh_child_put(long child, uint64_t addr, const char *s);
/* The child's n bytes at addr (at most 16) must be s's first n (KH_CHECK). */
void kh_child_expect_n(long child, uint64_t addr, const char *s, size_t n);
/* The child's bytes at addr must be the string s (at most 16 bytes). */
void kh_child_expect(long child, uint64_t addr, const char *s);

/* Wrappers: user-memory marshalling around the calls the tests make most (through a scratch page
 * of the process's user memory). */
long kh_channel_create(handle_t out[2]);
long kh_send(handle_t ch, const struct warp_msg *m);
long kh_recv(handle_t ch, struct warp_msg *out);
long kh_wait(handle_t eq, struct warp_event *out, uint64_t deadline);
long kh_close(handle_t h);

/* --- fault injection --- */
/* A user program's step: true if r succeeded; otherwise the error is recorded for the sweep's check
 * (with an allocation failing on purpose, a program's first error must be ERR_NO_MEMORY, or
 * ERR_PEER_CLOSED when a peer it needed could not be made; without one, there must be none). */
bool kh_ok(long r);
/* Runs scenario (which spawns, runs, and kills and releases what is left) once to count the kernel
 * allocations it makes, then once per allocation with that one failing; after each run the
 * machine must be clean and the errors programs saw allowed. Returns the allocation count. */
long kh_fault_sweep(void (*scenario)(void));
/* How many times each system-call number (indexed by number, 0..SYS_COUNT-1) was made by a program
 * during a sweep, summed over every sweep this test program ran: what no scenario reaches shows. */
extern unsigned long kh_syscalls_made[SYS_COUNT];

/* Run prog(payload) as the one process of a test: setup, run to the end (killing it if it blocks
 * forever), no check failed inside it (kh_assert.h), machine clean after. */
void kh_run_program(kh_prog prog, uint64_t payload);
