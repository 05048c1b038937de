/* checks.c: what a device grant allows and refuses: config space, BARs, ports, IRQs, DMA, rights. */
#include "devtest.h"

#include <warp/devcall.h>
#include <warp/string.h>

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_STATUS 0x06
#define PCI_BAR0 0x10
#define PCI_ROM 0x30
#define PCI_CAP_PTR 0x34
#define PCI_CAP_MSIX 0x11
#define LEGACY_STATUS_PORT 18 /* virtio legacy device status, in the I/O BAR */
#define RTC_PORT 0x70
#define VECTOR_GP 13
#define DMA_MAX (4ul << 20)
#define LEAK_CHILDREN 4
#define LEAK_SLACK_PAGES 64 /* other processes may allocate a little meanwhile; a leak is 256/child */

/* The first I/O BAR of dev, or -1. */
static int dt_io_bar(handle_t dev)
{
    for (unsigned i = 0; i < 6; i++) {
        long raw = warp_device_config_read(dev, PCI_BAR0 + 4 * i, 4);
        if (raw > 0 && (raw & 1))
            return (int)i;
    }
    return -1;
}

/* The first memory BAR of dev, or -1. */
static int dt_mem_bar(handle_t dev)
{
    for (unsigned i = 0; i < 6; i++) {
        long raw = warp_device_config_read(dev, PCI_BAR0 + 4 * i, 4);
        if (raw > 0 && !(raw & 1))
            return (int)i;
        if (raw > 0 && (raw & 6) == 4)
            i++; /* a 64-bit BAR: the next register holds its upper half */
    }
    return -1;
}

/* The first BAR register that reads 0 (unused), or -1. */
static int dt_unused_bar(handle_t dev)
{
    for (unsigned i = 0; i < 6; i++)
        if (warp_device_config_read(dev, PCI_BAR0 + 4 * i, 4) == 0)
            return (int)i;
    return -1;
}

/* Config offset of the MSI-X capability, or 0. */
static unsigned dt_msix_cap(handle_t dev)
{
    if (!(warp_device_config_read(dev, PCI_STATUS, 2) & 0x10))
        return 0;
    long off = warp_device_config_read(dev, PCI_CAP_PTR, 1) & 0xfc;
    for (int guard = 0; off > 0 && guard < 48; guard++) {
        if (warp_device_config_read(dev, (unsigned)off, 1) == PCI_CAP_MSIX)
            return (unsigned)off;
        off = warp_device_config_read(dev, (unsigned)off + 1, 1) & 0xfc;
    }
    return 0;
}

/* Config-space reads and writes, including the registers the kernel keeps. */
static void dt_check_config(void)
{
    handle_t d = DT_DEVICE;
    long dev = warp_device_config_read(d, PCI_DEVICE_ID, 2);
    tap_eq(warp_device_config_read(d, PCI_VENDOR_ID, 2), 0x1af4, "config read of the vendor id gives 0x1af4");
    tap_ok(dev == 0x1005 || dev == 0x1044, "the granted device is a virtio-rng (device id %#lx)", dev);
    tap_eq(warp_device_config_read(d, 0, 3), ERR_INVALID_ARG, "config read of width 3 gives ERR_INVALID_ARG");
    tap_eq(warp_device_config_read(d, 1, 2), ERR_INVALID_ARG, "unaligned config read gives ERR_INVALID_ARG");
    tap_eq(warp_device_config_read(d, 4096, 1), ERR_INVALID_ARG, "config read at 4096 gives ERR_INVALID_ARG");
    tap_ok(warp_device_config_read(d, 4092, 4) >= 0, "config read of the last dword works");
    for (unsigned i = 0; i < 6; i++) {
        tap_eq(warp_device_config_write(d, PCI_BAR0 + 4 * i, 4, 0xffffffff), ERR_PERMISSION,
               "config write to BAR%u gives ERR_PERMISSION", i);
    }
    tap_eq(warp_device_config_write(d, PCI_BAR0 + 1, 1, 0), ERR_PERMISSION,
           "config write to a byte of BAR0 gives ERR_PERMISSION");
    tap_eq(warp_device_config_write(d, PCI_ROM, 4, 0), ERR_PERMISSION,
           "config write to the expansion ROM BAR gives ERR_PERMISSION");
    unsigned msix = dt_msix_cap(d);
    if (tap_ok(msix != 0, "the device has an MSI-X capability (at %#x)", msix))
        tap_eq(warp_device_config_write(d, msix + 2, 2, 0x8000), ERR_PERMISSION,
               "config write to the MSI-X control gives ERR_PERMISSION");
    long cmd = warp_device_config_read(d, PCI_COMMAND, 2);
    tap_eq(warp_device_config_write(d, PCI_COMMAND, 2, (uint32_t)cmd), 0,
           "config write to the command register works");
    tap_eq(warp_device_config_write(d, PCI_COMMAND, 1, 0x100), ERR_INVALID_ARG,
           "config write of 0x100 in one byte gives ERR_INVALID_ARG");
}

/* BAR mapping: bad indexes and an unused BAR (mappings that work are made in a child: a mapping
 * keeps the device granted until its process ends, and the DMA check closes the device at the end). */
static void dt_check_bars(void)
{
    handle_t d = DT_DEVICE;
    tap_eq(warp_device_map_bar(d, 6), ERR_INVALID_ARG, "map_bar 6 gives ERR_INVALID_ARG");
    int unused = dt_unused_bar(d);
    if (tap_ok(unused >= 0, "the device has an unused BAR (%d)", unused))
        tap_eq(warp_device_map_bar(d, (unsigned)unused), ERR_NOT_FOUND,
               "map_bar of an unused BAR gives ERR_NOT_FOUND");
}

/* DT_CHILD_BARS's checks, one exit-code bit each (set: failed). */
static const char *const dt_bar_checks[] = {
    "map_bar of the I/O BAR gives its first port",
    "map_bar of a memory BAR gives an address",
    "a call with its buffer in the BAR mapping is sent and received",
    "call_read from a buffer in device registers gives ERR_BAD_ADDRESS",
    "call_write into a buffer in device registers gives ERR_BAD_ADDRESS",
    "console_write from device registers gives ERR_BAD_ADDRESS",
};
#define DT_BAR_CHECKS (sizeof(dt_bar_checks) / sizeof(dt_bar_checks[0]))

/*
 * DT_CHILD_BARS: map the I/O BAR and a memory BAR of the device (handle 1). The memory-copy calls
 * reach RAM only: a call whose buffer lies in the mapped BAR (device registers, above 4 GiB on q35
 * under UEFI) is refused, never copied through (which used to panic the kernel on a BAR outside
 * its direct map, and read or wrote registers otherwise). Returns the failed checks' bits.
 */
static int dt_child_bars(void)
{
    int io = dt_io_bar(1), mem = dt_mem_bar(1), failed = 0;
    long raw = io < 0 ? -1 : warp_device_config_read(1, PCI_BAR0 + 4 * (unsigned)io, 4);
    if (io < 0 || warp_device_map_bar(1, (unsigned)io) != (raw & ~3l))
        failed |= 1 << 0;
    long va = mem < 0 ? ERR_NOT_FOUND : warp_device_map_bar(1, (unsigned)mem);
    handle_t ch[2];
    if (va <= 0 || warp_channel_create(ch) < 0)
        return failed | 0x3e;
    struct warp_msg m = {.type = MSG_READ, .flags = MSG_CALL, .call_id = 7, .nbufs = 1}, in;
    m.bufs[0] = (struct msg_buf){.addr = (uaddr_t)va, .len = 64, .access = BUF_READ | BUF_WRITE};
    uint8_t buf[64] = {0};
    if (warp_channel_send(ch[0], &m) != 0 || warp_channel_recv(ch[1], &in) != 0)
        return failed | 0x3c;
    failed |= warp_call_read(ch[1], 7, 0, 0, buf, sizeof(buf)) == ERR_BAD_ADDRESS ? 0 : 1 << 3;
    failed |= warp_call_write(ch[1], 7, 0, 0, buf, sizeof(buf)) == ERR_BAD_ADDRESS ? 0 : 1 << 4;
    failed |= warp_console_write((const char *)va, 16) == ERR_BAD_ADDRESS ? 0 : 1 << 5;
    return failed;
}

/* Runs DT_CHILD_BARS with a duplicate of the device handle; one TAP line per check. */
static void dt_check_bar_maps(void)
{
    struct exit_info e = {0};
    long dup = warp_handle_reduce(DT_DEVICE, RIGHTS_ALL);
    handle_t h = (handle_t)dup;
    bool ran = dup > 0 && dt_run_child(DT_CHILD_BARS, &h, 1, &e) == 0 && e.reason == EXIT_NORMAL;
    for (unsigned i = 0; i < DT_BAR_CHECKS; i++)
        tap_ok(ran && !(e.code & (1 << i)), "%s", dt_bar_checks[i]);
}

/* IRQ handles: one per MSI-X entry, freed on close, acked only through an IRQ handle. */
static void dt_check_irqs(void)
{
    handle_t d = DT_DEVICE;
    struct handle_info hi = {0};
    long irq = warp_irq_create(d, 0);
    if (!tap_ok(irq > 0, "irq_create of MSI-X entry 0 gives a handle (%ld)", irq))
        return;
    warp_handle_info((handle_t)irq, &hi);
    tap_eq(hi.type, OBJ_IRQ, "the IRQ handle is an OBJ_IRQ");
    tap_eq(warp_irq_create(d, 0), ERR_ALREADY_EXISTS,
           "a second irq_create of entry 0 gives ERR_ALREADY_EXISTS");
    tap_eq(warp_irq_create(d, 0x10000), ERR_INVALID_ARG, "irq_create of entry 0x10000 gives ERR_INVALID_ARG");
    tap_eq(warp_irq_create(d, 2047), ERR_INVALID_ARG,
           "irq_create past the MSI-X table gives ERR_INVALID_ARG");
    tap_eq(warp_irq_ack((handle_t)irq), 0, "irq_ack of an IRQ handle works");
    tap_eq(warp_irq_ack(d), ERR_WRONG_TYPE, "irq_ack of a device handle gives ERR_WRONG_TYPE");
    tap_eq(warp_handle_close((handle_t)irq), 0, "closing the IRQ handle works");
    irq = warp_irq_create(d, 0);
    tap_ok(irq > 0, "entry 0 can be taken again after the close (%ld)", irq);
    if (irq > 0)
        warp_handle_close((handle_t)irq);
}

/* DMA memory: argument checks, then a zeroed, writable, page-aligned block that unmaps. */
static void dt_check_dma(void)
{
    handle_t d = DT_DEVICE;
    paddr_t phys = 0;
    tap_eq(warp_dma_alloc(d, 0, &phys), ERR_INVALID_ARG, "dma_alloc of 0 bytes gives ERR_INVALID_ARG");
    tap_eq(warp_dma_alloc(d, DMA_MAX + 1, &phys), ERR_TOO_LARGE,
           "dma_alloc of 4 MiB + 1 gives ERR_TOO_LARGE");
    tap_eq(warp_dma_alloc(d, 4096, NULL), ERR_BAD_ADDRESS,
           "dma_alloc with a NULL phys_out gives ERR_BAD_ADDRESS");
    tap_eq(warp_dma_alloc(d, 4096, (paddr_t *)(uintptr_t)&dt_check_dma), ERR_BAD_ADDRESS,
           "dma_alloc with phys_out in our text gives ERR_BAD_ADDRESS");
    long addr = warp_dma_alloc(d, 8192, &phys);
    if (!tap_ok(addr > 0, "dma_alloc of 8 KiB gives an address (%#lx)", addr))
        return;
    tap_ok(phys != 0 && phys % 4096 == 0, "its physical address is page-aligned (%#llx)",
           (unsigned long long)phys);
    uint8_t *p = (uint8_t *)addr;
    bool zero = true;
    for (size_t i = 0; i < 8192; i++)
        zero &= p[i] == 0;
    tap_ok(zero, "DMA memory starts zeroed");
    memset(p, 0xa5, 8192);
    tap_ok(p[8191] == 0xa5, "DMA memory is writable");
    tap_eq(warp_vm_unmap(p, 8192), 0, "DMA memory unmaps with vm_unmap");
}

/* A handle reduced to RIGHT_READ may read config and nothing else. */
static void dt_check_rights(void)
{
    long ro = warp_handle_reduce(DT_DEVICE, RIGHT_READ);
    paddr_t phys;
    if (!tap_ok(ro > 0, "handle_reduce of the device to RIGHT_READ works"))
        return;
    handle_t h = (handle_t)ro;
    tap_eq(warp_device_config_read(h, PCI_VENDOR_ID, 2), 0x1af4, "config read with RIGHT_READ works");
    tap_eq(warp_device_config_write(h, PCI_COMMAND, 2, 0), ERR_NO_RIGHTS,
           "config write without RIGHT_WRITE gives ERR_NO_RIGHTS");
    tap_eq(warp_device_map_bar(h, 0), ERR_NO_RIGHTS, "map_bar without RIGHT_WRITE gives ERR_NO_RIGHTS");
    tap_eq(warp_irq_create(h, 1), ERR_NO_RIGHTS, "irq_create without RIGHT_WRITE gives ERR_NO_RIGHTS");
    tap_eq(warp_dma_alloc(h, 4096, &phys), ERR_NO_RIGHTS,
           "dma_alloc without RIGHT_WRITE gives ERR_NO_RIGHTS");
    warp_handle_close(h);
    tap_eq(warp_device_config_read(DT_INIT_CH, 0, 2), ERR_WRONG_TYPE,
           "config read on a channel handle gives ERR_WRONG_TYPE");
    struct device_match m = {0x1af4, PCI_ANY_ID, PCI_ANY_CLASS, 0};
    struct device_info info;
    tap_eq(warp_device_open(&m, &info), ERR_PERMISSION, "device_open outside init gives ERR_PERMISSION");
}

/* What a process without any device handle gets; bit i set = check i failed (in the child). */
static const char *const no_grant_checks[] = {
    "config_read", "config_write", "map_bar", "irq_create", "irq_ack", "dma_alloc",
};

/* DT_CHILD_NO_GRANT: every device call on a handle we do not have; a bitmask of the surprises. */
static int dt_child_no_grant(void)
{
    paddr_t phys;
    long got[] = {
        warp_device_config_read(DT_DEVICE, 0, 2),
        warp_device_config_write(DT_DEVICE, 4, 2, 7),
        warp_device_map_bar(DT_DEVICE, 0),
        warp_irq_create(DT_DEVICE, 0),
        warp_irq_ack(DT_DEVICE),
        warp_dma_alloc(DT_DEVICE, 4096, &phys),
    };
    int failed = 0;
    for (unsigned i = 0; i < sizeof(got) / sizeof(got[0]); i++)
        if (got[i] != ERR_BAD_HANDLE)
            failed |= 1 << i;
    return failed;
}

/* Children: one without a grant, and port accesses inside and outside the granted I/O BAR. */
static void dt_check_children(void)
{
    struct exit_info e;
    long r = dt_run_child(DT_CHILD_NO_GRANT, NULL, 0, &e);
    for (unsigned i = 0; i < sizeof(no_grant_checks) / sizeof(no_grant_checks[0]); i++)
        tap_ok(r == 0 && e.reason == EXIT_NORMAL && !(e.code & (1 << i)),
               "a process without a grant gets ERR_BAD_HANDLE from %s", no_grant_checks[i]);
    static const struct {
        enum dt_mode mode;
        bool faults;
        const char *what;
    } ports[] = {
        {DT_CHILD_PORT_IN, false, "a port of the granted I/O BAR can be read"},
        {DT_CHILD_PORT_PAST, true, "the port just past the granted I/O BAR faults with #GP"},
        {DT_CHILD_PORT_RTC, true, "port 0x70 (never granted) faults with #GP"},
    };
    for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        long dup = warp_handle_reduce(DT_DEVICE, RIGHTS_ALL);
        handle_t h = (handle_t)dup;
        r = dup < 0 ? dup : dt_run_child(ports[i].mode, &h, 1, &e);
        if (ports[i].faults)
            tap_ok(r == 0 && e.reason == EXIT_FAULT && e.vector == VECTOR_GP, "%s", ports[i].what);
        else
            tap_ok(r == 0 && e.reason == EXIT_NORMAL && e.code == 0, "%s", ports[i].what);
    }
}

/* Everything but the leak check. */
void dt_check_grant(void)
{
    struct handle_info hi = {0};
    tap_eq(warp_handle_info(DT_DEVICE, &hi), 0, "handle 2 exists");
    if (!tap_eq(hi.type, OBJ_DEVICE, "handle 2 is the granted device"))
        return;
    dt_check_config();
    dt_check_bars();
    dt_check_bar_maps();
    dt_check_irqs();
    dt_check_dma();
    dt_check_rights();
    dt_check_children();
}

/* Runs a DMA child with a duplicate of the device handle; true if it allocated and exited 0. */
static bool dt_dma_child(void)
{
    struct exit_info e;
    long dup = warp_handle_reduce(DT_DEVICE, RIGHTS_ALL);
    handle_t h = (handle_t)dup;
    return dup > 0 && dt_run_child(DT_CHILD_DMA, &h, 1, &e) == 0 && e.reason == EXIT_NORMAL && e.code == 0;
}

/* Pages short of `before` now. */
static long dt_pages_held_since(const struct sysinfo *before)
{
    struct sysinfo now;
    warp_sysinfo(&now);
    return (long)before->free_pages - (long)now.free_pages;
}

/*
 * DMA memory outlives its mapping and the process that allocated it for as long as the device lives
 * (the device may still write it: freeing it then let the device scribble on reused pages), and
 * outlives the device too: the function keeps it until its next grant ends (a device finishes
 * requests a gone driver gave it until the next driver resets it; kernel/device.c). That return is
 * checked on the host (tests/unit/test_kcore_dev.c): only init grants devices. Ends with the device
 * handle closed.
 */
bool dt_check_dma_leak(void)
{
    const long mib = DT_DMA_CHILD_BYTES / 4096;
    struct sysinfo start, mid, end;
    paddr_t phys;
    bool ok = dt_dma_child(); /* warm-up: the first spawn may leave kernel caches behind */
    warp_sysinfo(&start);
    long addr = warp_dma_alloc(DT_DEVICE, DT_DMA_CHILD_BYTES, &phys);
    tap_ok(addr > 0 && warp_vm_unmap((void *)addr, DT_DMA_CHILD_BYTES) == 0,
           "1 MiB of DMA memory maps and unmaps");
    long held = dt_pages_held_since(&start);
    tap_ok(held > mib - LEAK_SLACK_PAGES && held < mib + LEAK_SLACK_PAGES,
           "unmapped DMA memory stays allocated while the device may still write it (%ld pages held)", held);
    warp_sysinfo(&mid);
    for (unsigned i = 0; i < LEAK_CHILDREN; i++)
        ok &= dt_dma_child();
    tap_ok(ok, "children allocate 1 MiB of DMA memory each and exit");
    held = dt_pages_held_since(&mid);
    tap_ok(held > LEAK_CHILDREN * mib - LEAK_SLACK_PAGES && held < LEAK_CHILDREN * mib + LEAK_SLACK_PAGES,
           "the DMA memory of %u children that exited stays allocated while the device lives (%ld pages)",
           LEAK_CHILDREN, held);
    warp_sysinfo(&end);
    tap_eq(warp_handle_close(DT_DEVICE), 0, "closing the device handle works");
    long back = -dt_pages_held_since(&end);
    return tap_ok(back < LEAK_SLACK_PAGES,
                  "closing the device keeps the DMA memory of all %u allocations for the function's next "
                  "grant (%ld pages back)",
                  LEAK_CHILDREN + 2, back);
}

/* DT_CHILD_DMA: allocates, touches, checks that the pages came out of the free count, exits. */
static int dt_child_dma(void)
{
    struct sysinfo before, after;
    paddr_t phys;
    warp_sysinfo(&before);
    long addr = warp_dma_alloc(1, DT_DMA_CHILD_BYTES, &phys);
    if (addr < 0)
        return 3;
    memset((void *)addr, 1, DT_DMA_CHILD_BYTES);
    warp_sysinfo(&after);
    /* Others may free a few pages meanwhile (a kernel stack reaped, a heap page): a slack, as above. */
    return before.free_pages - after.free_pages > DT_DMA_CHILD_BYTES / 4096 - LEAK_SLACK_PAGES ? 0 : 2;
}

/* The port children: map the I/O BAR (handle 1), then read one port. */
static int dt_child_port(enum dt_mode mode)
{
    int bar = dt_io_bar(1);
    long base = bar < 0 ? ERR_NOT_FOUND : warp_device_map_bar(1, (unsigned)bar);
    if (base < 0)
        return 2;
    uint16_t port = mode == DT_CHILD_PORT_IN     ? (uint16_t)(base + LEGACY_STATUS_PORT)
                    : mode == DT_CHILD_PORT_PAST ? (uint16_t)(base + DT_IO_BAR_SIZE)
                                                 : RTC_PORT;
    (void)port_in8(port);
    return 0;
}

/* A child mode's body. */
int dt_child(enum dt_mode mode)
{
    switch (mode) {
    case DT_CHILD_NO_GRANT: return dt_child_no_grant();
    case DT_CHILD_DMA: return dt_child_dma();
    case DT_CHILD_BARS: return dt_child_bars();
    case DT_CHILD_PORT_IN:
    case DT_CHILD_PORT_PAST:
    case DT_CHILD_PORT_RTC: return dt_child_port(mode);
    default: return 100;
    }
}
