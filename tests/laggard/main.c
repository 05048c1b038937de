/* laggard: a service slow to start, so OPENs of it wait in init (tests/e2e/case_adversary.py). */
#include <warp/service.h>
#include <warp/user.h>

/*
 * For LAGGARD_REGISTER_MS after it starts it has not registered service/laggard: OPENs of it wait in
 * init. Then it registers but reads nothing for LAGGARD_DEAF_MS: the clients init hands over wait
 * on its handle 1. Then it serves: each client's channel is kept until the client closes it, and
 * every call on it is answered ERR_NOT_SUPPORTED (the loop's default).
 */
#define LAGGARD_REGISTER_MS 3000
#define LAGGARD_DEAF_MS 3000

static struct loop laggard_loop;

/* Blocks for ms milliseconds, reading nothing: a wait on an empty event queue (a yield loop
 * instead would compete for the CPU with the services the test probes). */
static void laggard_sleep(uint64_t ms)
{
    uint64_t end = warp_clock() + ms * 1000000ull;
    struct warp_event ev;
    long eq = warp_eventq_create();
    while (eq >= 0 && warp_clock() < end && warp_eventq_wait((handle_t)eq, &ev, end) == ERR_TIMED_OUT)
        ;
    if (eq >= 0)
        warp_handle_close((handle_t)eq);
    while (warp_clock() < end) /* no queue (out of handles): spin rather than start early */
        warp_yield();
}

/* A client, handed over by init: kept until it goes (the loop then closes its channel). */
static void laggard_on_connect(struct loop *l, handle_t ch, void *ctx)
{
    static const struct loop_channel_handlers handlers = {0};
    (void)ctx;
    if (loop_add_channel(l, ch, &handlers, NULL) < 0)
        warp_handle_close(ch);
}

/* Entry: wait, register, wait, serve. */
int main(uint64_t arg, const void *initfs, size_t initfs_size)
{
    (void)arg;
    (void)initfs;
    (void)initfs_size;
    laggard_sleep(LAGGARD_REGISTER_MS);
    long r = loop_init(&laggard_loop);
    if (r == 0)
        r = service_start(&laggard_loop, "laggard", laggard_on_connect, NULL);
    if (r == 0) {
        printf("laggard: registering; deaf for %u ms\n", LAGGARD_DEAF_MS);
        laggard_sleep(LAGGARD_DEAF_MS);
        printf("laggard: serving\n");
        r = loop_run(&laggard_loop);
    }
    printf("laggard: %s\n", err_str(r));
    return 1;
}
