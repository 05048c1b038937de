/* names.c: init's name service: a server registers service/<name>; a client OPENs it, gets a channel. */
#include "admin.h"
#include "names.h"
#include "state.h"

#include <warp/grant.h>
#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

/* True if s starts with prefix. */
static bool init_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The service named name, or NULL. */
static struct init_service *init_find(const char *name)
{
    for (unsigned i = 0; i < init_g.manifest.count; i++)
        if (strcmp(init_g.services[i].cfg->name, name) == 0)
            return &init_g.services[i];
    return NULL;
}

/* Sends a reply on ch; a client that has gone is no error of ours. */
static void init_reply(handle_t ch, const struct warp_msg *m)
{
    long r = warp_channel_send(ch, m);
    if (r < 0 && r != ERR_PEER_CLOSED)
        printf("init: reply on channel %ld failed: %s\n", ch, err_str(r));
}

/* Answers call_id on ch with ERROR(err). */
static void init_reply_error(handle_t ch, uint64_t call_id, long err)
{
    struct warp_msg m;
    msg_reply_error(&m, call_id, err);
    init_reply(ch, &m);
}

/* Answers op's client with ERROR(err) (if it is still there) and forgets op. */
static void init_answer_error(struct init_open *op, long err)
{
    if (op->ch)
        init_reply_error(op->ch, op->call_id, err);
    opens_drop(op);
}

/* The service whose OPENs op is one of; NULL if none (cannot happen). */
static struct init_service *init_owner(const struct init_open *op)
{
    for (unsigned i = 0; i < init_g.manifest.count; i++)
        if (opens_holds(&init_g.services[i].opens, op))
            return &init_g.services[i];
    return NULL;
}

/* A HANDED OPEN goes back to WAITING (its server went): the client's end is closed; the service's
 * next server gets a new connection for it. */
static void init_repark(struct init_open *op)
{
    warp_handle_close(op->client_end);
    op->client_end = 0;
    op->state = INIT_OPEN_WAITING;
}

/* Sends s the grant notice of client c (warp/grant.h): who comes next and what it may do. */
static long init_send_grant(struct init_service *s, const struct manifest_service *c)
{
    struct grant g;
    memset(&g, 0, sizeof(g));
    memcpy(g.client, c->name, sizeof(g.client));
    g.admin = c->access.admin;
    g.connect = c->access.connect;
    g.nports = c->access.nports;
    memcpy(g.ports, c->access.ports, c->access.nports * sizeof(g.ports[0]));
    struct warp_msg m;
    long r = grant_msg(&m, &g);
    return r < 0 ? r : warp_channel_send(s->ch, &m);
}

/*
 * The server's answer to a connection init handed it (loop_call on its init channel): it took the
 * connection, so the client gets its end; or it refused (its session caps: ERR_NO_RESOURCES), so
 * the client gets that error; or it went (ERR_PEER_CLOSED from the loop) before it answered, so
 * the OPEN waits for its successor.
 */
static void init_on_taken(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    struct init_open *op = ctx;
    struct init_service *s = init_owner(op);
    (void)ch;
    loop_close_handles(l, reply, 0);
    if (!s || op->state != INIT_OPEN_HANDED)
        return;
    long r = msg_result(reply, MSG_OPEN);
    if (r == ERR_PEER_CLOSED) {
        s->registered = false;
        init_repark(op);
        return;
    }
    if (r < 0) {
        warp_handle_close(op->client_end);
        init_answer_error(op, r);
        return;
    }
    struct warp_msg m;
    msg_reply_open(&m, op->call_id, op->client_end);
    if (!op->ch || warp_channel_send(op->ch, &m) < 0)
        warp_handle_close(op->client_end); /* the client went away; the server will see its peer close */
    opens_drop(op);
}

/*
 * Hands the OPEN op to registered server s: a new channel pair, op's client's grant notice and
 * then one end in an OPEN call on s's init channel; the client's end waits in op for the server's
 * answer (init_on_taken). (A notice whose OPEN then fails is harmless: the next notice replaces it.)
 */
static void init_connect(struct init_service *s, struct init_open *op)
{
    handle_t pair[2];
    long r = warp_channel_create(pair);
    if (r < 0) {
        init_answer_error(op, r);
        return;
    }
    struct warp_msg m;
    msg_init(&m, MSG_OPEN, 0);
    char uri[MSG_DATA_MAX + 1];
    int n = fmt_snprintf(uri, sizeof(uri), INIT_SERVICE_PREFIX "%s", s->cfg->name);
    msg_set_data(&m, uri, (size_t)n);
    msg_add_handle(&m, pair[0]);
    r = init_send_grant(s, op->client);
    if (r == 0)
        r = loop_call(&init_g.loop, s->ch, &m, init_on_taken, op);
    if (r < 0) {
        /* A failed send moves nothing: both ends are still ours. */
        warp_handle_close(pair[0]);
        warp_handle_close(pair[1]);
        if (r == ERR_PEER_CLOSED) {
            s->registered = false; /* the server is gone, its exit not yet reported: op waits */
        } else {
            printf("init: cannot pass a connection to %s: %s\n", s->cfg->name, err_str(r));
            init_answer_error(op, r);
        }
        return;
    }
    op->state = INIT_OPEN_HANDED;
    op->client_end = pair[1];
}

/*
 * OPEN "service/<name>" from client c. Its manifest's uses decides first, before the name is looked
 * up, so a refusal (ERR_PERMISSION) says nothing about which services exist.
 */
static void init_open(struct init_service *c, const char *uri, uint64_t call_id)
{
    struct init_service *s = NULL;
    if (init_has_prefix(uri, INIT_SERVICE_PREFIX)) {
        const char *name = uri + strlen(INIT_SERVICE_PREFIX);
        if (!manifest_access_may_open(&c->cfg->access, name)) {
            printf("init: %s may not open %s (not in its uses)\n", c->cfg->name, uri);
            init_reply_error(c->ch, call_id, ERR_PERMISSION);
            return;
        }
        s = init_find(name);
    }
    if (!s || s->state == INIT_DONE) {
        init_reply_error(c->ch, call_id, ERR_NOT_FOUND);
        return;
    }
    /* Held until the server registers and takes the connection; capped per client (opens.h). */
    struct init_open *op = opens_add(&s->opens, c->cfg, c->ch, call_id);
    if (!op)
        init_reply_error(c->ch, call_id, ERR_NO_RESOURCES);
    else if (s->registered)
        init_connect(s, op);
}

/* OPEN "listen:service/<name>" from s: registers s as the server of its own name. */
static void init_register(struct init_service *s, const char *name, uint64_t call_id)
{
    if (!init_has_prefix(name, INIT_SERVICE_PREFIX) ||
        strcmp(name + strlen(INIT_SERVICE_PREFIX), s->cfg->name) != 0) {
        init_reply_error(s->ch, call_id, ERR_PERMISSION);
        return;
    }
    if (s->registered) {
        init_reply_error(s->ch, call_id, ERR_ALREADY_EXISTS);
        return;
    }
    struct warp_msg m;
    msg_reply(&m, MSG_OPEN, call_id, 0);
    if (warp_channel_send(s->ch, &m) < 0)
        return;
    s->registered = true;
    printf("init: %s registered %s\n", s->cfg->name, name);
    /* Each pass hands op over, answers it, or finds the server gone (registered false again). */
    struct init_open *op;
    while (s->registered && (op = opens_oldest_waiting(&s->opens)) != NULL)
        init_connect(s, op);
}

/* A message on s's init channel: OPEN calls are served, other calls refused, the rest dropped. */
static void init_on_request(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    struct init_service *s = ctx;
    loop_close_handles(l, m, 0); /* init takes no handles */
    if (!msg_is_call(m))
        return;
    if (m->type == MSG_SETATTR) {
        init_admin_setattr(s, m); /* privileged requests (admin.c) */
        return;
    }
    if (m->type != MSG_OPEN) {
        init_reply_error(ch, m->call_id, ERR_NOT_SUPPORTED);
        return;
    }
    char uri[MSG_DATA_MAX + 1];
    int r = msg_get_uri(m, uri, sizeof(uri));
    if (r < 0)
        init_reply_error(ch, m->call_id, r);
    else if (init_has_prefix(uri, INIT_LISTEN_PREFIX))
        init_register(s, uri + strlen(INIT_LISTEN_PREFIX), m->call_id);
    else
        init_open(s, uri, m->call_id);
}

/* The service closed its init channel (or died): it is no longer anyone's server or client. */
static void init_on_channel_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)l;
    (void)ch;
    init_disconnect(ctx);
}

const struct loop_channel_handlers init_channel_handlers = {
    .on_message = init_on_request,
    .on_reply = NULL,
    .on_peer_closed = init_on_channel_closed,
};

/* Forgets the OPENs client channel ch has waiting anywhere (it is being closed). */
static void init_forget_client(handle_t ch)
{
    for (unsigned i = 0; i < init_g.manifest.count; i++)
        opens_forget_client(&init_g.services[i].opens, ch);
}

/* Closes s's init channel; idempotent. Connections handed to s that it has not taken yet wait for
 * its successor (closing the channel drops their calls without an answer). */
void init_disconnect(struct init_service *s)
{
    if (s->registered)
        printf("init: %s is no longer registered\n", s->cfg->name);
    s->registered = false;
    if (s->ch == 0)
        return;
    init_forget_client(s->ch);
    struct init_open *op;
    for (unsigned i = 0; (op = opens_next(&s->opens, INIT_OPEN_HANDED, &i)) != NULL;)
        init_repark(op);
    loop_close(&init_g.loop, s->ch);
    s->ch = 0;
}

/* Fails every OPEN held for s. */
void init_fail_pending(struct init_service *s, long err)
{
    struct init_open *op;
    for (unsigned i = 0; (op = opens_next(&s->opens, INIT_OPEN_WAITING, &i)) != NULL;)
        init_answer_error(op, err);
    for (unsigned i = 0; (op = opens_next(&s->opens, INIT_OPEN_HANDED, &i)) != NULL;) {
        warp_handle_close(op->client_end);
        init_answer_error(op, err);
    }
}
