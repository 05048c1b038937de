/* test_kcore_dev.c: the kernel core on the host: device grants, interrupts, DMA memory, BAR mappings. */
#include "karch/kharness.h"

#include <device.h>
#include <irq.h>
#include <pci.h>
#include <lock.h>
#include <mm/mm.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <warp/device.h>

static long seen[8]; /* what the program saw, step by step, for the test to check */

/* Opens the simulated function as init would; the device handle or an error. */
static long open_device(void)
{
    struct device_match match = {.vendor = 0x1af4, .device = 0x1000, .class_code = PCI_ANY_CLASS};
    uaddr_t um = kh_ualloc(sizeof(match)), ui = kh_ualloc(sizeof(struct device_info));
    kh_uput(um, &match, sizeof(match));
    return kh_sys(SYS_DEVICE_OPEN, um, ui, 0, 0, 0, 0);
}

/* Plays init (the only process that may open devices) for the program, then stops: init may not
 * end, and this process will. */
static void prog_as_init(uint64_t prog)
{
    init_process = proc_current();
    ((kh_prog)prog)(0);
    init_process = NULL;
}

/* Runs prog as init, then checks the machine is clean. */
static void run_as_init(kh_prog prog)
{
    kh_setup();
    for (unsigned i = 0; i < 8; i++)
        seen[i] = 1;
    struct proc *p = kh_spawn("init", prog_as_init, (uint64_t)prog);
    assert_non_null(p);
    kh_run();
    assert_int_equal(p->state, PROC_DEAD);
    kh_release(p);
    kh_check_clean();
}

/* The kernel cannot map the MSI-X table (its MMIO window full, or memory out): irq_create fails
 * with ERR_NO_MEMORY and takes nothing; a later try works. This runs first in the binary: the
 * table's mapping, once made, is kept. */
static void prog_msix_unmappable(uint64_t payload)
{
    (void)payload;
    long dev = open_device();
    seen[0] = dev;
    karch_fail_at = karch_alloc_count + 1; /* the table's mapping is the call's first allocation */
    seen[1] = kh_sys(SYS_IRQ_CREATE, (uint64_t)dev, 0, 0, 0, 0, 0);
    karch_fail_at = 0;
    seen[2] = kh_sys(SYS_IRQ_CREATE, (uint64_t)dev, 0, 0, 0, 0, 0);
}

static void test_irq_when_msix_table_unmappable(void **state)
{
    (void)state;
    run_as_init(prog_msix_unmappable);
    assert_true(seen[0] > 0);
    assert_int_equal(seen[1], ERR_NO_MEMORY);
    assert_true(seen[2] > 0);
}

/*
 * DMA memory stays allocated after the driver unmaps it, as long as the device may write to it:
 * the "device" writes the frames after the unmap and after the device handle closes (ASan poisons
 * freed pages, so a premature free shows as a use after free); only the end of the function's next
 * grant gives the pages back. The driver's account is charged for them (and the page tables)
 * exactly while they are held.
 */
static void prog_dma_after_unmap(uint64_t payload)
{
    (void)payload;
    long dev = open_device();
    uaddr_t uphys = kh_ualloc(sizeof(paddr_t));
    uint64_t before = pmm_free_pages(), used0 = proc_current()->quota->used[LIMIT_PAGES];
    long va = kh_sys(SYS_DMA_ALLOC, (uint64_t)dev, 4 * PAGE_SIZE, uphys, 0, 0, 0);
    paddr_t phys;
    kh_uget(&phys, uphys, sizeof(phys));
    seen[0] = va;
    seen[1] = kh_sys(SYS_VM_UNMAP, (uint64_t)va, 4 * PAGE_SIZE, 0, 0, 0, 0);
    seen[2] = (long)(before - pmm_free_pages()); /* the DMA pages, and page tables, still held */
    seen[5] = (long)(proc_current()->quota->used[LIMIT_PAGES] - used0) == seen[2];
    memset(arch_phys_to_virt(phys), 0x5a, 4 * PAGE_SIZE); /* the device writes them */
    uint64_t open = pmm_free_pages();
    seen[3] = kh_close((handle_t)dev);
    memset(arch_phys_to_virt(phys), 0xa5, 4 * PAGE_SIZE); /* it finishes a request of the gone driver */
    seen[4] = (long)(pmm_free_pages() - open);            /* nothing back yet */
    long again = open_device();                           /* the function's next grant */
    uint64_t open2 = pmm_free_pages();
    kh_close((handle_t)again); /* its end: that driver has reset the device, the memory can go */
    seen[7] = (long)(pmm_free_pages() - open2);
    seen[6] = (long)(proc_current()->quota->used[LIMIT_PAGES] - used0) == seen[2] - 4; /* tables stay */
}

static void test_dma_held_until_device_goes(void **state)
{
    (void)state;
    run_as_init(prog_dma_after_unmap);
    assert_true(seen[0] > 0);
    assert_int_equal(seen[1], 0);
    assert_true(seen[2] >= 4);
    assert_int_equal(seen[3], 0);
    assert_int_equal(seen[4], 0);
    assert_int_equal(seen[5], 1);
    assert_int_equal(seen[6], 1);
    assert_int_equal(seen[7], 4);
}

/* A call whose buffer lies in a mapped BAR: the memory-copy calls refuse it (the kernel copies
 * through RAM frames only; a BAR above the direct map used to panic it). */
static void prog_bar_copy(uint64_t payload)
{
    (void)payload;
    long dev = open_device();
    long bar = kh_sys(SYS_DEVICE_MAP_BAR, (uint64_t)dev, 0, 0, 0, 0, 0);
    handle_t ch[2];
    seen[0] = bar;
    if (bar < 0 || kh_channel_create(ch) < 0)
        return;
    struct warp_msg call = {.type = MSG_READ, .flags = MSG_CALL, .call_id = 5, .nbufs = 1};
    call.bufs[0] = (struct msg_buf){.addr = (uaddr_t)bar, .len = 64, .access = BUF_READ | BUF_WRITE};
    struct warp_msg in;
    uaddr_t buf = kh_ualloc(64);
    seen[1] = kh_send(ch[0], &call);
    seen[2] = kh_recv(ch[1], &in);
    seen[3] = kh_sys(SYS_CALL_READ, (uint64_t)ch[1], 5, 0, 0, buf, 64);
    seen[4] = kh_sys(SYS_CALL_WRITE, (uint64_t)ch[1], 5, 0, 0, buf, 64);
    seen[5] = kh_sys(SYS_CONSOLE_WRITE, (uint64_t)bar, 16, 0, 0, 0, 0);
}

static void test_copies_refuse_device_registers(void **state)
{
    (void)state;
    run_as_init(prog_bar_copy);
    assert_true(seen[0] > 0);
    assert_int_equal(seen[1], 0);
    assert_int_equal(seen[2], 0);
    assert_int_equal(seen[3], ERR_BAD_ADDRESS);
    assert_int_equal(seen[4], ERR_BAD_ADDRESS);
    assert_int_equal(seen[5], ERR_BAD_ADDRESS);
}

/* Interrupts before the ack become one event, the MSI-X entry masked from the second on until the
 * ack; only init opens devices. */
static void prog_irq_events(uint64_t payload)
{
    (void)payload;
    long dev = open_device();
    long irq = kh_sys(SYS_IRQ_CREATE, (uint64_t)dev, 2, 0, 0, 0, 0);
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    kh_sys(SYS_EVENTQ_ADD, (uint64_t)eq, (uint64_t)irq, 0, 0, 0, 0);
    struct irq *obj = NULL;
    kernel_lock();
    handle_object(proc_handles(), (handle_t)irq, OBJ_IRQ, 0, (void **)&obj);
    volatile uint32_t *ctrl = obj->dev->msix_table + obj->index * 4 + 3; /* the entry's mask word */
    irq_dispatch(obj->vector); /* as the interrupt entry would, twice before the driver looks */
    seen[5] = (long)*ctrl;     /* one edge: left unmasked */
    irq_dispatch(obj->vector);
    seen[6] = (long)*ctrl; /* a second before the ack: masked */
    kernel_unlock();
    struct warp_event ev;
    seen[0] = kh_wait((handle_t)eq, &ev, DEADLINE_NONE);
    seen[1] = ev.type;
    seen[2] = kh_wait((handle_t)eq, &ev, DEADLINE_NONE); /* the second one merged into the first */
    seen[3] = kh_sys(SYS_IRQ_ACK, (uint64_t)irq, 0, 0, 0, 0, 0);
    seen[7] = (long)*ctrl; /* unmasked by the ack */
    init_process = NULL;
    seen[4] = open_device(); /* not init now */
}

static void test_irq_events(void **state)
{
    (void)state;
    run_as_init(prog_irq_events);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], EV_IRQ);
    assert_int_equal(seen[2], ERR_TIMED_OUT);
    assert_int_equal(seen[3], 0);
    assert_int_equal(seen[4], ERR_PERMISSION);
    assert_int_equal(seen[5], 0);
    assert_int_equal(seen[6], 1);
    assert_int_equal(seen[7], 0);
}

/* A driver: map the BAR, take an interrupt, give up its device handle, then wait to be killed. */
static void prog_driver(uint64_t payload)
{
    (void)payload;
    seen[0] = kh_sys(SYS_DEVICE_MAP_BAR, 1, 0, 0, 0, 0, 0);
    seen[1] = kh_sys(SYS_IRQ_CREATE, 1, 3, 0, 0, 0, 0);
    seen[2] = kh_close(1);
    long eq = kh_sys(SYS_EVENTQ_CREATE, 0, 0, 0, 0, 0, 0);
    struct warp_event ev;
    kh_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
}

/* Init grants the device to a driver; while the driver still maps its registers and holds an
 * interrupt, the function is not free to grant again, even though no handle names it any more. */
static void prog_regrant(uint64_t payload)
{
    (void)payload;
    handle_t dev = (handle_t)open_device();
    long child = kh_spawn_child("driver", prog_driver, 0, &dev, 1);
    kh_sys(SYS_YIELD, 0, 0, 0, 0, 0, 0); /* the driver runs until it blocks */
    seen[3] = open_device();
    kh_sys(SYS_KILL, (uint64_t)child, 0, 0, 0, 0, 0);
    kh_sys(SYS_WAIT, (uint64_t)child, kh_ualloc(sizeof(struct exit_info)), 0, 0, 0, 0);
    seen[4] = open_device();
}

static void test_grant_outlives_handles(void **state)
{
    (void)state;
    run_as_init(prog_regrant);
    assert_true(seen[0] > 0);
    assert_true(seen[1] > 0);
    assert_int_equal(seen[2], 0);
    assert_int_equal(seen[3], ERR_ALREADY_EXISTS);
    assert_true(seen[4] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irq_when_msix_table_unmappable),
        cmocka_unit_test(test_dma_held_until_device_goes),
        cmocka_unit_test(test_copies_refuse_device_registers),
        cmocka_unit_test(test_irq_events),
        cmocka_unit_test(test_grant_outlives_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
