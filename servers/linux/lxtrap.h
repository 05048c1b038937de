/* lxtrap.h: the handlers of a supervision channel (its ctx: the struct lxproc). */
#pragma once

#include <warp/loop.h>

extern const struct loop_channel_handlers lxtrap_handlers;
