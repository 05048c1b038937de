/* lock.h: the big kernel lock. */
#pragma once

#include <warp/types.h>

/*
 * One lock serializes the whole kernel: it is taken on every entry from user mode (system call,
 * exception, interrupt) and by the idle loop after it wakes, and released on every return to user
 * mode and before the idle loop halts. A context switch hands it from one thread to the next. It
 * protects all kernel state: process and thread tables, run queue, page allocator, heap, page tables.
 * With only the boot CPU running it is never contended; it makes starting more CPUs a small change.
 */
void kernel_lock(void);
void kernel_unlock(void);
bool kernel_lock_held(void);
