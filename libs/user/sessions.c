/* sessions.c: per-client and total session counts of a server (warp/sessions.h); pure. */
#include <warp/error.h>
#include <warp/sessions.h>
#include <warp/string.h>

/* Empty counts with the given caps. */
void sessions_init(struct sessions *s, unsigned total_max, unsigned per_client_max)
{
    memset(s, 0, sizeof(*s));
    s->total_max = total_max;
    s->per_client_max = per_client_max;
}

/* The slot counting client, or -1. */
static long sessions_find(const struct sessions *s, const char *client)
{
    for (long i = 0; i < SESSIONS_CLIENTS_MAX; i++)
        if (s->clients[i].count && strncmp(s->clients[i].client, client, GRANT_NAME_MAX + 1) == 0)
            return i;
    return -1;
}

/* Counts one more session of client; its slot, or ERR_NO_RESOURCES at a cap. */
long sessions_take(struct sessions *s, const char *client)
{
    if (s->total >= s->total_max)
        return ERR_NO_RESOURCES;
    long i = sessions_find(s, client);
    if (i < 0) {
        for (i = 0; i < SESSIONS_CLIENTS_MAX && s->clients[i].count; i++)
            ;
        if (i == SESSIONS_CLIENTS_MAX)
            return ERR_NO_RESOURCES;
        size_t n = strnlen(client, GRANT_NAME_MAX);
        memcpy(s->clients[i].client, client, n);
        s->clients[i].client[n] = '\0';
    } else if (s->clients[i].count >= s->per_client_max) {
        return ERR_NO_RESOURCES;
    }
    s->clients[i].count++;
    s->total++;
    return i;
}

/* Counts one session of slot's client less. */
void sessions_put(struct sessions *s, long slot)
{
    if (slot < 0 || slot >= SESSIONS_CLIENTS_MAX || s->clients[slot].count == 0)
        return;
    s->clients[slot].count--;
    s->total--;
}

/* Sessions client holds now. */
unsigned sessions_of(const struct sessions *s, const char *client)
{
    long i = sessions_find(s, client);
    return i < 0 ? 0 : s->clients[i].count;
}
