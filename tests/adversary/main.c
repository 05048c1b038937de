/* adversary: hostile processes on command, so the tests can measure what they do to the system. */
#include "intruder.h"

#include <warp/loop.h>
#include <warp/msg.h>
#include <warp/proto/tcpip.h>
#include <warp/string.h>
#include <warp/tar.h>
#include <warp/user.h>

#include "hog.h"
#include "longcall.h"

/*
 * It listens on TCP port 81 (the e2e test forwards a host port to it) and serves one command per
 * connection, answering "ok ...\n" or "error ...\n":
 *
 *   spin N    keep N child processes spinning in user mode, never making a system call (N <= 64)
 *   intrude, restart NAME    access-control attacks and init's admin request (intruder.h)
 *
 * Children are this same program (bin/adversary from the initfs) started with a mode argument.
 */
#define ADV_INIT_CH 1
#define ADV_PORT 81          /* the adversary's commands */
#define ADV_OPERATOR_PORT 82 /* the operator's (the same program, admin = yes in the manifest) */
#define ADV_SELF "bin/adversary"
#define ADV_MODE_SERVE 0
#define ADV_MODE_SPIN 1
#define ADV_SPINNERS_MAX 64
#define ADV_COMMAND_MAX 64

static struct {
    struct tar_file self;
    handle_t spinners[ADV_SPINNERS_MAX];
    unsigned nspinners;
    uint16_t port; /* the port we listen on */
} adv;

/* Logs why we cannot go on and ends. */
_Noreturn static void adv_die(const char *what, long err)
{
    printf("adversary: %s: %s\n", what, err_str(err));
    warp_exit(1);
}

/* OPENs uri as a call on ch; the channel the reply carries. */
static handle_t adv_open(handle_t ch, const char *uri)
{
    long r = ipc_open_sync(ch, uri);
    if (r < 0)
        adv_die(uri, r);
    return (handle_t)r;
}

/* A listener on the adversary's port, 81, or where tcpip refuses that (ERR_PERMISSION: the
 * manifest lists another port), on ADV_OPERATOR_PORT: the same program as the admin operator. */
static handle_t adv_listen(handle_t tcpip)
{
    static const uint16_t ports[] = {ADV_PORT, ADV_OPERATOR_PORT};
    char uri[32];
    struct warp_msg m, reply;
    long r = ERR_PERMISSION;
    for (unsigned i = 0; i < 2 && r == ERR_PERMISSION; i++) {
        adv.port = ports[i];
        fmt_snprintf(uri, sizeof(uri), TCPIP_LISTEN_PREFIX "0.0.0.0:%u", (unsigned)adv.port);
        msg_open(&m, uri);
        r = ipc_call_sync(tcpip, &m, &reply);
    }
    if (r >= 0 && (reply.type != MSG_OPEN || reply.nhandles != 1))
        r = ERR_BAD_FORMAT;
    if (r < 0)
        adv_die("listen", r);
    return reply.handles[0];
}

/* Starts one spinner; false if the kernel refused. */
static bool adv_spawn_spinner(void)
{
    static const char name[] = "spinner";
    struct spawn_args a = {.name = (uaddr_t)name,
                           .name_len = sizeof(name) - 1,
                           .image = (uaddr_t)adv.self.data,
                           .image_len = adv.self.size,
                           .arg = ADV_MODE_SPIN};
    long h = warp_spawn(&a);
    if (h < 0)
        return false;
    adv.spinners[adv.nspinners++] = (handle_t)h;
    return true;
}

/* Kills the newest spinner and waits for its end. */
static void adv_stop_spinner(void)
{
    handle_t h = adv.spinners[--adv.nspinners];
    struct exit_info ei;
    warp_kill(h);
    warp_wait(h, &ei);
    warp_handle_close(h);
}

/* A decimal number of at most 3 digits filling s; -1 if s is anything else. */
static long adv_number(const char *s)
{
    long n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (s[i] - '0');
    }
    return len >= 1 && len <= 3 ? n : -1;
}

/* "spin N": as many spinners as asked; the reply says how many run. */
static void adv_spin(const char *arg, char *out, size_t size)
{
    long n = adv_number(arg);
    if (n < 0 || n > ADV_SPINNERS_MAX) {
        fmt_snprintf(out, size, "error spin wants 0..%d\n", ADV_SPINNERS_MAX);
        return;
    }
    while (adv.nspinners > (unsigned long)n)
        adv_stop_spinner();
    while (adv.nspinners < (unsigned long)n && adv_spawn_spinner())
        ;
    fmt_snprintf(out, size, "%s spin %u\n", adv.nspinners == (unsigned long)n ? "ok" : "error",
                 adv.nspinners);
    printf("adversary: %u spinner(s) running\n", adv.nspinners);
}

/* One connection: read a command line, act, answer, close. */
static void adv_serve(handle_t conn)
{
    char cmd[ADV_COMMAND_MAX + 1], out[128] = "error unknown command\n";
    struct warp_msg m, reply;
    msg_read(&m, cmd, ADV_COMMAND_MAX);
    long n = ipc_call_sync(conn, &m, &reply);
    if (n >= 0)
        n = msg_result(&reply, MSG_READ);
    if (n > 0) {
        cmd[n] = 0;
        for (long i = n - 1; i >= 0 && (cmd[i] == '\n' || cmd[i] == '\r'); i--)
            cmd[i] = 0;
        if (strncmp(cmd, "spin ", 5) == 0)
            adv_spin(cmd + 5, out, sizeof(out));
        else if (!longcall_command(cmd, &adv.self, out, sizeof(out)) && /* longcall.c */
                 !hog_command(cmd, out, sizeof(out), &adv.self))        /* hog.c: resource hogs */
            intruder_command(cmd, out, sizeof(out)); /* intrude, restart NAME (intruder.c) */
        msg_write(&m, out, strlen(out));
        ipc_call_sync(conn, &m, &reply);
        msg_close(&m);
        ipc_call_sync(conn, &m, &reply);
    }
    warp_handle_close(conn);
}

/* Serves commands, one connection at a time, for ever. */
static int adv_main(const void *initfs, size_t initfs_size)
{
    long r = initfs ? tar_find(initfs, initfs_size, ADV_SELF, &adv.self) : ERR_NOT_FOUND;
    if (r < 0)
        adv_die(ADV_SELF " (initfs = yes in the manifest?)", r);
    handle_t tcpip = adv_open(ADV_INIT_CH, TCPIP_URI);
    handle_t listener = adv_listen(tcpip);
    long eq = warp_eventq_create();
    if (eq < 0 || (r = warp_eventq_add((handle_t)eq, listener, 0)) < 0)
        adv_die("event queue", eq < 0 ? eq : r);
    printf("adversary: listening on :%u\n", adv.port);
    for (;;) {
        struct warp_event ev;
        r = warp_eventq_wait((handle_t)eq, &ev, DEADLINE_FOREVER);
        if (r < 0 || ev.type == EV_PEER_CLOSED)
            adv_die("the listener", r < 0 ? r : ERR_PEER_CLOSED);
        if (ev.type == EV_MESSAGE && ev.u.msg.type == MSG_OPEN && ev.u.msg.nhandles == 1)
            adv_serve(ev.u.msg.handles[0]);
    }
}

/* arg selects the role: the command server, or one of its hostile children. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    if (arg >= LONGCALL_MODE_FIRST && arg <= LONGCALL_MODE_LAST)
        longcall_child(arg, initfs, initfs_size);
    if (arg >= HOG_MODE_FIRST)
        return hog_child(arg, initfs, initfs_size);
    if (arg == ADV_MODE_SPIN)
        for (;;)
            __asm__ volatile("" ::: "memory"); /* no system call: only the timer takes the CPU back */
    return adv_main(initfs, initfs_size);
}
