/* lxsys_sock.c: the socket calls (socket, bind, listen, accept4, the options, names, send and
 * receive, shutdown, connect) and sendfile, over lxsock.c's sockets. */
#include <warp/malloc.h>
#include <warp/msg.h>
#include <warp/proto/fs.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lxabi.h"
#include "lxaddr.h"
#include "lxfiles.h"
#include "lxmem.h"
#include "lxnetabi.h"
#include "lxnode.h"
#include "lxsig.h"
#include "lxsock.h"
#include "lxsys.h"
#include "lxwait.h"

#define LXSOCK_ADDR_MAX 128 /* sizeof(struct sockaddr_storage): a longer address is EINVAL */
#define LXSOCK_RMEM_MAX 212992u
#define LXSOCK_WMEM_MAX 212992u

/* The socket fd names: NULL with *err -EBADF or -ENOTSOCK. */
static struct lxsock *lxsys_sock(struct lxproc *p, uint64_t fd, int64_t *err, struct lxfile **file)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, fd);
    *err = !f ? -LX_EBADF : f->kind != LXFILE_SOCKET ? -LX_ENOTSOCK : 0;
    if (file)
        *file = f;
    return *err ? NULL : f->sock;
}

int64_t lxsys_socket(struct lxproc *p, const struct trap_info *t)
{
    int32_t domain = (int32_t)t->args[0], type = (int32_t)t->args[1], proto = (int32_t)t->args[2];
    int32_t flags = type & ~LX_SOCK_TYPE_MASK;
    type &= LX_SOCK_TYPE_MASK;
    if (flags & ~(LX_SOCK_NONBLOCK | LX_SOCK_CLOEXEC))
        return -LX_EINVAL;
    if (domain < 0 || domain >= LX_NPROTO)
        return -LX_EAFNOSUPPORT;
    if (type >= LX_SOCK_MAX)
        return -LX_EINVAL;
    if (domain != LX_AF_INET)
        return -LX_EAFNOSUPPORT; /* no AF_UNIX, AF_INET6, AF_NETLINK, ... yet */
    if (proto < 0 || proto >= LX_IPPROTO_MAX)
        return -LX_EINVAL;
    if (type == LX_SOCK_RAW)
        return -LX_EPERM; /* as for a process without CAP_NET_RAW */
    if (type != LX_SOCK_STREAM)
        return -LX_ESOCKTNOSUPPORT; /* no UDP for programs yet (tcpip offers none) */
    if (proto != LX_IPPROTO_IP && proto != LX_IPPROTO_TCP)
        return -LX_EPROTONOSUPPORT;
    struct lxsock *s = lxsock_new();
    if (!s)
        return -LX_ENOMEM;
    struct lxfile *f =
        lxfile_new(&lxfile_pool, LXFILE_SOCKET, LX_O_RDWR | (flags & LX_SOCK_NONBLOCK ? LX_O_NONBLOCK : 0));
    if (!f) {
        lxsock_release(s);
        return -LX_ENFILE;
    }
    f->sock = s;
    int64_t fd = lxfd_install(&p->leader->fds, 0, f, (flags & LX_SOCK_CLOEXEC) != 0);
    lxfile_unref(p, f); /* the table holds it, or it goes with its socket */
    return fd;
}

/* Reads an int from the process: 0, or -EFAULT. */
static int64_t lxsys_get_int(struct lxproc *p, uint64_t addr, int32_t *v)
{
    return lxmem_read(p, addr, v, sizeof(*v)) < 0 ? -LX_EFAULT : 0;
}

/* Writes an address as Linux's move_addr_to_user: *lenp (an int, < 0 EINVAL) bounds the bytes
 * written; the real length goes back to *lenp. */
static int64_t lxsys_put_addr(struct lxproc *p, uint64_t addr, uint64_t lenp, uint32_t a, uint16_t port)
{
    struct lx_sockaddr_in sa;
    int32_t len;
    if (lxsys_get_int(p, lenp, &len) < 0)
        return -LX_EFAULT;
    if (len < 0)
        return -LX_EINVAL;
    lxaddr_to_sockaddr(&sa, a, port);
    uint32_t n = (uint32_t)len < sizeof(sa) ? (uint32_t)len : sizeof(sa);
    int32_t full = sizeof(sa);
    if ((n && lxmem_write(p, addr, &sa, n) < 0) || lxmem_write(p, lenp, &full, sizeof(full)) < 0)
        return -LX_EFAULT;
    return 0;
}

/* Reads a socket address of len bytes (an int: < 0 or past 128 EINVAL) into buf. */
static int64_t lxsys_get_addr(struct lxproc *p, uint64_t addr, uint64_t len, uint8_t *buf)
{
    if ((int32_t)len < 0 || (int32_t)len > LXSOCK_ADDR_MAX)
        return -LX_EINVAL;
    memset(buf, 0, LXSOCK_ADDR_MAX);
    if (len && lxmem_read(p, addr, buf, (uint32_t)len) < 0)
        return -LX_EFAULT;
    return 0;
}

int64_t lxsys_bind(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    uint8_t buf[LXSOCK_ADDR_MAX];
    uint32_t addr;
    uint16_t port;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    if ((err = lxsys_get_addr(p, t->args[1], t->args[2], buf)) < 0)
        return err;
    if ((err = lxaddr_from_sockaddr(buf, (uint32_t)t->args[2], &addr, &port)) < 0)
        return err;
    return lxsock_bind(s, addr, port, p->ports, p->nports);
}

int64_t lxsys_listen(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    return s ? lxsock_listen(s, (int32_t)t->args[1]) : err;
}

int64_t lxsys_accept4(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxfile *lf;
    uint64_t flags = t->args[3];
    if (flags & ~(uint64_t)(LX_SOCK_NONBLOCK | LX_SOCK_CLOEXEC))
        return -LX_EINVAL;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, &lf);
    if (!s)
        return err;
    if (s->state != LXSOCK_LISTEN && !s->down)
        return -LX_EINVAL;
    if (s->qlen == 0) {
        if (s->down)
            return -LX_ENETDOWN;
        if (lf->flags & LX_O_NONBLOCK)
            return -LX_EAGAIN;
        return lxwait_block(p, t, lxsys_accept4, 0);
    }
    struct lxsock *c = lxsock_new();
    struct lxfile *f = c ? lxfile_new(&lxfile_pool, LXFILE_SOCKET,
                                      LX_O_RDWR | (flags & LX_SOCK_NONBLOCK ? LX_O_NONBLOCK : 0))
                         : NULL;
    if (!f) {
        if (c)
            lxsock_release(c);
        return c ? -LX_ENFILE : -LX_ENOMEM;
    }
    f->sock = c;
    int64_t fd = lxfd_install(&p->leader->fds, 0, f, (flags & LX_SOCK_CLOEXEC) != 0);
    err = fd < 0 ? fd : lxsock_accept(s, c);
    if (err == 0 && t->args[1])
        err = lxsys_put_addr(p, t->args[1], t->args[2], c->raddr, c->rport);
    if (err < 0 && fd >= 0)
        lxfile_unref(p, lxfd_take(&p->leader->fds, (uint64_t)fd)); /* the connection goes, as on Linux */
    lxfile_unref(p, f);
    return err < 0 ? err : fd;
}

int64_t lxsys_accept(struct lxproc *p, const struct trap_info *t)
{
    struct trap_info t2 = *t;
    t2.args[3] = 0;
    return lxsys_accept4(p, &t2);
}

int64_t lxsys_getsockname(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    return s ? lxsys_put_addr(p, t->args[1], t->args[2], s->laddr, s->lport) : err;
}

int64_t lxsys_getpeername(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    if (s->state != LXSOCK_CONN || s->reset)
        return -LX_ENOTCONN;
    return lxsys_put_addr(p, t->args[1], t->args[2], s->raddr, s->rport);
}

/* connect() waiting for its connection (a blocking socket): tried again at every change. */
static int64_t lxsys_connect_wait(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    err = lxsock_connected(s);
    return err == -LX_EAGAIN ? lxwait_block(p, t, lxsys_connect_wait, 0) : err;
}

/* connect() on a TCP socket: tcpip's tcp-connect:. A non-blocking socket gets EINPROGRESS, then
 * becomes writable (connected) or hung up with SO_ERROR set; a blocking one waits for either. */
int64_t lxsys_connect(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    uint8_t buf[LXSOCK_ADDR_MAX];
    uint32_t addr;
    uint16_t port;
    struct lxfile *lf;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, &lf);
    if (!s)
        return err;
    if ((err = lxsys_get_addr(p, t->args[1], t->args[2], buf)) < 0)
        return err;
    if ((int32_t)t->args[2] < 2)
        return -LX_EINVAL;
    if (s->state == LXSOCK_DIAL)
        return (lf->flags & LX_O_NONBLOCK) ? -LX_EALREADY : lxwait_block(p, t, lxsys_connect_wait, 0);
    if (s->state != LXSOCK_NEW)
        return -LX_EISCONN;
    if ((err = lxaddr_from_sockaddr(buf, (uint32_t)t->args[2], &addr, &port)) < 0)
        return err;
    if (!p->connect)
        return -LX_EACCES; /* its manifest section lacks connect = yes, as a bind needs ports */
    err = lxsock_connect(s, addr, port);
    if (err != -LX_EINPROGRESS || (lf->flags & LX_O_NONBLOCK))
        return err;
    return lxwait_block(p, t, lxsys_connect_wait, 0);
}

/* An int option's value as given (optlen at least an int). */
static int64_t lxsys_opt_int(struct lxproc *p, const struct trap_info *t, int32_t *v)
{
    if ((int32_t)t->args[4] < (int32_t)sizeof(int32_t))
        return -LX_EINVAL;
    return lxsys_get_int(p, t->args[3], v);
}

int64_t lxsys_setsockopt(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    int32_t v;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    int32_t level = (int32_t)t->args[1], name = (int32_t)t->args[2];
    if (level != LX_SOL_SOCKET && level != LX_IPPROTO_TCP)
        return -LX_ENOPROTOOPT; /* IP-level options are not offered */
    if ((err = lxsys_opt_int(p, t, &v)) < 0)
        return err;
    if (level == LX_IPPROTO_TCP) {
        switch (name) {
        case LX_TCP_NODELAY: s->nodelay = v != 0; return 0; /* tcpip sends each WRITE at once anyway */
        case LX_TCP_DEFER_ACCEPT: s->defer_accept = v < 0 ? 0 : (uint32_t)v; return 0;
        case LX_TCP_FASTOPEN: s->fastopen = v < 0 ? 0 : (uint32_t)v; return 0;
        case LX_TCP_CORK: s->cork = v != 0; return 0; /* each WRITE goes out as it comes all the same */
        case LX_TCP_KEEPIDLE:
        case LX_TCP_KEEPINTVL:
        case LX_TCP_KEEPCNT: {
            int32_t *o = name == LX_TCP_KEEPIDLE    ? &s->keepidle
                         : name == LX_TCP_KEEPINTVL ? &s->keepintvl
                                                    : &s->keepcnt;
            if (v < 1 || v > (name == LX_TCP_KEEPCNT ? 127 : 32767))
                return -LX_EINVAL;
            *o = v; /* tcpip's own keepalive timing stays (docs/tcpip.md) */
            return 0;
        }
        default: return -LX_ENOPROTOOPT;
        }
    }
    uint32_t u = (uint32_t)v;
    switch (name) {
    case LX_SO_REUSEADDR: s->reuseaddr = v != 0; return 0;
    case LX_SO_REUSEPORT: return 0; /* accepted; one socket per port all the same */
    case LX_SO_KEEPALIVE: s->keepalive = v != 0; return 0;
    case LX_SO_RCVBUF: /* Linux doubles the value for its bookkeeping, within its limits */
        u = u < LXSOCK_RMEM_MAX ? u : LXSOCK_RMEM_MAX;
        s->rcvbuf = u * 2 > 2304 ? u * 2 : 2304;
        return 0;
    case LX_SO_SNDBUF:
        u = u < LXSOCK_WMEM_MAX ? u : LXSOCK_WMEM_MAX;
        s->sndbuf = u * 2 > 4608 ? u * 2 : 4608;
        return 0;
    case LX_SO_LINGER: return (int32_t)t->args[4] < 8 ? -LX_EINVAL : 0; /* close never waits here */
    default: return -LX_ENOPROTOOPT;
    }
}

int64_t lxsys_getsockopt(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    int32_t len, v[2] = {0, 0};
    uint32_t size = sizeof(int32_t);
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    int32_t level = (int32_t)t->args[1], name = (int32_t)t->args[2];
    if (level != LX_SOL_SOCKET && level != LX_IPPROTO_TCP)
        return -LX_ENOPROTOOPT;
    if (lxsys_get_int(p, t->args[4], &len) < 0)
        return -LX_EFAULT;
    if (len < 0)
        return -LX_EINVAL;
    if (level == LX_IPPROTO_TCP) {
        switch (name) {
        case LX_TCP_NODELAY: v[0] = s->nodelay; break;
        case LX_TCP_DEFER_ACCEPT: v[0] = (int32_t)s->defer_accept; break;
        case LX_TCP_FASTOPEN: v[0] = (int32_t)s->fastopen; break;
        case LX_TCP_CORK: v[0] = s->cork; break;
        case LX_TCP_KEEPIDLE: v[0] = s->keepidle; break;
        case LX_TCP_KEEPINTVL: v[0] = s->keepintvl; break;
        case LX_TCP_KEEPCNT: v[0] = s->keepcnt; break;
        default: return -LX_ENOPROTOOPT;
        }
    } else {
        switch (name) {
        case LX_SO_REUSEADDR: v[0] = s->reuseaddr; break;
        case LX_SO_REUSEPORT: v[0] = 0; break;
        case LX_SO_KEEPALIVE: v[0] = s->keepalive; break;
        case LX_SO_RCVBUF: v[0] = (int32_t)s->rcvbuf; break;
        case LX_SO_SNDBUF: v[0] = (int32_t)s->sndbuf; break;
        case LX_SO_TYPE: v[0] = LX_SOCK_STREAM; break;
        case LX_SO_PROTOCOL: v[0] = LX_IPPROTO_TCP; break;
        case LX_SO_DOMAIN: v[0] = LX_AF_INET; break;
        case LX_SO_ACCEPTCONN: v[0] = s->state == LXSOCK_LISTEN; break;
        case LX_SO_ERROR:
            v[0] = s->error;
            s->error = 0;
            break;
        case LX_SO_LINGER: size = 8; break;
        default: return -LX_ENOPROTOOPT;
        }
    }
    uint32_t n = (uint32_t)len < size ? (uint32_t)len : size;
    int32_t out = (int32_t)n;
    if ((n && lxmem_write(p, t->args[3], v, n) < 0) || lxmem_write(p, t->args[4], &out, sizeof(out)) < 0)
        return -LX_EFAULT;
    return 0;
}

int64_t lxsys_sock_recv(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, uint64_t flags)
{
    static uint8_t buf[LXXFER_MAX];
    struct lxsock *s = f->sock;
    if (flags & LX_MSG_OOB)
        return -LX_EINVAL; /* no urgent data is ever kept */
    int64_t n = lxsock_recv(s, buf, (uint32_t)x->len, true);
    if (n <= 0)
        return n;
    if (lxxfer_scatter(p, x, buf, (uint64_t)n) < 0)
        return -LX_EFAULT; /* the bytes stay */
    if (!(flags & LX_MSG_PEEK))
        lxsock_recv(s, buf, (uint32_t)n, false);
    return n;
}

int64_t lxsys_sock_send(struct lxproc *p, struct lxfile *f, const struct lxxfer *x, uint64_t flags)
{
    static uint8_t buf[LXXFER_MAX];
    struct lxsock *s = f->sock;
    if (flags & LX_MSG_OOB)
        return -LX_EOPNOTSUPP; /* no urgent data */
    /* Only what fits is gathered: a partial write, as a non-blocking socket's. */
    int64_t n = lxsock_send(s, buf, 0);
    if (n < 0)
        goto fail;
    uint32_t room = lxsock_tx_space(s);
    if (room == 0)
        return x->len ? -LX_EAGAIN : 0;
    struct lxxfer part = *x;
    if (part.len > room)
        part.len = room;
    n = lxxfer_gather(p, &part, buf);
    if (n <= 0)
        return n;
    n = lxsock_send(s, buf, (uint32_t)n);
fail:
    if (n == -LX_EPIPE && !(flags & LX_MSG_NOSIGNAL))
        lxsig_raise(p, LX_SIGPIPE, 0); /* acts as the call returns, as Linux's sk_stream_error */
    return n;
}

/* A socket call that found nothing to do yet: -EAGAIN for a non-blocking one, else a wait. */
static int64_t lxsys_sock_wait(struct lxproc *p, struct lxfile *f, const struct trap_info *t, lxsys_fn fn,
                               uint64_t flags, int64_t r)
{
    if (r != -LX_EAGAIN || (f->flags & LX_O_NONBLOCK) || (flags & LX_MSG_DONTWAIT))
        return r;
    return lxwait_block(p, t, fn, 0);
}

int64_t lxsys_sock_io_wait(struct lxproc *p, const struct trap_info *t, lxsys_fn fn, int64_t r)
{
    struct lxfile *f = lxfd_get(&p->leader->fds, t->args[0]);
    if (!f || f->kind != LXFILE_SOCKET)
        return r;
    return lxsys_sock_wait(p, f, t, fn, 0, r);
}

/* recvfrom: a TCP socket gives no address (the length written back is 0). */
int64_t lxsys_recvfrom(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxfile *f;
    struct lxxfer x;
    if (!lxsys_sock(p, t->args[0], &err, &f))
        return err;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxxfer_one(&x, t->args[1], t->args[2]);
    int64_t r = lxsys_sock_recv(p, f, &x, t->args[3]);
    if (r >= 0 && t->args[4] && t->args[5]) {
        int32_t len, zero = 0;
        if (lxsys_get_int(p, t->args[5], &len) < 0 || lxmem_write(p, t->args[5], &zero, sizeof(zero)) < 0)
            return -LX_EFAULT;
        if (len < 0)
            return -LX_EINVAL;
    }
    return lxsys_sock_wait(p, f, t, lxsys_recvfrom, t->args[3], r);
}

int64_t lxsys_sendto(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxfile *f;
    struct lxxfer x;
    if (!lxsys_sock(p, t->args[0], &err, &f))
        return err;
    if ((int64_t)t->args[2] < 0)
        return -LX_EINVAL;
    lxxfer_one(&x, t->args[1], t->args[2]);
    return lxsys_sock_wait(p, f, t, lxsys_sendto, t->args[3], lxsys_sock_send(p, f, &x, t->args[3]));
}

/* sendmsg and recvmsg: the iovecs of a struct msghdr; no ancillary data (control ignored, and 0
 * back), no address (TCP). */
static int64_t lxsys_msg(struct lxproc *p, const struct trap_info *t, bool send, lxsys_fn fn)
{
    int64_t err;
    struct lxfile *f;
    struct lxxfer x;
    struct lx_msghdr h;
    if (!lxsys_sock(p, t->args[0], &err, &f))
        return err;
    if (lxmem_read(p, t->args[1], &h, sizeof(h)) < 0)
        return -LX_EFAULT;
    if ((err = lxxfer_vec(p, &x, h.iov, h.iovlen)) < 0)
        return err;
    int64_t r = send ? lxsys_sock_send(p, f, &x, t->args[2]) : lxsys_sock_recv(p, f, &x, t->args[2]);
    if (r >= 0 && !send) {
        h.namelen = 0;
        h.controllen = 0;
        h.flags = 0;
        if (lxmem_write(p, t->args[1], &h, sizeof(h)) < 0)
            return -LX_EFAULT;
    }
    return lxsys_sock_wait(p, f, t, fn, t->args[2], r);
}

int64_t lxsys_sendmsg(struct lxproc *p, const struct trap_info *t)
{
    return lxsys_msg(p, t, true, lxsys_sendmsg);
}

int64_t lxsys_recvmsg(struct lxproc *p, const struct trap_info *t)
{
    return lxsys_msg(p, t, false, lxsys_recvmsg);
}

int64_t lxsys_shutdown(struct lxproc *p, const struct trap_info *t)
{
    int64_t err;
    struct lxsock *s = lxsys_sock(p, t->args[0], &err, NULL);
    if (!s)
        return err;
    int32_t how = (int32_t)t->args[1];
    if (how < LX_SHUT_RD || how > LX_SHUT_RDWR)
        return -LX_EINVAL;
    return lxsock_shutdown(s, how);
}

/* A sendfile's fs READ in flight: the bytes go into the socket when it answers. */
struct lxsendfile {
    struct lxproc *p;
    uint64_t pid, trap;
    struct lxfile *in, *out; /* references */
    uint64_t offp;           /* the process's offset (0: the description's) */
    uint64_t at, len;
    uint8_t data[];
};

/* Frees a sendfile record with its references. */
static void lxsendfile_free(struct lxsendfile *sf)
{
    lxfile_unref(NULL, sf->in);
    lxfile_unref(NULL, sf->out);
    free(sf);
}

/* fs's READ reply: the bytes read go into the socket's buffer (they fit: it had that room). */
static void lxsendfile_on_read(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct lxsendfile *sf = ctx;
    (void)ch;
    loop_close_handles(l, m, 0);
    struct lxproc *p = sf->p->used && sf->p->pid == sf->pid ? sf->p : NULL;
    long r = msg_result(m, MSG_READ);
    int64_t res = r > (long)sf->len ? -LX_EIO : r < 0 ? lxnode_errno(r, false) : 0;
    if (p && res == 0 && r > 0) {
        res = lxsock_send(sf->out->sock, sf->data, (uint32_t)r);
        if (res == -LX_EPIPE)
            lxsig_raise(p, LX_SIGPIPE, 0);
        if (res > 0) {
            uint64_t next = sf->at + (uint64_t)res;
            if (!sf->offp)
                sf->in->offset = next;
            else if (lxmem_write(p, sf->offp, &next, sizeof(next)) < 0)
                res = -LX_EFAULT;
        }
    }
    if (p)
        lxsig_reply(p, sf->trap, res);
    lxsendfile_free(sf);
}

int64_t lxsys_sendfile(struct lxproc *p, const struct trap_info *t)
{
    struct lxfile *in = lxfd_get(&p->leader->fds, t->args[1]);
    struct lxfile *out = lxfd_get(&p->leader->fds, t->args[0]);
    uint64_t at;
    if (!in || (in->flags & LX_O_ACCMODE) == LX_O_WRONLY)
        return -LX_EBADF;
    if (t->args[2]) {
        if (lxmem_read(p, t->args[2], &at, sizeof(at)) < 0)
            return -LX_EFAULT;
        if (in->kind != LXFILE_NODE)
            return -LX_ESPIPE;
    } else
        at = in->offset;
    if (!out || (out->flags & LX_O_ACCMODE) == LX_O_RDONLY)
        return -LX_EBADF;
    if ((int64_t)at < 0)
        return -LX_EINVAL;
    if (in->kind != LXFILE_NODE || in->type == FS_TYPE_DIR || out->kind != LXFILE_SOCKET)
        return -LX_EINVAL; /* from a file to a socket only, here */
    uint64_t count = t->args[3];
    if (count == 0)
        return 0;
    struct lxsock *s = out->sock;
    int64_t r = lxsock_send(s, NULL, 0); /* its state: EPIPE, a pending error */
    if (r < 0) {
        if (r == -LX_EPIPE)
            lxsig_raise(p, LX_SIGPIPE, 0);
        return r;
    }
    uint64_t n = lxsock_tx_space(s);
    if (n == 0)
        return lxsys_sock_wait(p, out, t, lxsys_sendfile, 0, -LX_EAGAIN);
    n = n < count ? n : count;
    n = n < LXXFER_MAX ? n : LXXFER_MAX;
    handle_t ch = lxnode_channel(in);
    struct lxsendfile *sf = ch ? malloc(sizeof(*sf) + n) : NULL;
    if (!sf)
        return ch ? -LX_ENOMEM : -LX_EIO;
    memset(sf, 0, sizeof(*sf));
    sf->p = p;
    sf->pid = p->pid;
    sf->trap = p->call_id;
    sf->in = in;
    sf->out = out;
    lxfile_get(in);
    lxfile_get(out);
    sf->offp = t->args[2];
    sf->at = at;
    sf->len = n;
    struct fs_io io = {.offset = at};
    struct warp_msg m;
    msg_read(&m, sf->data, n);
    msg_set_data(&m, &io, sizeof(io));
    if (loop_call(lxnode_loop(), ch, &m, lxsendfile_on_read, sf) < 0) {
        lxsendfile_free(sf);
        return -LX_EIO;
    }
    return LXSYS_NO_REPLY;
}
