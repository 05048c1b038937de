/* t_share.c: tests of processes sharing one address space (SYS_PROC_VM_SHARE, the kernel side of
 * Linux threads): each sees the other's stores and maps, the owner's end ends its sharers, every
 * page comes back, and every refusal. */
#include "tests.h"

#define SHARE_DATA 0x900000ul /* a data page of the children, beside SUP_CODE and SUP_STACK */

/* Two children in one space, each storing a word to the same page from user mode: each sees the
 * other's store; a map through the sharer is the owner's; the sharer's own space was given back;
 * every page comes back when both end. */
static void share_runs(void)
{
    uint64_t free0 = tests_free_pages();
    struct sup a, b;
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 ||
        sup_load(&a, sup_prog_store, sizeof(sup_prog_store), SYS_CLOCK) < 0) {
        tap_ok(false, "two supervised children, the first loaded");
        return;
    }
    handle_t pa = (handle_t)a.proc, pb = (handle_t)b.proc;
    uint64_t free1 = tests_free_pages();
    tap_eq(warp_proc_vm_share(pa, pb), 0, "proc_vm_share of a loaded child into a new one returns 0");
    tap_ok(tests_free_pages() > free1, "... and gives back the new one's own page tables");
    tap_eq(warp_proc_vm_map(pb, SHARE_DATA, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_LAZY), (long)SHARE_DATA,
           "proc_vm_map through the sharer maps a lazy data page");
    tap_eq(sup_word(pa, SHARE_DATA), 0, "... which the owner reads (zero)");
    sup_set_store(pa, pa, SHARE_DATA, 0x1111);
    sup_set_store(pb, pa, SHARE_DATA + 8, 0x2222); /* the same code, seen through the shared space */
    if (sup_run_to_syscall(&b, "the sharer") && sup_run_to_syscall(&a, "the owner")) {
        tap_eq(sup_word(pa, SHARE_DATA + 8), 0x2222, "the owner sees the sharer's store");
        tap_eq(sup_word(pb, SHARE_DATA), 0x1111, "the sharer sees the owner's store");
    }
    uint64_t w = 0x3333;
    tap_ok(warp_proc_vm_write(pa, SHARE_DATA + 16, &w, 8) == 8 && sup_word(pb, SHARE_DATA + 16) == 0x3333,
           "proc_vm_write through the owner is read through the sharer");
    tap_eq(warp_proc_vm_unmap(pa, SHARE_DATA, PAGE_SIZE), 0, "proc_vm_unmap through the owner returns 0");
    tap_eq(warp_proc_vm_read(pb, SHARE_DATA, &w, 8), ERR_BAD_ADDRESS,
           "... and the page is gone for the sharer");
    sup_close(&b);
    sup_close(&a);
    tap_ok(tests_free_pages() >= free0, "every page of the two came back (free %lu, before %lu)",
           (unsigned long)tests_free_pages(), (unsigned long)free0);
}

/* Killing the owner ends its sharers, a running one and a trapped one, and only then its memory
 * goes: every page comes back. */
static void share_owner_ends(void)
{
    uint64_t free0 = tests_free_pages();
    struct sup a, b, c;
    struct exit_info ei;
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 || sup_spawn(&c, NULL) < 0 ||
        sup_load(&a, sup_prog_spin, sizeof(sup_prog_spin), 0) < 0 ||
        warp_proc_vm_share((handle_t)a.proc, (handle_t)b.proc) < 0 ||
        warp_proc_vm_share((handle_t)b.proc, (handle_t)c.proc) < 0 ||
        sup_set_store((handle_t)b.proc, (handle_t)a.proc, SHARE_DATA, 0) < 0 ||
        warp_proc_start((handle_t)b.proc) < 0) {
        tap_ok(false, "three supervised children in one space, the second running");
        return;
    }
    tap_ok(sup_exit(&a, true, &ei) && ei.reason == EXIT_KILLED, "the owner, killed, ends");
    tap_ok(sup_exit(&b, false, &ei) && ei.reason == EXIT_KILLED, "... and so does its running sharer");
    tap_ok(sup_exit(&c, false, &ei) && ei.reason == EXIT_KILLED,
           "... and the one that shares through it, never started");
    sup_close(&a);
    sup_close(&b);
    sup_close(&c);
    tap_ok(tests_free_pages() >= free0, "every page of the three came back (free %lu, before %lu)",
           (unsigned long)tests_free_pages(), (unsigned long)free0);
}

/* Every refusal of proc_vm_share, and proc_vm_clone's of shared spaces. */
static void share_refusals(void)
{
    struct sup a, b, c, run, used;
    if (sup_spawn(&a, NULL) < 0 || sup_spawn(&b, NULL) < 0 || sup_spawn(&c, NULL) < 0 ||
        sup_spawn(&run, NULL) < 0 || sup_spawn(&used, NULL) < 0 ||
        sup_load(&run, sup_prog_spin, sizeof(sup_prog_spin), 0) < 0 ||
        warp_proc_start((handle_t)run.proc) < 0 ||
        warp_proc_vm_map((handle_t)used.proc, SHARE_DATA, PAGE_SIZE, PROT_READ | PROT_LAZY) < 0) {
        tap_ok(false, "five supervised children for the refusals");
        return;
    }
    handle_t pa = (handle_t)a.proc, pb = (handle_t)b.proc, pc = (handle_t)c.proc;
    tap_eq(warp_proc_vm_share(12345, pb), ERR_BAD_HANDLE,
           "proc_vm_share from a bad handle gives ERR_BAD_HANDLE");
    tap_eq(warp_proc_vm_share(pa, 12345), ERR_BAD_HANDLE,
           "proc_vm_share to a bad handle gives ERR_BAD_HANDLE");
    tap_eq(warp_proc_vm_share((handle_t)a.eq, pb), ERR_WRONG_TYPE,
           "proc_vm_share from an event queue gives ERR_WRONG_TYPE");
    tap_eq(warp_proc_vm_share(pa, (handle_t)b.eq), ERR_WRONG_TYPE,
           "proc_vm_share to an event queue gives ERR_WRONG_TYPE");
    long weak = warp_handle_reduce(pb, RIGHT_READ | RIGHT_WRITE);
    tap_eq(warp_proc_vm_share(pa, (handle_t)weak), ERR_NO_RIGHTS,
           "proc_vm_share to a handle without RIGHT_MANAGE gives ERR_NO_RIGHTS");
    tap_eq(warp_proc_vm_share((handle_t)weak, pa), ERR_NO_RIGHTS,
           "proc_vm_share from a handle without RIGHT_MANAGE gives ERR_NO_RIGHTS");
    warp_handle_close((handle_t)weak);
    tap_eq(warp_proc_vm_share(pa, pa), ERR_BAD_STATE,
           "proc_vm_share of a child with itself gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_share(pa, (handle_t)run.proc), ERR_BAD_STATE,
           "proc_vm_share into a started child gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_share(pa, (handle_t)used.proc), ERR_BAD_STATE,
           "proc_vm_share into a child that maps memory gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_share((handle_t)run.proc, pb), 0, "proc_vm_share from a running child returns 0");
    tap_eq(warp_proc_vm_share(pa, pb), ERR_BAD_STATE, "proc_vm_share into a sharer gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_share(pa, (handle_t)run.proc), ERR_BAD_STATE,
           "proc_vm_share into a shared owner gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_share(pb, (handle_t)run.proc), ERR_BAD_STATE,
           "proc_vm_share of an owner into its own sharer's space gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone(pa, pb), ERR_BAD_STATE, "proc_vm_clone into a sharer gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone(pa, (handle_t)run.proc), ERR_BAD_STATE,
           "proc_vm_clone into a shared owner gives ERR_BAD_STATE");
    tap_eq(warp_proc_vm_clone(pb, pc), 0, "proc_vm_clone from a stopped sharer clones the shared space");
    uint64_t w;
    tap_eq(warp_proc_vm_read(pc, SUP_CODE, &w, 8), 8, "... code and all");
    sup_close(&b);
    tap_ok(warp_proc_vm_read((handle_t)run.proc, SUP_CODE, &w, 8) == 8,
           "the owner's memory stays when its sharer ends");
    sup_close(&a);
    sup_close(&c);
    sup_close(&run);
    sup_close(&used);
}

void test_share(void)
{
    share_runs();
    share_owner_ends();
    share_refusals();
}
