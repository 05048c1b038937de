/* service.h: being a service: registering with init, taking the clients it hands over, replying. */
#pragma once

#include <warp/grant.h>
#include <warp/loop.h>

/*
 * Every process init starts holds its channel to init as handle 1 (docs/userspace.md). A server
 * registers its name there and init then hands it one channel per client that OPENs
 * "service/<name>". service_start does both on the server's loop:
 *
 *   service_start(l, "echo", on_connect, ctx)
 *     -> call OPEN "listen:service/echo" on handle 1     (init refuses: log, exit(1); init restarts us)
 *   init: one-way GRANT_MSG "client=ping admin=no ports=" (warp/grant.h): who comes next
 *   init: call OPEN "service/echo", handles[0] = a client's channel
 *     -> on_connect(l, ch, ctx)                          (ch is the server's: add it to l, or refuse it
 *                                                         with service_refuse; service_grant() says who
 *                                                         the client is)
 *     -> reply OPEN status 0, or ERROR(err) if on_connect refused ch with err (init hands the client
 *        its end, or passes err on to the client's OPEN)
 *   anything else on handle 1                            -> its handles closed; a call gets ERR_NOT_SUPPORTED
 *   init closes handle 1                                 -> log, exit(1): no client could reach us again
 *
 * A process registers once (init accepts only service/<its manifest name>). The registration's
 * reply comes through the loop, so everything the server sets up before loop_run exists before
 * its first client arrives. The other functions send through the loop (struct loop_ops), so host
 * tests run all of it over a fake kernel.
 */

#define SERVICE_INIT_CH 1   /* the channel to init, in every process init starts */
#define SERVICE_NAME_MAX 31 /* init's limit on a service's name */

/* A client's channel, handed over by init; the callee owns ch from now on. */
typedef void (*service_connect_fn)(struct loop *l, handle_t ch, void *ctx);

/* Registers service/<name> with init on handle 1, served from l. Returns 0, ERR_INVALID_ARG for a
 * name of 0 or more than SERVICE_NAME_MAX characters, ERR_BAD_FORMAT for one with a blank or an
 * unprintable byte, or the error of adding handle 1 to l or of sending. */
long service_start(struct loop *l, const char *name, service_connect_fn on_connect, void *ctx);

/* The grant of the client whose channel on_connect is being given (valid during on_connect; copy
 * what the session needs). A client init sent no notice for has client "" and nothing allowed. */
const struct grant *service_grant(void);

/* Sends m on ch. A failure other than ERR_PEER_CLOSED (the client left: its business) is logged;
 * on any failure the handles m would have moved are closed. Returns the send's result. */
long service_send(struct loop *l, handle_t ch, const struct warp_msg *m);
/* Replies ERROR(err) to call (received on ch) through service_send. */
long service_reply_error(struct loop *l, handle_t ch, const struct warp_msg *call, long err);
/* Replies to call with its own type and status, through service_send. */
long service_reply_status(struct loop *l, handle_t ch, const struct warp_msg *call, int64_t status);
/* Refuses a session init handed over (a client past a cap, warp/sessions.h): sends a one-way
 * MSG_ERROR whose status is err on ch, then closes ch. Called from on_connect, it also makes init's
 * hand-over answered with err, which init passes to the client's OPEN (the client never gets ch).
 * Called later, the client reads that message, then sees EV_PEER_CLOSED; its calls on ch complete
 * with ERR_PEER_CLOSED. */
void service_refuse(struct loop *l, handle_t ch, long err);
/*
 * A synchronous call on handle 1 (ipc_call_sync: an OPEN of another service made from inside a
 * handler, as the fs server does when its disk driver restarted) needs handle 1 out of the loop:
 * service_init_pause takes it out, service_init_resume puts it back. Meanwhile ipc_call_sync drops
 * what init sends: a client handed over then is answered ERR_WOULD_BLOCK (init passes that to the
 * client's OPEN). Pause returns 0, ERR_WOULD_BLOCK before init answered the registration (its reply
 * must reach the loop), or loop_remove's error; resume returns loop_add_channel's.
 */
long service_init_pause(struct loop *l);
long service_init_resume(struct loop *l);
/* Closes every handle m brought (for a handler that keeps none). */
void service_drop_handles(struct loop *l, const struct warp_msg *m);
