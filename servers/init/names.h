/* names.h: init's name service (names.c): the requests on each service's init channel. */
#pragma once

#include "state.h"

/* The handlers of a service's init channel (ctx: its struct init_service). */
extern const struct loop_channel_handlers init_channel_handlers;
/* Closes s's init channel and drops its registration and the OPENs it was waiting for. */
void init_disconnect(struct init_service *s);
/* Answers err to every OPEN init holds for s (it ended for good). */
void init_fail_pending(struct init_service *s, long err);
