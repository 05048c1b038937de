/* test_kcore_share.c: the kernel core on the host: processes sharing one address space
 * (SYS_PROC_VM_SHARE, Linux threads): what one maps or writes the others see, the owner's end ends
 * them all and frees the space last, a sharer's end frees nothing, and every refusal. */
#include "karch/kharness.h"

#include <handle.h>
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

/* A sharer's program: stores its payload's low byte at the page the payload's high bits name
 * (offset 0 for 'a', 1 for 'b': each its own byte), then traps. The page may be lazy: the store
 * faults, and vm_fault gives the shared space its frame. */
static void prog_store(uint64_t payload)
{
    char c = (char)(payload & 0xff);
    kh_uput((payload & ~0xfful) + (uint64_t)(c - 'a'), &c, 1);
    kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0);
}

static long share(long src, long dst)
{
    return kh_sys(SYS_PROC_VM_SHARE, (uint64_t)src, (uint64_t)dst, 0, 0, 0, 0);
}

/* Wait for a child's end; its exit reason. */
static int32_t child_exit(long child)
{
    uaddr_t out = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(kh_sys(SYS_WAIT, (uint64_t)child, out, 0, 0, 0, 0), 0);
    struct exit_info info;
    kh_uget(&info, out, sizeof(info));
    return info.reason;
}

/* Kill a child and wait for its end; its exit reason. */
static int32_t end(long child)
{
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    return child_exit(child);
}

/* The next event of eq must be a trap; its call id. */
static uint64_t expect_trap(long eq)
{
    struct warp_event ev;
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER), 0);
    KH_CHECK(ev.type == EV_MESSAGE && ev.u.msg.type == MSG_TRAP);
    return ev.u.msg.call_id;
}

/* The page the sharers' programs store to: fixed, so that it can be named before it is mapped. */
#define VA 0x40000000ul

/*
 * Two processes in one space: the sharer's own empty space is freed (its root table and charge
 * back); a map through either handle is seen through the other, charged to the owner; writes
 * through the kernel and from each one's own user mode (a lazy page's first touch among them) are
 * seen by the other.
 */
static void prog_share(uint64_t payload)
{
    (void)payload;
    long eqa, eqb;
    long a = kh_supervised(prog_store, VA | 'a', NULL, &eqa),
         b = kh_supervised(prog_store, VA | 'b', NULL, &eqb);
    uint64_t used = kh_pages_used(), a_before = kh_child_charged(a), b_before = kh_child_charged(b);
    KH_CHECK_EQ(share(a, b), 0);
    KH_CHECK_EQ(kh_pages_used(), used - 1);
    KH_CHECK_EQ(kh_child_charged(b), b_before - 1);
    KH_CHECK(kh_child_proc(b)->space == &kh_child_proc(a)->vm);
    KH_CHECK_EQ(kh_child_proc(a)->vm.sharers, 1);
    /* Maps through the sharer land in the owner's space, on the owner's account. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_MAP, (uint64_t)b, VA, PAGE_SIZE, RW | PROT_LAZY, 0, 0), (long)VA);
    long more = kh_sys(SYS_PROC_VM_MAP, (uint64_t)b, 0, 2 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(more > 0);
    KH_CHECK_EQ(kh_child_charged(b), b_before - 1);
    KH_CHECK(kh_child_charged(a) >= a_before + 2);
    KH_CHECK_EQ(vm_count_user(&kh_child_proc(a)->vm), 2);
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)more + PAGE_SIZE, "through b"), 9);
    kh_child_expect(a, (uint64_t)more + PAGE_SIZE, "through b");
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)more, "through a"), 9);
    kh_child_expect(b, (uint64_t)more, "through a");
    /* An unmap through one is gone for the other. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)a, (uint64_t)more, PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)more, "x"), ERR_BAD_ADDRESS);
    /* Each runs and stores to the same lazy page from user mode; each sees the other's store. */
    uint64_t a_mid = kh_child_charged(a);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)b, 0, 0, 0, 0, 0), 0);
    expect_trap(eqb);
    KH_CHECK(kh_child_charged(a) > a_mid); /* b's first touch charged the owner */
    KH_CHECK_EQ(kh_child_charged(b), b_before - 1);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)a, 0, 0, 0, 0, 0), 0);
    expect_trap(eqa);
    kh_child_expect(a, VA, "ab");
    kh_child_expect(b, VA, "ab");
    KH_CHECK_EQ(end(a), EXIT_KILLED);
    KH_CHECK_EQ(child_exit(b), EXIT_KILLED);
}

static void test_share(void **state)
{
    (void)state;
    kh_run_program(prog_share, 0);
}

/*
 * The owner's end ends every sharer, a chain's too (a sharer of a sharer shares the owner's
 * space), running or not, and the space is freed only once all have left: when the owner is dead,
 * so is every sharer, off the space. Every page comes back (kh_run_program checks).
 */
static void prog_owner_ends(uint64_t payload)
{
    (void)payload;
    long eqa, eqb, eqc;
    long a = kh_supervised(prog_one_call, 0, NULL, &eqa), b = kh_supervised(prog_store, VA | 'b', NULL, &eqb),
         c = kh_supervised(prog_one_call, 0, NULL, &eqc);
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, VA, 4 * PAGE_SIZE, RW, 0, 0) > 0);
    KH_CHECK_EQ(share(a, b), 0);
    KH_CHECK_EQ(share(b, c), 0);
    KH_CHECK(kh_child_proc(c)->space == &kh_child_proc(a)->vm);
    KH_CHECK_EQ(kh_child_proc(a)->vm.sharers, 2);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)b, 0, 0, 0, 0, 0), 0);
    expect_trap(eqb); /* b waits in its trap, c to be started */
    struct proc *pb = kh_child_proc(b), *pc = kh_child_proc(c);
    KH_CHECK_EQ(end(a), EXIT_KILLED);
    KH_CHECK(pb->state == PROC_DEAD && pc->state == PROC_DEAD);
    KH_CHECK(pb->space == NULL && pc->space == NULL);
    KH_CHECK_EQ(child_exit(b), EXIT_KILLED);
    KH_CHECK_EQ(child_exit(c), EXIT_KILLED);
}

static void test_owner_ends(void **state)
{
    (void)state;
    kh_run_program(prog_owner_ends, 0);
}

/* A sharer's end frees nothing of the space: the owner's memory stays, it maps on, and it takes a
 * new sharer. */
static void prog_sharer_ends(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq),
         c = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 2 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(share(a, b), 0);
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr, "kept"), 4);
    uint64_t used = kh_pages_used(), a_before = kh_child_charged(a);
    KH_CHECK_EQ(end(b), EXIT_KILLED);
    KH_CHECK_EQ(kh_pages_used(), used);
    KH_CHECK_EQ(kh_child_charged(a), a_before);
    KH_CHECK_EQ(kh_child_proc(a)->vm.sharers, 0);
    kh_child_expect(a, (uint64_t)addr, "kept");
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, PAGE_SIZE, RW, 0, 0) > 0);
    KH_CHECK_EQ(share(a, c), 0);
    kh_child_expect(c, (uint64_t)addr, "kept");
    KH_CHECK_EQ(end(c), EXIT_KILLED);
    KH_CHECK_EQ(end(a), EXIT_KILLED);
}

static void test_sharer_ends(void **state)
{
    (void)state;
    kh_run_program(prog_sharer_ends, 0);
}

/*
 * Every refusal of the share, each leaving both sides as they were: bad, wrong-type and
 * right-less handles (an ordinary process's among them: it is never managed), the same process, a started or
 * non-empty destination, one that shares already or is shared, a source that is the
 * destination's own sharer. Then the clone's refusals of shared spaces, and a clone from a sharer.
 */
static void prog_share_refusals(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq),
         c = kh_supervised(prog_one_call, 0, NULL, &eq), d = kh_supervised(prog_one_call, 0, NULL, &eq),
         e = kh_supervised(prog_one_call, 0, NULL, &eq);
    KH_CHECK_EQ(share(999, b), ERR_BAD_HANDLE);
    KH_CHECK_EQ(share(a, 999), ERR_BAD_HANDLE);
    KH_CHECK_EQ(share(eq, b), ERR_WRONG_TYPE);
    KH_CHECK_EQ(share(a, eq), ERR_WRONG_TYPE);
    long weak = kh_sys(SYS_HANDLE_REDUCE, (uint64_t)b, RIGHT_READ, 0, 0, 0, 0);
    KH_CHECK(weak > 0);
    KH_CHECK_EQ(share(a, weak), ERR_NO_RIGHTS);
    KH_CHECK_EQ(share(weak, a), ERR_NO_RIGHTS);
    long plain = kh_spawn_child("plain", prog_one_call, 0, NULL, 0);
    KH_CHECK(plain > 0);
    KH_CHECK_EQ(share(plain, b), ERR_NO_RIGHTS); /* its handle never has RIGHT_MANAGE */
    KH_CHECK_EQ(share(a, plain), ERR_NO_RIGHTS);
    KH_CHECK_EQ(share(a, a), ERR_BAD_STATE);
    /* A destination that maps something, or that was started. */
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)c, 0, PAGE_SIZE, RW | PROT_LAZY, 0, 0) > 0);
    KH_CHECK_EQ(share(a, c), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)d, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(share(a, d), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_child_proc(a)->vm.sharers, 0);
    /* b joins a: it shares already, a is shared, and b's owner is a. */
    KH_CHECK_EQ(share(a, b), 0);
    KH_CHECK_EQ(share(a, b), ERR_BAD_STATE);
    KH_CHECK_EQ(share(e, b), ERR_BAD_STATE);
    KH_CHECK_EQ(share(e, a), ERR_BAD_STATE);
    KH_CHECK_EQ(share(b, a), ERR_BAD_STATE);
    KH_CHECK_EQ(share(b, b), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_child_proc(a)->vm.sharers, 1);
    /* The clone: no sharer nor shared owner as destination; a sharer as source clones the space. */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)e, (uint64_t)b, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)e, (uint64_t)a, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)a, (uint64_t)b, 0, 0, 0, 0), ERR_BAD_STATE);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, PAGE_SIZE, RW, 0, 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "forked"), 6);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)b, (uint64_t)e, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_child_put(b, (uint64_t)addr, "thread"), 6);
    kh_child_expect(e, (uint64_t)addr, "forked");
    kh_child_expect(a, (uint64_t)addr, "thread");
    end(plain);
    end(a);
    end(b);
    end(c);
    end(d);
    end(e);
}

static void test_share_refusals(void **state)
{
    (void)state;
    kh_run_program(prog_share_refusals, 0);
}

static long sharer_busy_seen; /* preemption points at which the sharer's space was busy */
static struct proc *hook_sharer;

/* karch_irq_window_hook: during a long map through the owner, the sharer's space is busy too. */
static void note_sharer_busy(long n)
{
    (void)n;
    sharer_busy_seen += hook_sharer && hook_sharer->space->busy;
}

/* Busy is the space's: a map through one handle with preemption points makes the space busy for
 * calls through the other (managed_vm refuses them meanwhile), and not after. */
static void prog_share_busy(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq);
    KH_CHECK_EQ(share(a, b), 0);
    sharer_busy_seen = 0;
    hook_sharer = kh_child_proc(b);
    karch_irq_window_hook = note_sharer_busy;
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 64 * PAGE_SIZE, RW, 0, 0) > 0);
    karch_irq_window_hook = NULL;
    hook_sharer = NULL;
    KH_CHECK_EQ(sharer_busy_seen, 64 / VM_CHUNK_PAGES - 1);
    KH_CHECK(!kh_child_proc(b)->space->busy);
    KH_CHECK(kh_sys(SYS_PROC_VM_MAP, (uint64_t)b, 0, PAGE_SIZE, RW, 0, 0) > 0);
    end(a);
    end(b);
}

static void test_share_busy(void **state)
{
    (void)state;
    kh_run_program(prog_share_busy, 0);
}

static struct proc *hook_victim; /* killed at the next preemption point (kill_victim) */

/* karch_irq_window_hook: kill hook_victim once, as its supervisor's close on another CPU could. */
static void kill_victim(long n)
{
    (void)n;
    if (hook_victim)
        proc_kill(hook_victim);
    hook_victim = NULL;
}

/*
 * A sharer killed, and gone, in the middle of a long call made through its handle (an unmap, a
 * protect, a clone from it): the call finishes on the space, which stays its owner's, and
 * nothing of the sharer is touched after it has left.
 */
static void prog_sharer_killed_midway(uint64_t payload)
{
    (void)payload;
    long eq;
    long a = kh_supervised(prog_one_call, 0, NULL, &eq), b = kh_supervised(prog_one_call, 0, NULL, &eq),
         c = kh_supervised(prog_one_call, 0, NULL, &eq), d = kh_supervised(prog_one_call, 0, NULL, &eq);
    long addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)a, 0, 128 * PAGE_SIZE, RW, 0, 0);
    KH_CHECK(addr > 0);
    KH_CHECK_EQ(share(a, b), 0);
    KH_CHECK_EQ(share(a, c), 0);
    KH_CHECK_EQ(share(a, d), 0);
    karch_irq_window_hook = kill_victim;
    hook_victim = kh_child_proc(b);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)b, (uint64_t)addr, 64 * PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(child_exit(b), EXIT_KILLED);
    hook_victim = kh_child_proc(c);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)c, (uint64_t)addr + 64 * PAGE_SIZE, 64 * PAGE_SIZE,
                       PROT_READ, 0, 0),
                0);
    KH_CHECK_EQ(child_exit(c), EXIT_KILLED);
    long e = kh_supervised(prog_one_call, 0, NULL, &eq);
    hook_victim = kh_child_proc(d);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)d, (uint64_t)e, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(child_exit(d), EXIT_KILLED);
    karch_irq_window_hook = NULL;
    KH_CHECK(!kh_child_proc(a)->vm.busy && kh_child_proc(a)->vm.sharers == 0);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr, "x"), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_child_put(a, (uint64_t)addr + 64 * PAGE_SIZE, "x"), ERR_BAD_ADDRESS); /* read-only now */
    uaddr_t buf = kh_ualloc(16);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_READ, (uint64_t)e, (uint64_t)addr + 64 * PAGE_SIZE, buf, 1, 0, 0), 1);
    end(a);
    end(e);
}

static void test_sharer_killed_midway(void **state)
{
    (void)state;
    kh_run_program(prog_sharer_killed_midway, 0);
}

/* --- fault sweep: each kernel allocation of a share scenario failing in turn --- */

/* The supervisor of the sweep: three children in one space (a chain), maps and writes through
 * each, a clone of it from a sharer, a sharer ended early and the owner's end for the rest. */
static void prog_sweep(uint64_t payload)
{
    (void)payload;
    handle_t c[4][2];
    long p[4], addr;
    uaddr_t buf = kh_ualloc(16);
    for (int i = 0; i < 4; i++)
        if (!kh_ok(kh_channel_create(c[i])) || !kh_ok(p[i] = kh_spawn_supervised(prog_one_call, 0, c[i][1])))
            return;
    if (kh_ok(share(p[0], p[1])) && kh_ok(share(p[1], p[2])) &&
        kh_ok(addr = kh_sys(SYS_PROC_VM_MAP, (uint64_t)p[2], 0, 4 * PAGE_SIZE, RW | PROT_LAZY, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_WRITE, (uint64_t)p[1], (uint64_t)addr, buf, 4, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_READ, (uint64_t)p[0], (uint64_t)addr, buf, 4, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_START, (uint64_t)p[2], 0, 0, 0, 0, 0)) &&
        kh_ok(kh_sys(SYS_PROC_VM_CLONE, (uint64_t)p[1], (uint64_t)p[3], 0, 0, 0, 0)))
        kh_ok(kh_sys(SYS_KILL, (uint64_t)p[1], 0, 0, 0, 0, 0));
    for (int i = 0; i < 4; i++)
        kh_ok(kh_sys(SYS_KILL, (uint64_t)p[i], 0, 0, 0, 0, 0));
}

static struct proc *sweep_proc;

static void scenario_share(void)
{
    sweep_proc = kh_spawn("sharer", prog_sweep, 0);
    kh_run();
    if (sweep_proc) {
        proc_kill(sweep_proc);
        kh_run();
        kh_release(sweep_proc);
    }
}

static void test_faults_share(void **state)
{
    (void)state;
    assert_true(kh_fault_sweep(scenario_share) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share),        cmocka_unit_test(test_owner_ends),
        cmocka_unit_test(test_sharer_ends),  cmocka_unit_test(test_share_refusals),
        cmocka_unit_test(test_share_busy),   cmocka_unit_test(test_sharer_killed_midway),
        cmocka_unit_test(test_faults_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
