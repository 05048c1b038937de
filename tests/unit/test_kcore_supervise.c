/* test_kcore_supervise.c: supervised processes in the kernel core: a fault resumed by the supervisor,
 * the ends of a child whose supervisor closes its channel or exits, split mappings, interrupts, FPU state,
 * with nothing left behind. */
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

/* A supervised program: a page fault as the port reports it (which returns if the supervisor
 * resumes it), then a system call. */
static void prog_fault_then_call(uint64_t payload)
{
    (void)payload;
    struct fault_info f = {.kind = FAULT_MEMORY,
                           .code = 14,
                           .name = "page fault (#PF)",
                           .pc = 0x401000,
                           .addr = 0xdead000,
                           .detail = 6,
                           .write = true};
    kernel_lock();
    proc_fault(&f);
    proc_user_return();
    kernel_unlock();
    kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0);
}

/* A supervised program that makes one system call. */
static void prog_one_call(uint64_t payload)
{
    (void)payload;
    kh_sys(SYS_CLOCK, 0, 0, 0, 0, 0, 0);
}

/* The next event of eq must be a trap of this kind: its call id, its data in *ti. */
static uint64_t expect_trap(long eq, uint32_t kind, struct trap_info *ti)
{
    struct warp_event ev;
    KH_CHECK_EQ(kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER), 0);
    KH_CHECK(ev.type == EV_MESSAGE && ev.u.msg.type == MSG_TRAP && ev.u.msg.flags == MSG_CALL);
    memcpy(ti, ev.u.msg.data, sizeof(*ti));
    KH_CHECK_EQ(ti->kind, kind);
    return ev.u.msg.call_id;
}

/* SYS_WAIT on a child: its exit reason. */
static int32_t exit_reason(long child)
{
    uaddr_t out = kh_ualloc(sizeof(struct exit_info));
    KH_CHECK_EQ(kh_sys(SYS_WAIT, (uint64_t)child, out, 0, 0, 0, 0), 0);
    struct exit_info ei;
    kh_uget(&ei, out, sizeof(ei));
    return ei.reason;
}

/* The fault reaches the supervisor with the port's facts; the reply resumes the child, whose next
 * system call traps in turn; a kill then ends it. */
static void prog_resume_fault(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_fault_then_call, 0, &ch, &eq);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    struct trap_info ti;
    uint64_t id = expect_trap(eq, TRAP_FAULT, &ti);
    KH_CHECK(ti.fault_kind == FAULT_MEMORY && ti.fault_vector == 14 && ti.fault_addr == 0xdead000 &&
             ti.error_code == 6);
    struct warp_msg r = {.type = MSG_TRAP, .flags = MSG_REPLY, .call_id = id, .status = 0};
    KH_CHECK_EQ(kh_send(ch, &r), 0);
    expect_trap(eq, TRAP_SYSCALL, &ti);
    KH_CHECK_EQ(ti.nr, SYS_CLOCK);
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
}

static void test_fault_resumed(void **state)
{
    (void)state;
    kh_run_program(prog_resume_fault, 0);
}

/* A fault answered with a negative status ends the child as an unsupervised fault would. */
static void prog_refuse_fault(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_fault_then_call, 0, &ch, &eq);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    struct trap_info ti;
    uint64_t id = expect_trap(eq, TRAP_FAULT, &ti);
    struct warp_msg r = {.type = MSG_TRAP, .flags = MSG_REPLY, .call_id = id, .status = ERR_INVALID_ARG};
    KH_CHECK_EQ(kh_send(ch, &r), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_FAULT);
}

static void test_fault_refused(void **state)
{
    (void)state;
    kh_run_program(prog_refuse_fault, 0);
}

/* Closing the supervision channel kills the child: trapped (payload 1) or never started (0). */
static void prog_close(uint64_t payload)
{
    handle_t ch;
    long eq, child = kh_supervised(prog_one_call, 0, &ch, &eq);
    struct trap_info ti;
    if (payload) {
        KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
        expect_trap(eq, TRAP_SYSCALL, &ti);
    }
    KH_CHECK_EQ(kh_close(ch), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
}

static void test_close_kills_trapped(void **state)
{
    (void)state;
    kh_run_program(prog_close, 1);
}

static void test_close_kills_new(void **state)
{
    (void)state;
    kh_run_program(prog_close, 0);
}

/* The supervisor exits while its child is trapped: the child ends too (kh_run_program's clean check). */
static void prog_leave_trapped(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_one_call, 0, &ch, &eq);
    struct trap_info ti;
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    expect_trap(eq, TRAP_SYSCALL, &ti);
}

static void test_supervisor_exit(void **state)
{
    (void)state;
    kh_run_program(prog_leave_trapped, 0);
}

/* A supervised program that spins, giving the CPU away as a timer tick would make it (the host has
 * none) and coming back through the return to user mode. */
static void prog_spin(uint64_t payload)
{
    (void)payload;
    for (;;) {
        kernel_lock();
        sched_yield_cpu();
        proc_user_return();
        kernel_unlock();
    }
}

/* SYS_PROC_INTERRUPT: refused before the start and while trapped; asked while the child runs, it
 * traps with TRAP_INTERRUPT; a reply >= 0 resumes it, a negative one kills it. */
static void prog_interrupt(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_spin, 0, &ch, &eq);
    KH_CHECK_EQ(kh_sys(SYS_PROC_INTERRUPT, (uint64_t)child, 0, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    struct warp_msg r = {.type = MSG_TRAP, .flags = MSG_REPLY};
    struct trap_info ti;
    for (int64_t status = 0; status >= ERR_INVALID_ARG; status += ERR_INVALID_ARG) {
        KH_CHECK_EQ(kh_sys(SYS_YIELD, 0, 0, 0, 0, 0, 0), 0); /* the child runs */
        KH_CHECK_EQ(kh_sys(SYS_PROC_INTERRUPT, (uint64_t)child, 0, 0, 0, 0, 0), 0);
        r.call_id = expect_trap(eq, TRAP_INTERRUPT, &ti);
        KH_CHECK_EQ(kh_sys(SYS_PROC_INTERRUPT, (uint64_t)child, 0, 0, 0, 0, 0), ERR_BAD_STATE);
        r.status = status;
        KH_CHECK_EQ(kh_send(ch, &r), 0);
    }
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
}

static void test_interrupt(void **state)
{
    (void)state;
    kh_run_program(prog_interrupt, 0);
}

/* SYS_PROC_GET_FPU/SET_FPU: the initial state; a state set is read back (the reserved bytes 0);
 * an MXCSR outside the mask is refused and changes nothing; only while stopped (new or trapped);
 * a bad buffer is ERR_BAD_ADDRESS; nothing once ended. */
static void prog_fpu(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_spin, 0, &ch, &eq);
    uaddr_t buf = kh_ualloc(sizeof(struct cpu_fpu));
    struct cpu_fpu f, back;
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), 0);
    kh_uget(&f, buf, sizeof(f));
    KH_CHECK(f.fcw == CPU_FPU_FCW_INIT && f.mxcsr == CPU_FPU_MXCSR_INIT && f.xmm[0][0] == 0);
    memset(f.xmm[0], 0x42, 16);
    memset(f.reserved, 0xee, sizeof(f.reserved));
    kh_uput(buf, &f, sizeof(f));
    KH_CHECK_EQ(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), 0);
    f.mxcsr = CPU_FPU_MXCSR_INIT | (1u << 6); /* DAZ: outside the mask of a CPU reporting 0 */
    kh_uput(buf, &f, sizeof(f));
    KH_CHECK_EQ(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), ERR_INVALID_ARG);
    KH_CHECK_EQ(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, 0xffff800000000000ull, 0, 0, 0, 0),
                ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, 0, 0, 0, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), 0);
    kh_uget(&back, buf, sizeof(back));
    KH_CHECK(back.xmm[0][15] == 0x42 && back.mxcsr == CPU_FPU_MXCSR_INIT && back.reserved[0] == 0);
    KH_CHECK_EQ(kh_sys(SYS_PROC_START, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_YIELD, 0, 0, 0, 0, 0, 0), 0); /* the child runs */
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_INTERRUPT, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    struct trap_info ti;
    expect_trap(eq, TRAP_INTERRUPT, &ti);
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
    KH_CHECK_EQ(kh_sys(SYS_PROC_GET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), ERR_BAD_STATE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_SET_FPU, (uint64_t)child, buf, 0, 0, 0, 0), ERR_BAD_STATE);
}

static void test_fpu(void **state)
{
    (void)state;
    kh_run_program(prog_fpu, 0);
}

/* Parts of a mapping: a page unmapped from its middle returns that page and its charge, a
 * protected part is one more mapping, a range over two pieces is refused, and unmapping every
 * piece gives back every page's charge. */
static void prog_split(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_one_call, 0, &ch, &eq);
    struct quota *q = kh_child_proc(child)->quota;
    uint64_t before = q->used[LIMIT_PAGES], count = vm_count_user(&kh_child_proc(child)->vm);
    long a = kh_sys(SYS_PROC_VM_MAP, (uint64_t)child, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, 0);
    KH_CHECK(a > 0);
    uint64_t mapped = q->used[LIMIT_PAGES], used = kh_pages_used();
    KH_CHECK(mapped >= before + 4);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)child, (uint64_t)a + PAGE_SIZE, PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(q->used[LIMIT_PAGES], mapped - 1);
    KH_CHECK_EQ(kh_pages_used(), used - 1);
    KH_CHECK_EQ(vm_count_user(&kh_child_proc(child)->vm), count + 2);
    KH_CHECK_EQ(
        kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)child, (uint64_t)a + 3 * PAGE_SIZE, PAGE_SIZE, PROT_READ, 0, 0),
        0);
    KH_CHECK_EQ(vm_count_user(&kh_child_proc(child)->vm), count + 3);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_PROTECT, (uint64_t)child, (uint64_t)a + 2 * PAGE_SIZE, 2 * PAGE_SIZE,
                       PROT_READ, 0, 0),
                ERR_NOT_FOUND); /* two pieces */
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)child, (uint64_t)a, PAGE_SIZE, 0, 0, 0), 0);
    for (uint64_t i = 2; i < 4; i++)
        KH_CHECK_EQ(
            kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)child, (uint64_t)a + i * PAGE_SIZE, PAGE_SIZE, 0, 0, 0), 0);
    KH_CHECK_EQ(q->used[LIMIT_PAGES], mapped - 4);
    KH_CHECK_EQ(vm_count_user(&kh_child_proc(child)->vm), count);
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
}

static void test_split(void **state)
{
    (void)state;
    kh_run_program(prog_split, 0);
}

/* The clock page: mapped read-only where asked, what the port describes (the host's simulated
 * clock has no counter: CLOCK_SOURCE_NONE), no frame of the child's, and gone with it. */
static void prog_clock_page(uint64_t payload)
{
    (void)payload;
    handle_t ch;
    long eq, child = kh_supervised(prog_one_call, 0, &ch, &eq);
    struct quota *q = kh_child_proc(child)->quota;
    uint64_t used = kh_pages_used(), charged = q->used[LIMIT_PAGES];
    long a = kh_sys(SYS_CLOCK_MAP, (uint64_t)child, 0, 0, 0, 0, 0);
    KH_CHECK(a > 0 && a % PAGE_SIZE == 0);
    KH_CHECK(kh_pages_used() - used == q->used[LIMIT_PAGES] - charged); /* page tables only */
    KH_CHECK(kh_pages_used() - used <= 3);
    uaddr_t buf = kh_ualloc(sizeof(struct clock_page));
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_READ, (uint64_t)child, (uint64_t)a, buf, sizeof(struct clock_page), 0, 0),
                (long)sizeof(struct clock_page));
    struct clock_page cp;
    kh_uget(&cp, buf, sizeof(cp));
    KH_CHECK(cp.version == CLOCK_PAGE_VERSION && cp.source == CLOCK_SOURCE_NONE);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_WRITE, (uint64_t)child, (uint64_t)a, buf, 8, 0, 0), ERR_BAD_ADDRESS);
    KH_CHECK_EQ(kh_sys(SYS_PROC_VM_UNMAP, (uint64_t)child, (uint64_t)a, PAGE_SIZE, 0, 0, 0), ERR_NOT_FOUND);
    KH_CHECK_EQ(kh_sys(SYS_CLOCK_MAP, (uint64_t)child, (uint64_t)a, 0, 0, 0, 0), ERR_ALREADY_EXISTS);
    KH_CHECK_EQ(kh_sys(SYS_CLOCK_MAP, (uint64_t)child, (uint64_t)a + PAGE_SIZE, 0, 0, 0, 0),
                a + (long)PAGE_SIZE);
    KH_CHECK_EQ(kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0), 0);
    KH_CHECK_EQ(exit_reason(child), EXIT_KILLED);
}

static void test_clock_page(void **state)
{
    (void)state;
    kh_run_program(prog_clock_page, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_resumed),       cmocka_unit_test(test_fault_refused),
        cmocka_unit_test(test_close_kills_trapped), cmocka_unit_test(test_close_kills_new),
        cmocka_unit_test(test_supervisor_exit),     cmocka_unit_test(test_split),
        cmocka_unit_test(test_interrupt),           cmocka_unit_test(test_fpu),
        cmocka_unit_test(test_clock_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
