/* admin.h: init's privileged requests on handle 1, for services whose manifest says admin = yes (admin.c). */
#pragma once

#include "state.h"

/* A SETATTR call from service s on its init channel (docs/userspace.md): "restart=<name>" kills
 * that service's process so that its restart policy starts it again. Answers ERR_PERMISSION for a
 * service without admin (before anything else is looked at), ERR_BAD_FORMAT, ERR_NOT_FOUND for
 * another attribute or a service that is not running, else status 0. */
void init_admin_setattr(struct init_service *s, const struct warp_msg *m);
