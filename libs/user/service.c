/* service.c: registering service/<name> with init and taking the clients init hands over (warp/service.h). */
#include <warp/grant.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/stdio.h>
#include <warp/string.h>
#include <warp/syscall.h>

#define SERVICE_URI_PREFIX "service/"
#define SERVICE_LISTEN_PREFIX "listen:"

/* This process's one registration. */
static struct {
    char uri[sizeof(SERVICE_URI_PREFIX) + SERVICE_NAME_MAX]; /* "service/<name>"; "" before the start */
    service_connect_fn on_connect;
    void *ctx;
    struct grant next;    /* the last grant notice, for the next client; client "" if none came */
    struct grant current; /* the grant of the client being (or last) handed over */
    handle_t handing;     /* during on_connect: the channel being handed over, else 0 */
    long refused;         /* during on_connect: the error service_refuse gave it, else 0 */
    bool registered;      /* init answered the registration */
} service;

/* The grant of the client being handed over (warp/service.h). */
const struct grant *service_grant(void)
{
    return &service.current;
}

/* The name log lines start with: the service's, or "service" before it has one. */
static const char *service_name(void)
{
    return service.uri[0] ? service.uri + strlen(SERVICE_URI_PREFIX) : "service";
}

/* Sends m; logs a failure other than ERR_PEER_CLOSED and closes the handles m would have moved. */
long service_send(struct loop *l, handle_t ch, const struct warp_msg *m)
{
    long r = loop_send(l, ch, m);
    if (r < 0 && r != ERR_PEER_CLOSED)
        printf("%s: send on channel %ld failed: %s\n", service_name(), ch, err_str(r));
    if (r < 0)
        loop_close_handles(l, m, 0); /* a refused send leaves them with us */
    return r;
}

/* ERROR(err) to call. */
long service_reply_error(struct loop *l, handle_t ch, const struct warp_msg *call, long err)
{
    struct warp_msg r;
    msg_reply_error(&r, call->call_id, err);
    return service_send(l, ch, &r);
}

/* A reply of call's own type with status. */
long service_reply_status(struct loop *l, handle_t ch, const struct warp_msg *call, int64_t status)
{
    struct warp_msg r;
    msg_reply(&r, call->type, call->call_id, status);
    return service_send(l, ch, &r);
}

/* Refuses a session init handed over: a one-way MSG_ERROR(err), then the channel closed; during
 * on_connect, init's hand-over call is answered with err as well (service_on_init_message). */
void service_refuse(struct loop *l, handle_t ch, long err)
{
    struct warp_msg m;
    msg_reply_error(&m, 0, err);
    if (ch == service.handing && ch)
        service.refused = m.status; /* msg_reply_error made it negative */
    m.flags = 0;                    /* one-way: the client has no call to answer yet */
    loop_send(l, ch, &m);
    loop_close(l, ch);
}

/* Closes every handle m brought. */
void service_drop_handles(struct loop *l, const struct warp_msg *m)
{
    loop_close_handles(l, m, 0);
}

/*
 * On handle 1: init's grant notice names the next client; its OPEN of our name brings that client's
 * channel, with the grant taken (a client without a notice gets an empty grant: nothing allowed).
 * init sends that OPEN as a call and holds the client's OPEN until our answer: status 0 once
 * on_connect has taken the channel, or ERROR(err) if on_connect refused it with service_refuse, which
 * init passes on to the client. (A one-way OPEN is taken the same way, unanswered.) Anything else is
 * refused.
 */
static void service_on_init_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    if (m->type == GRANT_MSG && !msg_is_call(m) && m->nhandles == 0) {
        if (grant_parse(m, &service.next) < 0)
            printf("%s: malformed grant notice from init\n", service_name());
        return;
    }
    char uri[MSG_DATA_MAX + 1];
    bool open = m->type == MSG_OPEN && m->nhandles >= 1 && msg_get_uri(m, uri, sizeof(uri)) >= 0 &&
                strcmp(uri, service.uri) == 0;
    loop_close_handles(l, m, open ? 1 : 0);
    if (open) {
        service.current = service.next;
        memset(&service.next, 0, sizeof(service.next));
        service.handing = m->handles[0];
        service.refused = 0;
        service.on_connect(l, m->handles[0], service.ctx);
        service.handing = 0;
        if (msg_is_call(m) && service.refused)
            service_reply_error(l, ch, m, service.refused);
        else if (msg_is_call(m))
            service_reply_status(l, ch, m, 0);
    } else if (msg_is_call(m))
        service_reply_error(l, ch, m, ERR_NOT_SUPPORTED);
}

/* init closed handle 1: no client can reach us any more, and nobody would restart us. */
static void service_on_init_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    (void)ctx;
    printf("%s: init closed its channel\n", service_name());
    warp_exit(1);
}

static const struct loop_channel_handlers service_init_handlers = {
    .on_message = service_on_init_message,
    .on_peer_closed = service_on_init_closed,
};

/* init's answer to the registration: from now on clients come, or we give up. */
static void service_on_registered(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)ch;
    (void)ctx;
    loop_close_handles(l, reply, 0);
    long r = msg_result(reply, MSG_OPEN);
    if (r < 0) {
        printf("%s: cannot register %s: %s\n", service_name(), service.uri, err_str(r));
        warp_exit(1);
    }
    service.registered = true;
}

/* Takes handle 1 out of the loop for a synchronous call; see service.h. */
long service_init_pause(struct loop *l)
{
    return service.registered ? loop_remove(l, SERVICE_INIT_CH) : ERR_WOULD_BLOCK;
}

/* Puts handle 1 back into the loop after service_init_pause. */
long service_init_resume(struct loop *l)
{
    return loop_add_channel(l, SERVICE_INIT_CH, &service_init_handlers, NULL);
}

/* Registers service/<name> on handle 1 through l; clients go to on_connect once init has them. */
long service_start(struct loop *l, const char *name, service_connect_fn on_connect, void *ctx)
{
    size_t n = strnlen(name, SERVICE_NAME_MAX + 1);
    if (n == 0 || n > SERVICE_NAME_MAX || !on_connect)
        return ERR_INVALID_ARG;
    char uri[sizeof(service.uri)], listen[sizeof(SERVICE_LISTEN_PREFIX) + sizeof(uri)];
    fmt_snprintf(uri, sizeof(uri), SERVICE_URI_PREFIX "%s", name);
    fmt_snprintf(listen, sizeof(listen), SERVICE_LISTEN_PREFIX "%s", uri);
    struct warp_msg m;
    long r = msg_open(&m, listen);
    if (r == 0)
        r = loop_add_channel(l, SERVICE_INIT_CH, &service_init_handlers, NULL);
    if (r < 0)
        return r;
    r = loop_call(l, SERVICE_INIT_CH, &m, service_on_registered, NULL);
    if (r < 0) {
        loop_remove(l, SERVICE_INIT_CH);
        return r;
    }
    memcpy(service.uri, uri, sizeof(uri)); /* the reply and the clients come later, through l */
    service.registered = false;
    service.on_connect = on_connect;
    service.ctx = ctx;
    return 0;
}
