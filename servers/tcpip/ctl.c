/* ctl.c: control channels (service/tcpip): OPEN tcp-listen:/tcp-connect:/resolve:, GETATTR, SETATTR. */
#include "access.h"
#include "addr.h"
#include "ctl.h"
#include "dial.h"
#include "eth.h"
#include "listener.h"
#include "resolve.h"
#include "stats.h"

#include <warp/msg.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

/*
 * A control channel carries only its client's grant (access.h): listeners and connections opened
 * through it are channels of their own and outlive it; connects and lookups still pending when it
 * closes are abandoned. Requests (docs/network.md):
 *
 *   OPEN "tcp-listen:<addr>:<port>"   -> handles[0] = a listener channel; ERR_PERMISSION for a port
 *                                        not in the client's ports
 *   OPEN "tcp-connect:<addr>:<port>"  -> handles[0] = a connection channel once connected (dial.c)
 *   OPEN "resolve:<name>"             -> "198.18.0.9" (resolve.c)
 *   GETATTR "ipv4"                    -> "10.0.2.15/24 via 10.0.2.2", ERR_WOULD_BLOCK before DHCP binds
 *   GETATTR "mac"                     -> "52:54:00:12:34:56", ERR_WOULD_BLOCK before the driver answers
 *   GETATTR "dns"                     -> "10.0.2.3", ERR_WOULD_BLOCK while no DNS server is known
 *   GETATTR "stats"                   -> the stats line's fields (also logged)
 *   SETATTR "ipv4=<addr>/<len> via <gw>"  a static address instead of DHCP; "ipv4=dhcp" goes back
 *   SETATTR "dns=<addr>"              the DNS server (until DHCP's next lease names one)
 */

/* OPEN "tcp-listen:...": a listener, on one of the client's ports; the error to reply, or 0. */
static long ctl_listen(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c,
                       const char *uri)
{
    uint32_t ip;
    uint16_t port;
    handle_t h;
    if (addr_listen_uri_parse(uri, &ip, &port) < 0)
        return ERR_INVALID_ARG;
    long e = access_listen(c, port), slot = -1;
    if (e == 0)
        e = slot = access_listener_take(c);
    if (e >= 0)
        e = listener_open(l, ip, port, slot, &h);
    if (e < 0) {
        access_listener_put(slot);
        return e;
    }
    struct warp_msg reply;
    msg_reply_open(&reply, m->call_id, h);
    service_send(l, ch, &reply); /* if the client left, h is closed: its listener sees that and stops */
    return 0;
}

/* OPEN: a listener, an outbound connection or a name lookup, by the URI's prefix. */
static void ctl_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c)
{
    char uri[MSG_DATA_MAX + 1], name[TCPIP_NAME_MAX + 1];
    uint32_t ip;
    uint16_t port;
    long e = msg_get_uri(m, uri, sizeof(uri));
    if (e < 0)
        e = ERR_INVALID_ARG;
    else if (strncmp(uri, TCPIP_LISTEN_PREFIX, strlen(TCPIP_LISTEN_PREFIX)) == 0)
        e = ctl_listen(l, ch, m, c, uri);
    else if (addr_connect_uri_parse(uri, &ip, &port) == 0)
        e = dial_open(l, ch, m, c, ip, port);
    else if (addr_resolve_uri_parse(uri, name, sizeof(name)) >= 0)
        e = resolve_open(l, ch, m, c, name);
    else
        e = ERR_INVALID_ARG;
    if (e < 0)
        service_reply_error(l, ch, m, e);
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

/* GETATTR: ipv4, mac, dns, stats. */
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
    } else if (strcmp(name, "dns") == 0) {
        r = resolve_servers_format(value, sizeof(value));
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

/* SETATTR "dns=<addr>": the DNS server. */
static void ctl_set_dns(struct loop *l, handle_t ch, const struct warp_msg *m, const char *value)
{
    uint32_t ip;
    if (addr_ipv4_parse(value, &ip) < 0 || ip == 0 || ip >= ADDR_MULTICAST_FIRST) {
        service_reply_error(l, ch, m, ERR_INVALID_ARG);
        return;
    }
    resolve_set_server(ip);
    service_reply_status(l, ch, m, 0);
}

/* SETATTR: "ipv4=<addr>/<len> via <gw>", "ipv4=dhcp" or "dns=<addr>"; only for an admin client. */
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
    if (strcmp(name, "dns") == 0) {
        ctl_set_dns(l, ch, m, value);
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
    dial_cancel(ch);
    resolve_cancel(ch);
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
