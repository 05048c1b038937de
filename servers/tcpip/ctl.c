/* ctl.c: control channels (service/tcpip): OPEN tcp-listen:, GETATTR ipv4/mac/stats, SETATTR ipv4. */
#include "access.h"
#include "addr.h"
#include "ctl.h"
#include "eth.h"
#include "listener.h"
#include "stats.h"

#include <warp/msg.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * A control channel carries only its client's grant (access.h): listeners opened through it are
 * channels of their own and outlive it. Requests (docs/network.md):
 *
 *   OPEN "tcp-listen:<addr>:<port>"   -> handles[0] = a listener channel; ERR_PERMISSION for a port
 *                                        not in the client's ports
 *   GETATTR "ipv4"                    -> "10.0.2.15/24 via 10.0.2.2", ERR_WOULD_BLOCK before DHCP binds
 *   GETATTR "mac"                     -> "52:54:00:12:34:56", ERR_WOULD_BLOCK before the driver answers
 *   GETATTR "stats"                   -> the stats line's fields (also logged)
 *   SETATTR "ipv4=<addr>/<len> via <gw>"  a static address instead of DHCP; "ipv4=dhcp" goes back
 */

/* OPEN: a listener, on one of the client's ports. */
static void ctl_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c)
{
    char uri[MSG_DATA_MAX + 1];
    uint32_t ip;
    uint16_t port;
    handle_t h;
    int r = msg_get_uri(m, uri, sizeof(uri));
    if (r < 0 || addr_listen_uri_parse(uri, &ip, &port) < 0) {
        service_reply_error(l, ch, m, ERR_INVALID_ARG);
        return;
    }
    long e = access_listen(c, port), slot = -1;
    if (e == 0)
        e = slot = access_listener_take(c);
    if (e >= 0)
        e = listener_open(l, ip, port, slot, &h);
    if (e < 0) {
        access_listener_put(slot);
        service_reply_error(l, ch, m, e);
        return;
    }
    struct warp_msg reply;
    msg_reply_open(&reply, m->call_id, h);
    service_send(l, ch, &reply); /* if the client left, h is closed: its listener sees that and stops */
}

/* Replies to GETATTR m with a text value. */
static void ctl_reply_text(struct loop *l, handle_t ch, const struct warp_msg *m, const char *text)
{
    struct warp_msg reply;
    if (msg_reply_text(&reply, MSG_GETATTR, m->call_id, text) < 0) {
        service_reply_error(l, ch, m, ERR_TOO_LARGE);
        return;
    }
    service_send(l, ch, &reply);
}

/* GETATTR: ipv4, mac, stats. */
static void ctl_getattr(struct loop *l, handle_t ch, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    int r = msg_get_attr_name(m, name, sizeof(name));
    if (r < 0) {
        service_reply_error(l, ch, m, r);
        return;
    }
    if (strcmp(name, "ipv4") == 0) {
        uint32_t ip, mask, gw;
        r = eth_ipv4(&ip, &mask, &gw);
        if (r == 0)
            r = addr_config_format(ip, mask, gw, value, sizeof(value));
    } else if (strcmp(name, "mac") == 0) {
        r = eth_mac_text()[0] ? fmt_snprintf(value, sizeof(value), "%s", eth_mac_text()) : ERR_WOULD_BLOCK;
    } else if (strcmp(name, "stats") == 0) {
        stats_log();
        r = stats_format(value, sizeof(value));
        if (r >= (int)sizeof(value))
            value[sizeof(value) - 1] = '\0'; /* the log line has all of it */
    } else {
        r = ERR_NOT_FOUND;
    }
    if (r < 0)
        service_reply_error(l, ch, m, r);
    else
        ctl_reply_text(l, ch, m, value);
}

/* SETATTR: "ipv4=<addr>/<len> via <gw>" or "ipv4=dhcp"; only for an admin client. */
static void ctl_setattr(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    long r = access_setattr(c);
    if (r < 0) {
        service_reply_error(l, ch, m, r);
        return;
    }
    r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    if (r < 0) {
        service_reply_error(l, ch, m, r);
        return;
    }
    if (strcmp(name, "ipv4") != 0) {
        service_reply_error(l, ch, m,
                            strcmp(name, "mac") == 0 || strcmp(name, "stats") == 0 ? ERR_PERMISSION
                                                                                   : ERR_NOT_FOUND);
        return;
    }
    uint32_t ip = 0, mask = 0, gw = 0;
    if (strcmp(value, "dhcp") != 0 &&
        (addr_config_parse(value, &ip, &mask, &gw) < 0 || mask == 0 || ip == 0)) {
        service_reply_error(l, ch, m, ERR_INVALID_ARG);
        return;
    }
    r = eth_configure(ip, mask, gw);
    if (r < 0)
        service_reply_error(l, ch, m, r);
    else
        service_reply_status(l, ch, m, 0);
}

/* A request on a control channel. */
static void ctl_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    const struct access_client *c = ctx;
    service_drop_handles(l, m); /* no request here carries handles */
    if (!msg_is_call(m))
        return;
    switch (m->type) {
    case MSG_OPEN: ctl_open(l, ch, m, c); break;
    case MSG_GETATTR: ctl_getattr(l, ch, m); break;
    case MSG_SETATTR: ctl_setattr(l, ch, m, c); break;
    default: service_reply_error(l, ch, m, ERR_NOT_SUPPORTED); break;
    }
}

/* The client closed its control channel. */
static void ctl_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    loop_close(l, ch);
    access_close(ctx);
    stats_g.ctls--;
}

static const struct loop_channel_handlers ctl_handlers = {
    .on_message = ctl_on_message,
    .on_peer_closed = ctl_on_closed,
};

/* A new control channel, handed over by init with its client's grant; refused (a one-way ERROR,
 * then closed) past the client's or everyone's cap. */
void ctl_accept(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    long r = 0;
    struct access_client *c = access_open(service_grant(), &r);
    if (c)
        r = loop_add_channel(l, ch, &ctl_handlers, c);
    if (r < 0) {
        printf("tcpip: control channel of '%s' refused: %s\n", service_grant()->client, err_str(r));
        if (c)
            access_close(c);
        service_refuse(l, ch, r == ERR_NO_MEMORY ? ERR_NO_RESOURCES : r);
        return;
    }
    stats_g.ctls++;
}
