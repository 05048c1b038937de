/* util.c: helpers of the in-OS tests: spawning our own binary, sleeping, counters, bad addresses. */
#include "tests.h"

#include <warp/string.h>

struct tests_env tests_env;

/* Addresses every pointer argument must refuse with ERR_BAD_ADDRESS. */
const struct tests_bad_ptr tests_bad_ptrs[] = {
    {"NULL", 0},
    {"the unmapped page at 0x1000", 0x1000},
    {"an unmapped user address", 0x7000000000},
    {"a kernel-half address", 0xffff800000000000},
    {"the kernel image", 0xffffffff80000000},
    {"non-canonical 0x0000800000000000", 0x0000800000000000},
    {"non-canonical 0x8000000000000000", 0x8000000000000000},
};
const unsigned tests_bad_ptr_count = sizeof(tests_bad_ptrs) / sizeof(tests_bad_ptrs[0]);

/* Spawns an ELF image in our memory, moving handles[0..n) into it; returns its process handle or an ERR_*. */
static long tests_spawn_full(const char *name, const void *image, size_t len, uint64_t arg, uint64_t flags,
                             const handle_t *handles, unsigned nhandles)
{
    struct spawn_args a = {
        .name = (uaddr_t)name,
        .name_len = strlen(name),
        .image = (uaddr_t)image,
        .image_len = len,
        .arg = arg,
        .flags = flags,
        .handles = (uaddr_t)handles,
        .nhandles = nhandles,
    };
    return warp_spawn(&a);
}

/* Spawns an ELF image in our memory; returns its process handle or an ERR_*. */
long tests_spawn_image(const char *name, const void *image, size_t len, uint64_t arg, uint64_t flags)
{
    return tests_spawn_full(name, image, len, arg, flags, NULL, 0);
}

/* Spawns bin/tests in a child mode; returns its process handle or an ERR_*. */
long tests_spawn(const char *name, unsigned mode, uint64_t payload, uint64_t flags)
{
    return tests_spawn_with(name, mode, payload, flags, NULL, 0);
}

/* Spawns bin/tests in a child mode with handles moved into it (its handles 1..n). */
long tests_spawn_with(const char *name, unsigned mode, uint64_t payload, uint64_t flags,
                      const handle_t *handles, unsigned nhandles)
{
    return tests_spawn_full(name, tests_env.self, tests_env.self_len, TESTS_ARG(mode, payload), flags,
                            handles, nhandles);
}

/*
 * Waits for process handle proc into *out, then closes the handle (the record goes with it); on
 * failure clears *out so checks on it fail cleanly. A negative proc is passed through.
 */
long tests_wait_close(long proc, struct exit_info *out)
{
    if (proc < 0) {
        memset(out, 0, sizeof(*out));
        return proc;
    }
    long r = warp_wait((handle_t)proc, out);
    if (r < 0)
        memset(out, 0, sizeof(*out));
    warp_handle_close((handle_t)proc);
    return r;
}

/* Spawns bin/tests in a child mode and waits for it; returns 0 or the failing call's ERR_*. */
long tests_run(const char *name, unsigned mode, uint64_t payload, uint64_t flags, struct exit_info *out)
{
    long r = tests_wait_close(tests_spawn(name, mode, payload, flags), out);
    if (r < 0)
        tap_diag("running child mode %u failed: %s", mode, err_str(r));
    return r;
}

/* Spawns an image with no argument and waits for it; returns 0 or the spawn/wait error. */
long tests_run_image(const void *image, size_t len, struct exit_info *out)
{
    return tests_wait_close(tests_spawn_image("elf", image, len, 0, 0), out);
}

/*
 * The 16 bytes just below USER_STACK_TOP hold main's return address into crt0 and its saved frame
 * pointer (the kernel starts rsp at USER_STACK_TOP). Tests that need a buffer running off the top of
 * the stack borrow them, and put them back long before main returns.
 */
static uint8_t tests_top_saved[16];

/* Saves the top 16 bytes of the stack and returns their address. */
void *tests_stack_top_borrow(void)
{
    void *top = (void *)(USER_STACK_TOP - sizeof(tests_top_saved));
    memcpy(tests_top_saved, top, sizeof(tests_top_saved));
    return top;
}

/* Puts back what tests_stack_top_borrow saved. */
void tests_stack_top_restore(void)
{
    memcpy((void *)(USER_STACK_TOP - sizeof(tests_top_saved)), tests_top_saved, sizeof(tests_top_saved));
}

/* Borrows the top 16 bytes of the stack and fills them with 0xee; returns their address. */
void *tests_stack_top_poison(void)
{
    void *top = tests_stack_top_borrow();
    memset(top, 0xee, sizeof(tests_top_saved));
    return top;
}

/* True if the poisoned top 16 bytes are intact (a refused call wrote nothing there); restores them. */
bool tests_stack_top_untouched(void)
{
    const uint8_t *top = (const uint8_t *)(USER_STACK_TOP - sizeof(tests_top_saved));
    bool untouched = true;
    for (size_t i = 0; i < sizeof(tests_top_saved); i++)
        untouched = untouched && top[i] == 0xee;
    tests_stack_top_restore();
    return untouched;
}

/* Yields the CPU until ms milliseconds have passed. */
void tests_sleep_ms(uint64_t ms)
{
    uint64_t end = warp_clock() + ms * 1000000;
    while (warp_clock() < end)
        warp_yield();
}

/* Free physical pages now (0 if sysinfo fails, which its own tests report). */
uint64_t tests_free_pages(void)
{
    struct sysinfo si;
    return warp_sysinfo(&si) == 0 ? si.free_pages : 0;
}

/* Live processes now. */
uint64_t tests_nprocs(void)
{
    struct sysinfo si;
    return warp_sysinfo(&si) == 0 ? si.nprocs : 0;
}

/* Returns v unchanged, but the compiler cannot see the value (keeps bad pointers from being folded). */
uint64_t tests_hide(uint64_t v)
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* True if len bytes at p are all zero. */
bool tests_all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}
