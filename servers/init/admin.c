/* admin.c: init's privileged requests: restarting a service on an admin service's behalf. */
#include "admin.h"

#include <warp/msg.h>
#include <warp/string.h>
#include <warp/user.h>

/* Answers call m on s's init channel with status (an ERROR for a negative one). */
static void init_admin_reply(struct init_service *s, const struct warp_msg *m, long status)
{
    struct warp_msg r;
    if (status < 0)
        msg_reply_error(&r, m->call_id, status);
    else
        msg_reply(&r, MSG_SETATTR, m->call_id, status);
    long e = warp_channel_send(s->ch, &r);
    if (e < 0 && e != ERR_PEER_CLOSED)
        printf("init: reply to %s failed: %s\n", s->cfg->name, err_str(e));
}

/* The running service named name, or NULL. */
static struct init_service *init_admin_find(const char *name)
{
    for (unsigned i = 0; i < init_g.manifest.count; i++)
        if (strcmp(init_g.services[i].cfg->name, name) == 0)
            return init_g.services[i].state == INIT_RUNNING && init_g.services[i].proc ? &init_g.services[i]
                                                                                       : NULL;
    return NULL;
}

/* SETATTR "restart=<name>" from s (admin.h). */
void init_admin_setattr(struct init_service *s, const struct warp_msg *m)
{
    char name[MSG_DATA_MAX + 1], value[MSG_DATA_MAX + 1];
    if (!s->cfg->access.admin) {
        printf("init: %s may not use SETATTR on init (admin = no)\n", s->cfg->name);
        init_admin_reply(s, m, ERR_PERMISSION);
        return;
    }
    long r = msg_get_setattr(m, name, sizeof(name), value, sizeof(value));
    struct init_service *target = NULL;
    if (r >= 0 && strcmp(name, "restart") != 0)
        r = ERR_NOT_FOUND;
    if (r >= 0 && (target = init_admin_find(value)) == NULL)
        r = ERR_NOT_FOUND;
    if (r >= 0) {
        printf("init: %s asked to restart %s\n", s->cfg->name, target->cfg->name);
        r = warp_kill(target->proc); /* its exit comes as an event; the restart policy does the rest */
    }
    init_admin_reply(s, m, r < 0 ? r : 0);
}
