/* devtest: checks that device grants confine drivers; registers service/devtest with its verdict. */
#include "devtest.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/tar.h>

#define DT_BINARY "bin/devtest"

static struct {
    const void *initfs;
    size_t initfs_size;
    struct loop loop;
} dt;

/* Spawns ourselves in a child mode and waits for it. */
long dt_run_child(enum dt_mode mode, const handle_t *handles, unsigned n, struct exit_info *out)
{
    struct tar_file f;
    long r = tar_find(dt.initfs, dt.initfs_size, DT_BINARY, &f);
    if (r < 0)
        return r;
    struct spawn_args a = {
        .name = (uaddr_t) "devtest-child",
        .name_len = 13,
        .image = (uaddr_t)f.data,
        .image_len = f.size,
        .arg = mode,
        .handles = (uaddr_t)handles,
        .nhandles = n,
    };
    long proc = warp_spawn(&a);
    if (proc < 0)
        return proc;
    r = warp_wait((handle_t)proc, out);
    warp_handle_close((handle_t)proc);
    return r;
}

/* A session from nettest: GETATTR "result" runs the leak check, then answers pass or fail. */
static void dt_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    char name[MSG_DATA_MAX + 1];
    struct warp_msg r;
    if (!msg_is_call(m))
        return;
    if (m->type != MSG_GETATTR || msg_get_attr_name(m, name, sizeof(name)) < 0 ||
        strcmp(name, "result") != 0) {
        loop_reply_error(l, ch, m->call_id, ERR_NOT_SUPPORTED);
        return;
    }
    dt_check_dma_leak();
    tap_summary("devtest");
    msg_reply_text(&r, MSG_GETATTR, m->call_id, tap_failed() ? "fail" : "pass");
    loop_send(l, ch, &r);
    loop_stop(l);
}

static const struct loop_channel_handlers dt_session_handlers = {.on_message = dt_on_message};

/* nettest's session, handed over by init. */
static void dt_on_connect(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    if (loop_add_channel(l, ch, &dt_session_handlers, NULL) < 0)
        warp_handle_close(ch);
}

/* Registers service/devtest and serves until the verdict is asked for. */
static int dt_serve(void)
{
    long r = loop_init(&dt.loop);
    if (r == 0)
        r = service_start(&dt.loop, "devtest", dt_on_connect, NULL);
    if (r == 0)
        r = loop_run(&dt.loop);
    if (r < 0)
        printf("devtest: cannot serve service/devtest: %s\n", err_str(r));
    return tap_failed() || r < 0 ? 1 : 0;
}

/* arg selects the role (enum dt_mode). */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    if (arg != DT_MAIN)
        return dt_child((enum dt_mode)arg);
    dt.initfs = initfs;
    dt.initfs_size = initfs_size;
    tap_set_prefix("devtest: ");
    dt_check_grant();
    return dt_serve();
}
