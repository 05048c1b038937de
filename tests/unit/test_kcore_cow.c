/* test_kcore_cow.c: the kernel core on the host: copy-on-write clones (SYS_PROC_VM_CLONE), lazy
 * memory (PROT_LAZY) and PROT_NONE, with every frame and charge given back. */
#include "karch/kharness.h"

#include <handle.h>
#include <lock.h>
#include <quota.h>
#include <vm.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define RW (PROT_READ | PROT_WRITE)

/* A supervised program that makes one system call (a trap its supervisor answers or kills). */
static void prog_one_call(uint64_t payload)
{
    (void)payload;
    kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0);
}

/* A supervised clone's program: writes "kid" at payload (a copy-on-write page: the user copy
 * faults, as on the real port, and vm_fault gives it its own frame), then traps. */
static void prog_write_kid(uint64_t payload)
{
    kh_uput(payload, "kid", 3);
    kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0);
}

/* End a child: kill it and wait. */
static void end(long child)
{
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    uaddr_t out = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(kh_sys(SYS_WAIT, (uint64_t)child, out, 0, 0, 0, 0), 0);
}

/* The next event of eq must be a trap; its call id. */
static uint64_t expect_trap(long eq)
{
    struct warp_event ev;
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER), 0);
    KH_CHECK(ev.type == EV_MESSAGE && ev.u.msg.type == MSG_TRAP);
    return ev.u.msg.call_id;
}

/*
 * A clone shares every frame (only page tables are new) and charges the clone for every page; a
 * write on either side, through the kernel or from the clone's own user mode, copies the page for
 * that side only, and the last holder writes in place. Ending both gives every frame back.
 */
static void prog_clone(uint64_t payload)
{
    (void)payload;
    long eqa, eqb;
    long a = kh_supervised(prog_one_call, 0, NULL, &eqa);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 3 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    for (int i = 0; i < 3; i++)
        KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + i * PAGE_SIZE, "parent"), 6);
    long b = kh_supervised(prog_write_kid, (uint64_t)addr + PAGE_SIZE, NULL, &eqb);
    uint64_t used = kh_pages_used(), b_before = kh_child_charged(b);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), 0);
    uint64_t tables = kh_child_proc(b)->vm.arch.tables;
    KH_CHECK_EQ(kh_pages_used(), used + tables - 1); /* the root table was there */
    KH_CHECK_EQ(kh_child_charged(b), b_before + 3 + tables - 1);
    KH_CHECK_EQ(vm_count_user(&kh_child_proc(b)->vm), 1);
    kh_child_expect(b, (uint64_t)addr + 2 * PAGE_SIZE, "parent");
    used = kh_pages_used();
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr, "child!"), 6); /* a copy for b */
    KH_CHECK_EQ(kh_pages_used(), used + 1);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "mother"), 6); /* a's frame is its own again: no copy */
    KH_CHECK_EQ(kh_pages_used(), used + 1);
    kh_child_expect(a, (uint64_t)addr, "mother");
    kh_child_expect(b, (uint64_t)addr, "child!");
    /* The clone runs: its own write goes to a copy of its own. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)b, 0, 0, 0, 0, 0), 0);
    expect_trap(eqb);
    KH_CHECK_EQ(kh_pages_used(), used + 2);
    kh_child_expect(b, (uint64_t)addr + PAGE_SIZE, "kident");
    kh_child_expect(a, (uint64_t)addr + PAGE_SIZE, "parent");
    /* A page shared until one side unmaps it stays with the other. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)a, (uint64_t)addr + 2 * PAGE_SIZE, PAGE_SIZE, 0, 0, 0),
                0);
    KH_CHECK_EQ(kh_pages_used(), used + 2);
    kh_child_expect(b, (uint64_t)addr + 2 * PAGE_SIZE, "parent");
    end(a);
    end(b);
}

static void test_clone(void **state)
{
    (void)state;
    kh_run_program(prog_clone, 0);
}

/* A clone of a clone: three holders of one frame, each write copying it but the last. */
static void prog_clone_chain(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq),
         c = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, PAGE_SIZE, RW, 0, 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "one"), 3);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)b, (uint64_t)c, 0, 0, 0, 0), 0);
    uint64_t used = kh_pages_used();
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr, "two"), 3);
    KH_CHECK_EQ(kh_child_put(c, (uint64_t)addr, "three"), 5);
    KH_CHECK_EQ(kh_pages_used(), used + 2);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "uno"), 3);
    KH_CHECK_EQ(kh_pages_used(), used + 2);
    kh_child_expect(a, (uint64_t)addr, "uno");
    kh_child_expect(b, (uint64_t)addr, "two");
    kh_child_expect(c, (uint64_t)addr, "three");
    end(b);
    end(a);
    end(c);
}

static void test_clone_chain(void **state)
{
    (void)state;
    kh_run_program(prog_clone_chain, 0);
}

/* Every refusal: bad, wrong-type and right-less handles, a running source, a started or non-empty
 * destination, the same process twice, memory that is not plain, a destination over its quota;
 * after each the destination maps nothing and is charged for nothing more. */
static void prog_clone_refusals(uint64_t payload)
{
    (void)payload;
    long eq, eqa;
    long a = kh_supervised(prog_one_call, 0, NULL, &eqa), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 4 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, 999, (uint64_t)b, 0, 0, 0, 0), ERR_BAD_HANDLE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, 999, 0, 0, 0, 0), ERR_BAD_HANDLE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)eq, (uint64_t)b, 0, 0, 0, 0), ERR_WRONG_TYPE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)eq, 0, 0, 0, 0), ERR_WRONG_TYPE);
    long weak = kh_sys(SYS_HANDLE_REDUCE, (uint64_t)b, RIGHT_READ, 0, 0, 0, 0);
    KH_CHECK(weak > 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)weak, 0, 0, 0, 0), ERR_NO_RIGHTS);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)a, 0, 0, 0, 0), ERR_BAD_STATE);
    /* A destination that maps something. */
    long c = kh_supervised(prog_one_call, 0, NULL, &eq);
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)c, 0, PAGE_SIZE, RW | PROT_LAZY, 0, 0) > 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)c, 0, 0, 0, 0), ERR_BAD_STATE);
    /* Over the destination's quota: nothing mapped, nothing charged, the source as it was. */
    struct quota *qb = kh_child_proc(b)->quota;
    uint64_t b_before = kh_child_charged(b), limit = qb->limit[LIMIT_PAGES], used = kh_pages_used();
    qb->limit[LIMIT_PAGES] = b_before + 3 + 3; /* its tables and 3 of the 4 pages */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), ERR_NO_MEMORY);
    qb->limit[LIMIT_PAGES] = limit;
    KH_CHECK(vm_empty(&kh_child_proc(b)->vm));
    KH_CHECK_EQ(kh_child_charged(b), b_before + kh_child_proc(b)->vm.arch.tables - 1);
    KH_CHECK_EQ(kh_pages_used(), used + kh_child_proc(b)->vm.arch.tables - 1);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "still"), 5); /* read-only since, writable again in place */
    KH_CHECK_EQ(kh_pages_used(), used + kh_child_proc(b)->vm.arch.tables - 1);
    /* Memory that is not plain: a kept object. */
    struct kobj *obj;
    KH_CHECK_EQ(handle_object(proc_handles(), (handle_t)eq, 0, 0, (void **)&obj), 0);
    KH_CHECK_EQ(vm_keep(&kh_child_proc(a)->vm, obj), 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), ERR_NOT_SUPPORTED);
    KH_CHECK(vm_empty(&kh_child_proc(b)->vm));
    /* A running source, a started destination. */
    long d = kh_supervised(prog_one_call, 0, NULL, &eq);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)d, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)d, (uint64_t)b, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)c, (uint64_t)d, 0, 0, 0, 0), ERR_BAD_STATE);
    end(a);
    end(b);
    end(c);
    end(d);
}

static void test_clone_refusals(void **state)
{
    (void)state;
    kh_run_program(prog_clone_refusals, 0);
}

/*
 * Lazy memory: a mapping far larger than RAM costs nothing; each page touched (written, or read by
 * the kernel) costs one frame and its charge then; PROT_NONE refuses access and keeps the pages;
 * unmapping part of a partly touched mapping gives back exactly its touched pages.
 */
static void prog_lazy(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq);
    uint64_t used = kh_pages_used(), before = kh_child_charged(a), big = 64ul << 20;
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, PAGE_SIZE, 0, 0, 0),
                ERR_INVALID_ARG); /* eager none */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, PAGE_SIZE, RW | 0x2000, 0, 0), ERR_INVALID_ARG);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, big, RW | PROT_LAZY, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(kh_pages_used(), used);
    KH_CHECK_EQ(kh_child_charged(a), before);
    kh_child_expect_n(a, (uint64_t)addr + 5 * PAGE_SIZE, "\0\0\0", 3); /* a read allocates a zeroed page */
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 6 * PAGE_SIZE, "six"), 3);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 9 * PAGE_SIZE, "nine"), 4);
    uint64_t tables = kh_child_proc(a)->vm.arch.tables - 1; /* beyond the root */
    KH_CHECK_EQ(kh_pages_used(), used + 3 + tables);
    KH_CHECK_EQ(kh_child_charged(a), before + 3 + tables);
    /* PROT_NONE: nothing gets through, nothing is freed or allocated; back to RW, the data is there. */
    KH_CHECK_EQ(
        kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)addr + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)addr, PAGE_SIZE, RW | PROT_LAZY, 0, 0),
                ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 6 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 7 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS);
    uaddr_t buf = kh_ualloc(16);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_READ, (uint64_t)a, (uint64_t)addr + 6 * PAGE_SIZE, buf, 1, 0, 0),
                ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_pages_used(), used + 3 + tables);
    KH_CHECK_EQ(
        kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)addr + 4 * PAGE_SIZE, 4 * PAGE_SIZE, RW, 0, 0), 0);
    kh_child_expect(a, (uint64_t)addr + 6 * PAGE_SIZE, "six");
    KH_CHECK_EQ(kh_pages_used(), used + 3 + tables);
    /* Unmap a part holding two touched pages (5, 6) and an untouched one: two frames back. */
    KH_CHECK_EQ(
        kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)a, (uint64_t)addr + 5 * PAGE_SIZE, 3 * PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_pages_used(), used + 1 + tables);
    KH_CHECK_EQ(kh_child_charged(a), before + 1 + tables);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 7 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS); /* gone, not lazy */
    kh_child_expect(a, (uint64_t)addr + 9 * PAGE_SIZE, "nine");
    /* Touching past the quota: the access fails, nothing allocated. */
    struct quota *q = kh_child_proc(a)->quota;
    uint64_t limit = q->limit[LIMIT_PAGES];
    q->limit[LIMIT_PAGES] = q->used[LIMIT_PAGES];
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 10 * PAGE_SIZE, "x"), ERR_NO_MEMORY);
    KH_CHECK_EQ(kh_pages_used(), used + 1 + tables);
    q->limit[LIMIT_PAGES] = limit;
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 10 * PAGE_SIZE, "x"), 1);
    /* A lazy PROT_NONE mapping, opened later: untouched pages stay unallocated throughout. */
    long none = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, big, PROT_LAZY, 0, 0);
    KH_CHECK(none > 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)none, "x"), ERR_BAD_ADDRESS);
    used = kh_pages_used();
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)none, 16 * PAGE_SIZE, RW, 0, 0), 0);
    KH_CHECK_EQ(kh_pages_used(), used);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)none + 15 * PAGE_SIZE, "x"), 1);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)none + 16 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS);
    end(a);
}

static void test_lazy(void **state)
{
    (void)state;
    kh_run_program(prog_lazy, 0);
}

/* A clone of partly touched lazy memory: touched pages are shared, untouched ones stay lazy on
 * both sides (each touch then costs that side a page); PROT_NONE pages are cloned inaccessible. */
static void prog_clone_lazy(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 8 * PAGE_SIZE, RW | PROT_LAZY, 0, 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "zero"), 4);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 7 * PAGE_SIZE, "seven"), 5);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)addr + 7 * PAGE_SIZE, PAGE_SIZE, 0, 0, 0),
                0);
    uint64_t b_before = kh_child_charged(b);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), 0);
    uint64_t tables = kh_child_proc(b)->vm.arch.tables - 1;
    KH_CHECK_EQ(kh_child_charged(b), b_before + 2 + tables);
    uint64_t used = kh_pages_used();
    kh_child_expect(b, (uint64_t)addr, "zero");
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr + 7 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr + 3 * PAGE_SIZE, "three"), 5);
    KH_CHECK_EQ(kh_pages_used(), used + 1);
    KH_CHECK_EQ(kh_child_charged(b), b_before + 3 + tables);
    kh_child_expect_n(a, (uint64_t)addr + 3 * PAGE_SIZE, "\0\0\0", 3);
    /* Made writable again, a shared page stays copy-on-write: b's write copies it. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)b, (uint64_t)addr + 7 * PAGE_SIZE, PAGE_SIZE, RW, 0, 0),
                0);
    used = kh_pages_used();
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr + 7 * PAGE_SIZE, "SEVEN"), 5);
    KH_CHECK_EQ(kh_pages_used(), used + 1);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)a, (uint64_t)addr + 7 * PAGE_SIZE, PAGE_SIZE, RW, 0, 0),
                0);
    kh_child_expect(a, (uint64_t)addr + 7 * PAGE_SIZE, "seven");
    end(a);
    end(b);
}

static void test_clone_lazy(void **state)
{
    (void)state;
    kh_run_program(prog_clone_lazy, 0);
}

/* A clone of a huge, barely touched lazy mapping is charged for its touched pages and their page
 * tables only: it fits a quota with room for little more than those. */
static void prog_clone_sparse(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 512ul << 20, RW | PROT_LAZY, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "first"), 5);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + (500ul << 20), "last"), 4);
    struct quota *qb = kh_child_proc(b)->quota;
    uint64_t limit = qb->limit[LIMIT_PAGES];
    qb->limit[LIMIT_PAGES] =
        kh_child_charged(b) + 2 + 8; /* two pages, their tables (at most 3 each), slack */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), 0);
    qb->limit[LIMIT_PAGES] = limit;
    kh_child_expect(b, (uint64_t)addr + (500ul << 20), "last");
    end(a);
    end(b);
}

static void test_clone_sparse(void **state)
{
    (void)state;
    kh_run_program(prog_clone_sparse, 0);
}

/* An ordinary process maps lazy memory for itself: free until touched, then a page per page. */
static void prog_self_lazy(uint64_t payload)
{
    (void)payload;
    KH_CHECK_EQ(kh_sys(SYS_VM_MAP, PAGE_SIZE, PROT_LAZY, 0, 0, 0, 0), ERR_INVALID_ARG); /* no PROT_NONE */
    uint64_t used = kh_pages_used();
    long addr = kh_sys(SYS_VM_MAP, 32ul << 20, RW | PROT_LAZY, 0, 0, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(kh_pages_used(), used);
    kh_uput((uaddr_t)addr + 100 * PAGE_SIZE, "here", 4);
    char got[4];
    kh_uget(got, (uaddr_t)addr + 100 * PAGE_SIZE, 4);
    KH_CHECK(memcmp(got, "here", 4) == 0);
    uint64_t now = kh_pages_used();
    KH_CHECK(now > used && now <= used + 1 + 3); /* a page and its tables */
    KH_CHECK_EQ(kh_sys(SYS_VM_UNMAP, (uint64_t)addr, 32ul << 20, 0, 0, 0, 0), 0);
}

static void test_self_lazy(void **state)
{
    (void)state;
    kh_run_program(prog_self_lazy, 0);
}

/* A clone of 256 pages pauses between its chunks of VM_CHUNK_PAGES, as a map does. */
static void prog_clone_chunks(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 256 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    long before = karch_irq_windows;
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(karch_irq_windows - before, 256 / VM_CHUNK_PAGES - 1);
    end(a);
    end(b);
}

static void test_clone_in_chunks(void **state)
{
    (void)state;
    kh_run_program(prog_clone_chunks, 0);
}

static long kill_at; /* the preemption point at which kill_caller_at kills the caller (0: none) */

/* karch_irq_window_hook: the process in the system call is killed at preemption point kill_at, as
 * another CPU or an interrupt's wake-up could do. */
static void kill_caller_at(long n)
{
    if (kill_at && n == kill_at)
        proc_kill(proc_current());
}

/* The clone never returns to its program: killed midway, it undoes itself (the frames shared so
 * far get their counts back), and the children end with their supervisor. */
static void prog_clone_until_killed(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 256 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    kill_at = karch_irq_windows + 5;
    kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0);
    KH_CHECK(!"the killed program went on after its clone");
}

static void test_clone_killed_midway(void **state)
{
    (void)state;
    kh_setup();
    kh_failed_check[0] = 0;
    kill_at = 0;
    karch_irq_window_hook = kill_caller_at;
    struct proc *p = kh_spawn("cloner", prog_clone_until_killed, 0);
    assert_non_null(p);
    kh_run();
    assert_int_equal(p->state, PROC_DEAD);
    assert_int_equal(p->exit.reason, EXIT_KILLED);
    kh_release(p);
    karch_irq_window_hook = NULL;
    if (kh_failed_check[0])
        fail_msg("%s", kh_failed_check);
    kh_check_clean(); /* every frame, shared or not, and every charge is back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_clone_chain),
        cmocka_unit_test(test_clone_refusals),
        cmocka_unit_test(test_lazy),
        cmocka_unit_test(test_clone_lazy),
        cmocka_unit_test(test_self_lazy),
        cmocka_unit_test(test_clone_sparse),
        cmocka_unit_test(test_clone_in_chunks),
        cmocka_unit_test(test_clone_killed_midway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
