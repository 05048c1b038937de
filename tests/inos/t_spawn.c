/* t_spawn.c: tests of SYS_SPAWN's arguments: the args, name and image pointers, lengths and flags. */
#include "tests.h"

#include <warp/string.h>

/* Valid arguments for an exit-42 child; each test breaks one field. */
static struct spawn_args spawn_valid(void)
{
    struct spawn_args a = {
        .name = (uaddr_t) "args",
        .name_len = 4,
        .image = (uaddr_t)tests_env.self,
        .image_len = tests_env.self_len,
        .arg = TESTS_ARG(TESTS_EXIT_42, 0),
        .flags = 0,
    };
    return a;
}

/* Spawns with a; a child that starts anyway (a failed test) is waited for and its handle closed. */
static long spawn_try(const struct spawn_args *a)
{
    long r = warp_spawn(a);
    struct exit_info ei;
    if (r > 0)
        tests_wait_close(r, &ei);
    return r;
}

/* Spawns with a and checks the child runs and exits 42. */
static void spawn_expect_run(const struct spawn_args *a, const char *what)
{
    long proc = warp_spawn(a);
    struct exit_info ei;
    if (proc < 0)
        tap_diag("spawn failed: %s", err_str(proc));
    tests_wait_close(proc, &ei);
    tap_exit(&ei, EXIT_NORMAL, 42, "spawn %s starts a child that exits 42", what);
}

/* The args pointer itself is bad. */
static void spawn_bad_args_pointer(void)
{
    for (unsigned i = 0; i < tests_bad_ptr_count; i++)
        tap_eq(warp_spawn((const struct spawn_args *)tests_bad_ptrs[i].addr), ERR_BAD_ADDRESS,
               "spawn with args at %s gives ERR_BAD_ADDRESS", tests_bad_ptrs[i].what);
    /* The first 16 bytes (name, name_len) fit below the guard page; the rest lies in it. */
    struct spawn_args valid = spawn_valid();
    struct spawn_args *top = tests_stack_top_borrow();
    memcpy(top, &valid, 16);
    long r = warp_spawn(top);
    tests_stack_top_restore();
    tap_eq(r, ERR_BAD_ADDRESS, "spawn with args running off the stack top gives ERR_BAD_ADDRESS");
    tap_eq(warp_spawn((const struct spawn_args *)0xfffffffffffffff0), ERR_BAD_ADDRESS,
           "spawn with args wrapping around 2^64 gives ERR_BAD_ADDRESS");
}

/* The name: bad pointers and lengths. */
static void spawn_bad_name(void)
{
    struct spawn_args a = spawn_valid();
    for (unsigned i = 0; i < tests_bad_ptr_count; i++) {
        a.name = tests_bad_ptrs[i].addr;
        tap_eq(spawn_try(&a), ERR_BAD_ADDRESS, "spawn with the name at %s gives ERR_BAD_ADDRESS",
               tests_bad_ptrs[i].what);
    }
    a.name = USER_STACK_TOP - 2;
    tap_eq(spawn_try(&a), ERR_BAD_ADDRESS,
           "spawn with a name running off the stack top gives ERR_BAD_ADDRESS");
    static const char long_name[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    a = spawn_valid();
    a.name = (uaddr_t)long_name;
    a.name_len = 0;
    tap_eq(spawn_try(&a), ERR_INVALID_ARG, "spawn with name length 0 gives ERR_INVALID_ARG");
    a.name_len = SPAWN_NAME_MAX + 1;
    tap_eq(spawn_try(&a), ERR_INVALID_ARG, "spawn with name length SPAWN_NAME_MAX + 1 gives ERR_INVALID_ARG");
    a.name_len = 1ul << 63;
    tap_eq(spawn_try(&a), ERR_INVALID_ARG, "spawn with name length 2^63 gives ERR_INVALID_ARG");
    a.name_len = SPAWN_NAME_MAX;
    spawn_expect_run(&a, "with a name of SPAWN_NAME_MAX bytes");
    a.name_len = 1;
    spawn_expect_run(&a, "with a 1-byte name");
}

/* The CPU weight: at most the spawner's own (ours is 1, test.manifest gives no weight). */
static void spawn_weight(void)
{
    struct spawn_args a = spawn_valid();
    a.weight = 2;
    tap_eq(spawn_try(&a), ERR_PERMISSION, "spawn with a weight above the spawner's gives ERR_PERMISSION");
    a.weight = SPAWN_WEIGHT_MAX + 1;
    tap_eq(spawn_try(&a), ERR_PERMISSION, "spawn with weight SPAWN_WEIGHT_MAX + 1 gives ERR_PERMISSION");
    a.weight = 1ull << 63;
    tap_eq(spawn_try(&a), ERR_PERMISSION, "spawn with weight 2^63 gives ERR_PERMISSION");
    a.weight = 1;
    spawn_expect_run(&a, "with the spawner's own weight");
}

/* The image pointer and length. */
static void spawn_bad_image(void)
{
    struct spawn_args a = spawn_valid();
    a.image_len = PAGE_SIZE;
    for (unsigned i = 0; i < tests_bad_ptr_count; i++) {
        a.image = tests_bad_ptrs[i].addr;
        tap_eq(spawn_try(&a), ERR_BAD_ADDRESS, "spawn with the image at %s gives ERR_BAD_ADDRESS",
               tests_bad_ptrs[i].what);
    }
    a.image = (uaddr_t)__image_end - 64;
    a.image_len = 128;
    tap_eq(spawn_try(&a), ERR_BAD_ADDRESS,
           "spawn with an image running off the end of ours gives ERR_BAD_ADDRESS");
    a.image = 0xfffffffffffff000;
    a.image_len = 2 * PAGE_SIZE;
    tap_eq(spawn_try(&a), ERR_BAD_ADDRESS, "spawn with an image wrapping around 2^64 gives ERR_BAD_ADDRESS");
    a = spawn_valid();
    a.image_len = 0;
    tap_eq(spawn_try(&a), ERR_INVALID_ARG, "spawn with image length 0 gives ERR_INVALID_ARG");
}

/* SPAWN_IMAGE_MAX is the largest image: exactly that works, one byte more is too large. */
static void spawn_image_limit(void)
{
    size_t len = SPAWN_IMAGE_MAX + PAGE_SIZE;
    long buf = warp_vm_map(len, PROT_READ | PROT_WRITE);
    if (buf < 0) {
        tap_eq(buf, 0, "vm_map of a %zu-byte buffer for the image-size tests", len);
        return;
    }
    memcpy((void *)buf, tests_env.self, tests_env.self_len);
    struct spawn_args a = spawn_valid();
    a.image = (uaddr_t)buf;
    a.image_len = SPAWN_IMAGE_MAX + 1;
    tap_eq(spawn_try(&a), ERR_TOO_LARGE,
           "spawn with an image of SPAWN_IMAGE_MAX + 1 bytes gives ERR_TOO_LARGE");
    a.image_len = SPAWN_IMAGE_MAX;
    spawn_expect_run(&a, "with an image of exactly SPAWN_IMAGE_MAX bytes (the ELF, then zeros)");
    warp_vm_unmap((void *)buf, len);
}

/* The flags. */
static void spawn_bad_flags(void)
{
    static const uint64_t bad[] = {8, 1ul << 31, 1ul << 32, 1ul << 63, ~0ul};
    struct spawn_args a = spawn_valid();
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a.flags = bad[i];
        tap_eq(spawn_try(&a), ERR_INVALID_ARG, "spawn with unknown flags 0x%lx gives ERR_INVALID_ARG",
               (unsigned long)bad[i]);
    }
    struct exit_info ei;
    tests_run("nofs", TESTS_NO_INITFS, 0, 0, &ei);
    bool ran = ei.reason == EXIT_NORMAL;
    if (!ran)
        tap_exit(&ei, EXIT_NORMAL, 0, "the child without the initfs ran to its end");
    tap_ok(ran && !(ei.code & TESTS_NOFS_GOT_INITFS),
           "a child spawned without SPAWN_SHARE_INITFS gets rsi = rdx = 0");
    tap_ok(ran && !(ei.code & TESTS_NOFS_SHARE_NOT_REFUSED),
           "SPAWN_SHARE_INITFS by a process without the initfs gives ERR_PERMISSION");
    tap_ok(ran && !(ei.code & (TESTS_NOFS_PLAIN_SPAWN_FAILED | TESTS_NOFS_GRANDCHILD_WRONG)),
           "... while it can still spawn the same image without the flag");
}

/* Every argument of spawn, then the nprocs count is unchanged (no half-made process left). */
void test_spawn_args(void)
{
    uint64_t nprocs = tests_nprocs();
    struct spawn_args a = spawn_valid();
    spawn_expect_run(&a, "with valid arguments");
    spawn_bad_args_pointer();
    spawn_bad_name();
    spawn_bad_image();
    spawn_image_limit();
    spawn_bad_flags();
    spawn_weight();
    tap_eq((long)tests_nprocs(), (long)nprocs, "no process is left over from the refused spawns");
}
