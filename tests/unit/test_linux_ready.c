/* test_linux_ready.c: the linux server's readiness (lxready.c: what poll and epoll see of pipes,
 * files and sockets, epoll's interest lists with their level, edge and one-shot rules) and its
 * socket addresses (lxaddr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers/linux/lxabi.h"
#include "servers/linux/lxaddr.h"
#include "servers/linux/lxready.h"
#include "servers/linux/lxsock.h"

#define IN (LX_EPOLLIN | LX_EPOLLRDNORM)
#define OUT (LX_EPOLLOUT | LX_EPOLLWRNORM)

static struct lxfilepool pool;
static uint8_t ring[LXPIPE_SIZE];
static struct lxpipe pipe_;

/* A pipe's two ends over ring. */
static void make_pipe(struct lxfile **r, struct lxfile **w)
{
    lxpipe_init(&pipe_, ring);
    pipe_.readers = pipe_.writers = 1;
    *r = lxfile_new(&pool, LXFILE_PIPE_R, LX_O_RDONLY);
    *w = lxfile_new(&pool, LXFILE_PIPE_W, LX_O_WRONLY);
    (*r)->pipe = (*w)->pipe = &pipe_;
}

/* A socket description over s (zeroed, with buffers if conn). */
static struct lxfile *make_sock(struct lxsock *s, uint32_t state)
{
    static uint8_t rx[LXSOCK_RX_SIZE], tx[LXSOCK_TX_SIZE];
    memset(s, 0, sizeof(*s));
    s->state = state;
    if (state == LXSOCK_CONN) {
        s->rx = rx;
        s->tx = tx;
    }
    struct lxfile *f = lxfile_new(&pool, LXFILE_SOCKET, LX_O_RDWR);
    f->sock = s;
    return f;
}

static void test_ready_pipes_files(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    struct lxfile *r, *w;
    make_pipe(&r, &w);
    assert_int_equal(lxready_mask(r), 0);
    assert_int_equal(lxready_mask(w), OUT);
    lxpipe_put(&pipe_, "x", 1);
    assert_int_equal(lxready_mask(r), IN);
    static uint8_t fill[LXPIPE_SIZE];
    lxpipe_put(&pipe_, fill, LXPIPE_SIZE - LXPIPE_ATOMIC); /* less than PIPE_BUF left: not writable */
    assert_int_equal(lxready_mask(w), 0);
    pipe_.writers = 0;
    assert_int_equal(lxready_mask(r), IN | LX_EPOLLHUP);
    pipe_.readers = 0;
    assert_int_equal(lxready_mask(w), LX_EPOLLERR);
    struct lxfile *node = lxfile_new(&pool, LXFILE_NODE, LX_O_RDONLY);
    assert_int_equal(lxready_mask(node), IN | OUT);
    assert_false(lxready_pollable(node));
    assert_true(lxready_pollable(r));
    struct lxfile *con = lxfile_new(&pool, LXFILE_CONSOLE, LX_O_WRONLY);
    assert_int_equal(lxready_mask(con), OUT);
}

static void test_ready_sockets(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    struct lxsock s;
    struct lxfile *f = make_sock(&s, LXSOCK_NEW);
    assert_int_equal(lxready_mask(f), OUT | LX_EPOLLHUP); /* as tcp_poll of a closed socket */
    s.state = LXSOCK_LISTEN;
    assert_int_equal(lxready_mask(f), 0);
    s.qlen = 1;
    assert_int_equal(lxready_mask(f), IN);
    s.error = LX_ENETDOWN;
    assert_int_equal(lxready_mask(f), IN | LX_EPOLLERR);
    f = make_sock(&s, LXSOCK_DIAL); /* connect() under way: nothing yet, as in SYN_SENT */
    assert_int_equal(lxready_mask(f), 0);
    s.state = LXSOCK_NEW; /* it failed: hung up, "writable", and the error */
    s.error = LX_ECONNREFUSED;
    assert_int_equal(lxready_mask(f), OUT | LX_EPOLLHUP | LX_EPOLLERR);
    f = make_sock(&s, LXSOCK_CONN);
    assert_int_equal(lxready_mask(f), OUT);
    assert_int_equal(lxsock_tx_space(&s), LXSOCK_TX_SIZE);
    s.txoff = 100;
    s.txlen = LXSOCK_TX_SIZE - 100;
    assert_int_equal(lxready_mask(f), 0);
    s.rxlen = 5;
    assert_int_equal(lxready_mask(f), IN);
    s.rxlen = 0;
    s.rx_eof = true; /* the peer's FIN */
    assert_int_equal(lxready_mask(f), IN | LX_EPOLLRDHUP);
    s.shut_wr = true;
    assert_int_equal(lxready_mask(f), IN | LX_EPOLLRDHUP | OUT | LX_EPOLLHUP);
    s.shut_wr = false;
    s.reset = true;
    s.error = LX_ECONNRESET;
    assert_int_equal(lxready_mask(f), IN | LX_EPOLLRDHUP | OUT | LX_EPOLLHUP | LX_EPOLLERR);
}

static void test_epoll_ctl(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    struct lxfile *r, *w;
    make_pipe(&r, &w);
    struct lxepoll *ep = lxepoll_new();
    assert_non_null(ep);
    assert_int_equal(lxepoll_add(ep, 3, r, LX_EPOLLIN, 7), 0);
    assert_int_equal(lxepoll_add(ep, 3, r, LX_EPOLLIN, 7), -LX_EEXIST);
    assert_int_equal(lxepoll_add(ep, 5, r, LX_EPOLLIN, 8), 0); /* a dup'd number is an entry of its own */
    assert_int_equal(lxepoll_mod(ep, 4, w, LX_EPOLLOUT, 0), -LX_ENOENT);
    assert_int_equal(lxepoll_del(ep, 4, w), -LX_ENOENT);
    assert_int_equal(lxepoll_del(ep, 5, r), 0);
    assert_int_equal(lxepoll_add(ep, 4, w, LX_EPOLLOUT | LX_EPOLLEXCLUSIVE, 9), 0);
    assert_int_equal(lxepoll_mod(ep, 4, w, LX_EPOLLOUT, 9), -LX_EINVAL);
    assert_int_equal(lxepoll_mod(ep, 3, r, LX_EPOLLIN | LX_EPOLLEXCLUSIVE, 9), -LX_EINVAL);
    assert_int_equal(ep->n, 2);
    lxepoll_forget(w); /* its description went */
    assert_int_equal(ep->n, 1);
    assert_int_equal(lxepoll_add(ep, 4, w, LX_EPOLLOUT, 9), 0);
    for (int i = 5; ep->n < LXEPOLL_MAX_ENTRIES; i++)
        assert_int_equal(lxepoll_add(ep, i, w, LX_EPOLLOUT, 0), 0);
    assert_int_equal(lxepoll_add(ep, 100000, w, LX_EPOLLOUT, 0), -LX_ENOSPC);
    lxepoll_forget(w);
    assert_int_equal(ep->n, 1);
    lxepoll_free(ep);
}

static void test_epoll_triggers(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    struct lxfile *r, *w;
    struct lx_epoll_event ev[4];
    make_pipe(&r, &w);
    struct lxepoll *ep = lxepoll_new();
    assert_int_equal(lxepoll_add(ep, 3, r, LX_EPOLLIN, 0x33), 0);
    assert_int_equal(lxepoll_add(ep, 4, w, LX_EPOLLOUT | LX_EPOLLET, 0x44), 0);
    /* level: the reader reports while bytes are there; edge: the writer once */
    assert_int_equal(lxepoll_collect(ep, ev, 4), 1);
    assert_int_equal(ev[0].events, LX_EPOLLOUT);
    assert_int_equal(ev[0].data, 0x44);
    assert_false(lxepoll_any(ep));
    assert_int_equal(lxepoll_collect(ep, ev, 4), 0);
    lxpipe_put(&pipe_, "ab", 2); /* a change: the edge entry reports again, the reader too */
    assert_true(lxepoll_any(ep));
    assert_int_equal(lxepoll_collect(ep, ev, 4), 2);
    assert_int_equal(lxepoll_collect(ep, ev, 4), 1);
    assert_int_equal(ev[0].data, 0x33);
    /* one-shot: once, then nothing until MOD re-arms it */
    assert_int_equal(lxepoll_mod(ep, 3, r, LX_EPOLLIN | LX_EPOLLONESHOT, 0x35), 0);
    assert_int_equal(lxepoll_collect(ep, ev, 4), 1);
    assert_int_equal(lxepoll_collect(ep, ev, 4), 0);
    assert_int_equal(lxepoll_mod(ep, 3, r, LX_EPOLLIN, 0x36), 0);
    assert_int_equal(lxepoll_collect(ep, ev, 4), 1);
    assert_int_equal(ev[0].data, 0x36);
    /* HUP and ERR come unasked */
    assert_int_equal(lxepoll_mod(ep, 3, r, 0, 0x37), 0);
    assert_int_equal(lxepoll_collect(ep, ev, 4), 0);
    pipe_.writers = 0;
    assert_int_equal(lxepoll_collect(ep, ev, 4), 1);
    assert_int_equal(ev[0].events, LX_EPOLLHUP);
    lxepoll_free(ep);
}

/* Busy level entries do not starve the others when maxevents is small. */
static void test_epoll_fair(void **state)
{
    (void)state;
    memset(&pool, 0, sizeof(pool));
    struct lxfile *r, *w;
    struct lx_epoll_event ev[1];
    make_pipe(&r, &w);
    struct lxepoll *ep = lxepoll_new();
    for (int i = 0; i < 5; i++)
        assert_int_equal(lxepoll_add(ep, 10 + i, w, LX_EPOLLOUT, (uint64_t)i), 0);
    int seen[5] = {0};
    for (int k = 0; k < 10; k++) {
        assert_int_equal(lxepoll_collect(ep, ev, 1), 1);
        seen[ev[0].data]++;
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(seen[i], 2);
    lxepoll_free(ep);
}

static void test_addr(void **state)
{
    (void)state;
    struct lx_sockaddr_in sa;
    uint32_t a;
    uint16_t port;
    lxaddr_to_sockaddr(&sa, 0x0a00020f, 8080);
    const uint8_t want[16] = {2, 0, 0x1f, 0x90, 10, 0, 2, 15};
    assert_memory_equal(&sa, want, 16);
    assert_int_equal(lxaddr_from_sockaddr(&sa, sizeof(sa), &a, &port), 0);
    assert_int_equal(a, 0x0a00020f);
    assert_int_equal(port, 8080);
    assert_int_equal(lxaddr_from_sockaddr(&sa, 15, &a, &port), -LX_EINVAL);
    assert_int_equal(lxaddr_from_sockaddr(&sa, 128, &a, &port), 0);
    sa.family = 10;
    assert_int_equal(lxaddr_from_sockaddr(&sa, sizeof(sa), &a, &port), -LX_EAFNOSUPPORT);
    assert_int_equal(lxaddr_parse_peer("tcp:10.0.2.2:54321", &a, &port), 0);
    assert_int_equal(a, 0x0a000202);
    assert_int_equal(port, 54321);
    static const char *bad[] = {"tcp:10.0.2.2",       "tcp:10.0.2:1",    "tcp:10.0.2.256:1",
                                "tcp:10.0.2.2:65536", "tcp:10.0.2.2:1x", "udp:10.0.2.2:1",
                                "tcp:010.0.2.2:1",    "tcp:10.0.2.2:",   "",
                                "tcp:1.2.3.4.5:6",    "tcp:-1.0.0.0:1",  "tcp:10.0.2.2:123456"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(lxaddr_parse_peer(bad[i], &a, &port), -1);
    assert_int_equal(lxaddr_parse_ipv4_attr("10.0.2.15/24 via 10.0.2.2", &a), 0);
    assert_int_equal(a, 0x0a00020f);
    assert_int_equal(lxaddr_parse_ipv4_attr("10.0.2.15", &a), -1);
    /* every prefix of a good text is refused until it has a port, under ASan */
    const char *good = "tcp:255.255.255.255:65535";
    char cut[32];
    for (size_t n = 0; n < strlen(good); n++) {
        memcpy(cut, good, n);
        cut[n] = 0;
        assert_int_equal(lxaddr_parse_peer(cut, &a, &port), n > strlen("tcp:255.255.255.255:") ? 0 : -1);
    }
    assert_int_equal(lxaddr_parse_peer(good, &a, &port), 0);
    assert_int_equal(a, 0xffffffffu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_pipes_files), cmocka_unit_test(test_ready_sockets),
        cmocka_unit_test(test_epoll_ctl),         cmocka_unit_test(test_epoll_triggers),
        cmocka_unit_test(test_epoll_fair),        cmocka_unit_test(test_addr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
