/* longcall.c: hostile long system calls on command: map a GiB, spawn huge images, flood the console,
 * drop tens of thousands of nested objects. */
#include "longcall.h"

#include <warp/fmt.h>
#include <warp/stdio.h>
#include <warp/string.h>
#include <warp/syscall.h>

/*
 * Commands (one per connection, like main.c's):
 *   longcall map      a child maps 1 GiB, unmaps it, and again, for ever
 *   longcall spawn    a child spawns, for ever, a 16 MiB copy of this program whose last writable
 *                     segment is made LONGCALL_BSS bigger (the child's bss), each of which exits at once
 *   longcall flood    a child writes 64 KiB to the console, for ever
 *   longcall nest     a child nests as many objects as its messages quota allows inside one end's
 *                     queue (channels full of event queues, in the root's full queue) and drops
 *                     them, for ever: every other time by closing the root, else by closing it into
 *                     a cycle for the collector
 *   longcall forge    prints a line made to look like the kernel's
 *   longcall stop     kills every longcall child
 *   longcall kstat    answers "ok kstat IRQOFF_NS SYSCALL_NS SYSCALL_NR DROPPED" from sysinfo
 *   longcall lines    times LONGCALL_LINES console writes of one 80-byte line each and answers
 *                     "ok lines MEDIAN_NS P90_NS MAX_NS TOTAL_NS"
 */
#define LONGCALL_MAP (LONGCALL_MODE_FIRST + 0)
#define LONGCALL_SPAWN (LONGCALL_MODE_FIRST + 1)
#define LONGCALL_FLOOD (LONGCALL_MODE_FIRST + 2)
#define LONGCALL_EXIT (LONGCALL_MODE_FIRST + 3) /* the huge image's process: exits at once */
#define LONGCALL_NEST (LONGCALL_MODE_FIRST + 4)
#define LONGCALL_CHILDREN 8
#define LONGCALL_GIB (1ul << 30)
#define LONGCALL_BSS (512ul << 20)
#define LONGCALL_FLOOD_LEN 65536
#define NEST_PAIRS (MSG_HANDLES_MAX / 2) /* channels carried by one message */
#define LONGCALL_SELF "bin/adversary"
#define LONGCALL_LINES 101

static handle_t children[LONGCALL_CHILDREN];
static unsigned nchildren;

/* Starts this program again in mode (with the initfs, which the spawn mode reads itself from). */
static long longcall_start(const struct tar_file *self, uint64_t mode)
{
    static const char name[] = "longcall";
    if (nchildren == LONGCALL_CHILDREN)
        return ERR_NO_RESOURCES;
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)self->data,
                           .image_len = self->size,
                           .arg = mode,
                           .flags = SPAWN_SHARE_INITFS};
    long h = warp_spawn(&a);
    if (h >= 0)
        children[nchildren++] = (handle_t)h;
    return h;
}

/* Kills every child and waits for each to end. */
static void longcall_stop(void)
{
    while (nchildren > 0) {
        handle_t h = children[--nchildren];
        struct exit_info ei;
        warp_kill(h);
        warp_wait(h, &ei);
        warp_handle_close(h);
    }
}

/* Times LONGCALL_LINES console writes of one 80-byte line each: "ok lines MEDIAN_NS P90_NS MAX_NS
 * TOTAL_NS" in out. */
static void longcall_lines(char *out, size_t size)
{
    static const char line[] =
        "adversary: a timed console line, eighty bytes long with its newline .........\n";
    uint64_t ns[LONGCALL_LINES];
    for (unsigned i = 0; i < LONGCALL_LINES; i++) {
        uint64_t t0 = warp_clock();
        warp_console_write(line, sizeof(line) - 1);
        uint64_t t = warp_clock() - t0, j = i;
        for (; j > 0 && ns[j - 1] > t; j--) /* insertion sort */
            ns[j] = ns[j - 1];
        ns[j] = t;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < LONGCALL_LINES; i++)
        total += ns[i];
    fmt_snprintf(out, size, "ok lines %lu %lu %lu %lu\n", (unsigned long)ns[LONGCALL_LINES / 2],
                 (unsigned long)ns[LONGCALL_LINES * 9 / 10], (unsigned long)ns[LONGCALL_LINES - 1],
                 (unsigned long)total);
}

bool longcall_command(const char *cmd, const struct tar_file *self, char *out, size_t size)
{
    if (strncmp(cmd, "longcall ", 9) != 0)
        return false;
    const char *what = cmd + 9;
    long r = 0;
    if (strcmp(what, "map") == 0)
        r = longcall_start(self, LONGCALL_MAP);
    else if (strcmp(what, "spawn") == 0)
        r = longcall_start(self, LONGCALL_SPAWN);
    else if (strcmp(what, "flood") == 0)
        r = longcall_start(self, LONGCALL_FLOOD);
    else if (strcmp(what, "nest") == 0)
        r = longcall_start(self, LONGCALL_NEST);
    else if (strcmp(what, "forge") == 0)
        printf("[    0.000001] kernel: forged by the adversary\n");
    else if (strcmp(what, "stop") == 0)
        longcall_stop();
    else if (strcmp(what, "lines") == 0) {
        longcall_lines(out, size);
        return true;
    } else if (strcmp(what, "kstat") == 0) {
        struct sysinfo si;
        if ((r = warp_sysinfo(&si)) == 0) {
            fmt_snprintf(out, size, "ok kstat %lu %lu %lu %lu\n", (unsigned long)si.irqoff_max_ns,
                         (unsigned long)si.syscall_max_ns, (unsigned long)si.syscall_max_nr,
                         (unsigned long)si.console_dropped);
            return true;
        }
    } else
        r = ERR_INVALID_ARG;
    fmt_snprintf(out, size, r < 0 ? "error longcall %s: %s\n" : "ok longcall %s\n", what, err_str(r));
    if (r >= 0)
        printf("adversary: longcall %s\n", what);
    return true;
}

/* Maps and unmaps a GiB for ever (a map that runs out of memory midway is tried again). */
_Noreturn static void longcall_map(void)
{
    for (;;) {
        long a = warp_vm_map(LONGCALL_GIB, PROT_READ | PROT_WRITE);
        if (a >= 0)
            warp_vm_unmap((void *)a, LONGCALL_GIB);
    }
}

/* The file offset of ELF64 program header i and its fields (System V gABI). */
#define ELF_PHOFF 32
#define ELF_PHENTSIZE 54
#define ELF_PHNUM 56
#define PH_TYPE 0
#define PH_FLAGS 4
#define PH_MEMSZ 40
#define PT_LOAD_TYPE 1
#define PF_WRITE 2

/* Copies this program into a SPAWN_IMAGE_MAX buffer and grows its last writable segment's memsz
 * by LONGCALL_BSS; the buffer, or NULL. */
static uint8_t *longcall_huge_image(const struct tar_file *self)
{
    long buf = warp_vm_map(SPAWN_IMAGE_MAX, PROT_READ | PROT_WRITE);
    if (buf < 0 || self->size > SPAWN_IMAGE_MAX)
        return NULL;
    uint8_t *img = (uint8_t *)buf;
    memcpy(img, self->data, self->size);
    uint64_t phoff, *memsz = NULL;
    uint16_t phentsize, phnum;
    memcpy(&phoff, img + ELF_PHOFF, 8);
    memcpy(&phentsize, img + ELF_PHENTSIZE, 2);
    memcpy(&phnum, img + ELF_PHNUM, 2);
    for (uint16_t i = 0; i < phnum; i++) {
        uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
        uint32_t type, flags;
        memcpy(&type, ph + PH_TYPE, 4);
        memcpy(&flags, ph + PH_FLAGS, 4);
        if (type == PT_LOAD_TYPE && (flags & PF_WRITE))
            memsz = (uint64_t *)(ph + PH_MEMSZ); /* 8-aligned: program headers are */
    }
    if (!memsz)
        return NULL;
    *memsz += LONGCALL_BSS;
    return img;
}

/* Spawns the huge image for ever, waiting for each to exit. */
_Noreturn static void longcall_spawn(const void *initfs, size_t initfs_size)
{
    struct tar_file self;
    uint8_t *img = NULL;
    if (initfs && tar_find(initfs, initfs_size, LONGCALL_SELF, &self) == 0)
        img = longcall_huge_image(&self);
    if (!img) {
        printf("adversary: longcall spawn: cannot build the huge image\n");
        warp_exit(1);
    }
    static const char name[] = "huge";
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)img,
                           .image_len = SPAWN_IMAGE_MAX,
                           .arg = LONGCALL_EXIT};
    for (;;) {
        long h = warp_spawn(&a);
        struct exit_info ei;
        if (h >= 0) {
            warp_wait((handle_t)h, &ei);
            warp_handle_close((handle_t)h);
        }
    }
}

/* Writes 64 KiB of short lines to the console for ever. */
_Noreturn static void longcall_flood(void)
{
    long buf = warp_vm_map(LONGCALL_FLOOD_LEN, PROT_READ | PROT_WRITE);
    if (buf < 0)
        warp_exit(1);
    char *s = (char *)buf;
    for (size_t i = 0; i < LONGCALL_FLOOD_LEN; i++)
        s[i] = i % 80 == 79 ? '\n' : (char)('a' + i % 26);
    for (;;)
        warp_console_write(s, LONGCALL_FLOOD_LEN);
}

/* Fills the queue that ch[0] writes into with messages of NEST_PAIRS channels each, made by make
 * (NULL: fresh empty ones), until the queue or a quota refuses; the messages sent. */
static unsigned nest_fill(const handle_t ch[2], long (*make)(handle_t out[2]))
{
    unsigned sent = 0;
    for (int i = 0; i < MSG_QUEUE_MAX; i++, sent++) {
        struct warp_msg m = {.type = MSG_USER};
        while (m.nhandles < MSG_HANDLES_MAX && make(&m.handles[m.nhandles]) == 0)
            m.nhandles += 2;
        if (m.nhandles == 0 || warp_channel_send(ch[0], &m) < 0) {
            for (uint32_t j = 0; j < m.nhandles; j++)
                warp_handle_close(m.handles[j]);
            break;
        }
    }
    return sent;
}

/* Two event queues: objects no quota counts once their handles travel in a message, so only the
 * messages quota bounds how many a nest holds. */
static long nest_eventqs(handle_t out[2])
{
    long a = warp_eventq_create(), b = a < 0 ? a : warp_eventq_create();
    if (b < 0) {
        if (a >= 0)
            warp_handle_close((handle_t)a);
        return b;
    }
    out[0] = (handle_t)a;
    out[1] = (handle_t)b;
    return 0;
}

/* A channel whose queue is full of event queues. */
static long nest_filled(handle_t out[2])
{
    long err = warp_channel_create(out);
    if (err == 0 && nest_fill(out, nest_eventqs) == 0) {
        warp_handle_close(out[0]);
        warp_handle_close(out[1]);
        return ERR_LIMIT;
    }
    return err;
}

/* Builds the tree under a root channel and lets it go, for ever; round counts the drops. */
_Noreturn static void longcall_nest(void)
{
    for (uint64_t round = 0;; round++) {
        handle_t root[2], loop[2];
        if (warp_channel_create(root) < 0 || warp_channel_create(loop) < 0)
            warp_exit(1);
        nest_fill(root, nest_filled); /* until the messages quota says no */
        if (round % 2) {
            /* root's reader waits in loop's queue and loop's reader in root's: a cycle that only
             * the collector can free once the two writers are closed. */
            struct warp_msg m = {.type = MSG_USER, .nhandles = 1, .handles = {root[1]}};
            if (warp_channel_send(loop[0], &m) < 0)
                warp_handle_close(root[1]);
            m.handles[0] = loop[1];
            if (warp_channel_send(root[0], &m) < 0)
                warp_handle_close(loop[1]);
        } else {
            warp_handle_close(root[1]);
            warp_handle_close(loop[1]);
        }
        warp_handle_close(root[0]);
        warp_handle_close(loop[0]);
    }
}

_Noreturn void longcall_child(uint64_t mode, const void *initfs, size_t initfs_size)
{
    if (mode == LONGCALL_MAP)
        longcall_map();
    if (mode == LONGCALL_SPAWN)
        longcall_spawn(initfs, initfs_size);
    if (mode == LONGCALL_FLOOD)
        longcall_flood();
    if (mode == LONGCALL_NEST)
        longcall_nest();
    warp_exit(0); /* LONGCALL_EXIT */
}
