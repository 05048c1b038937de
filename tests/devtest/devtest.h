/* devtest.h: in-OS checks of device grants (docs/drivers.md), run in the net-test boot. */
#pragma once

#include <warp/tap.h>
#include <warp/user.h>

/*
 * devtest gets a virtio-rng device (handle 2, from the manifest's `devices =`) and the initfs; it
 * spawns itself in child modes for what needs a process of its own. Checks print TAP lines whose
 * description starts with "devtest:". When they are done it registers service/devtest; nettest
 * opens it and GETATTRs "result", and only then does devtest run the DMA leak check, while the
 * other processes of the boot are idle (free-page counts are system-wide).
 */
#define DT_INIT_CH 1
#define DT_DEVICE 2

enum dt_mode {
    DT_MAIN = 0,
    DT_CHILD_NO_GRANT = 1,  /* no handles: every device call must say ERR_BAD_HANDLE */
    DT_CHILD_DMA = 2,       /* device as handle 1: allocates DMA_CHILD_BYTES, exits without freeing */
    DT_CHILD_PORT_IN = 3,   /* device as handle 1: reads a port of its I/O BAR, exits 0 */
    DT_CHILD_PORT_PAST = 4, /* ... reads the port just past the BAR (#GP expected) */
    DT_CHILD_PORT_RTC = 5,  /* ... reads port 0x70, never granted (#GP expected) */
    DT_CHILD_BARS = 6,      /* device as handle 1: maps its BARs, tries copies through them; exit: failures */
};

#define DT_DMA_CHILD_BYTES (1ul << 20)
#define DT_IO_BAR_SIZE 32 /* QEMU's legacy virtio-rng BAR0: 20-24 bytes of registers, rounded up */

/* main.c */
/* Spawns bin/devtest in mode with handles moved in; waits; fills *out. Returns 0 or an ERR_*. */
long dt_run_child(enum dt_mode mode, const handle_t *handles, unsigned n, struct exit_info *out);

/* checks.c */
void dt_check_grant(void);       /* config, BAR, IRQ, DMA, rights, processes without a grant, ports */
bool dt_check_dma_leak(void);    /* DMA held while the device lives, freed when it goes; closes the device */
int dt_child(enum dt_mode mode); /* a child mode's body; returns its exit code */
