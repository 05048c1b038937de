/* resolve.c: host names to IPv4 addresses: OPEN "resolve:<name>" through lwIP's DNS client. */
#include "resolve.h"
#include "addr.h"
#include "stats.h"

#include <warp/clock.h>
#include <warp/msg.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lwip/dns.h"

/*
 * lwIP's DNS client asks the servers DHCP named (option 6) or an admin set (SETATTR "dns=..."),
 * from a random source port with a random id (LWIP_DNS_SECURE), and calls back once: with the
 * address, or with NULL for a negative answer (NXDOMAIN, no A record) or after its retries ran out.
 * Its request cannot be withdrawn, so a lookup is a slot of resolve_table whose generation goes into
 * the callback's argument: an answer for a slot since freed (its client gone, its deadline passed)
 * or reused finds another generation and is dropped.
 *
 * Timeout and "not found" both arrive as NULL; they are told apart by time. lwIP asks one server
 * for 1+1+2+3 = 7 s (DNS_MAX_RETRIES 4) before it gives up or moves to the second; RESOLVE_TIMEOUT_MS
 * is shorter, so a NULL that comes before our deadline is always a server's negative answer.
 */
#define RESOLVE_TIMEOUT_MS 5000
#define RESOLVE_MAX DNS_MAX_REQUESTS /* lookups pending at once: lwIP's own table has as many */

struct lookup {
    struct loop *loop; /* tcpip's one loop */
    handle_t ctl;      /* the control channel the OPEN came on; 0: the slot is free */
    uint64_t call_id;  /* the OPEN */
    long slot;         /* its client's count of lookups (access.h) */
    uint32_t gen;      /* bumped whenever the slot is taken */
    struct loop_timeout deadline;
};

static struct lookup resolve_table[RESOLVE_MAX];

/* The callback argument naming slot i at its current generation. */
static void *resolve_token(unsigned i)
{
    return (void *)(uintptr_t)((uintptr_t)resolve_table[i].gen * RESOLVE_MAX + i);
}

/* The lookup a callback argument names, or NULL if it has ended since. */
static struct lookup *resolve_of(void *token)
{
    uintptr_t t = (uintptr_t)token;
    struct lookup *q = &resolve_table[t % RESOLVE_MAX];
    return q->ctl && (uint32_t)(t / RESOLVE_MAX) == q->gen ? q : NULL;
}

/* Frees q: its deadline cancelled, its count given back; a late answer finds it gone. */
static void resolve_free(struct lookup *q)
{
    loop_timeout_cancel(q->loop, &q->deadline);
    access_lookup_put(q->slot);
    q->ctl = 0;
    stats_g.lookups--;
}

/* Answers q's OPEN: the address as text, or err; then frees q. */
static void resolve_reply(struct lookup *q, uint32_t ip, long err)
{
    char text[ADDR_IPV4_TEXT_MAX];
    struct warp_msg r;
    if (err == 0) {
        addr_ipv4_format(ip, text, sizeof(text));
        msg_reply_text(&r, MSG_OPEN, q->call_id, text);
    } else {
        msg_reply_error(&r, q->call_id, err);
    }
    service_send(q->loop, q->ctl, &r);
    resolve_free(q);
}

/* lwIP's answer: addr, or NULL for "no such name" (see above). */
static void resolve_found(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)name;
    struct lookup *q = resolve_of(arg);
    if (!q)
        return;
    if (addr && IP_IS_V4(addr))
        resolve_reply(q, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), 0);
    else
        resolve_reply(q, 0, ERR_NOT_FOUND);
}

/* No answer within RESOLVE_TIMEOUT_MS. */
static void resolve_on_timeout(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    resolve_reply(ctx, 0, ERR_TIMED_OUT);
}

/* Replies to the OPEN m with ip's dotted quad at once. */
static void resolve_reply_now(struct loop *l, handle_t ch, const struct warp_msg *m, uint32_t ip)
{
    char text[ADDR_IPV4_TEXT_MAX];
    struct warp_msg r;
    addr_ipv4_format(ip, text, sizeof(text));
    msg_reply_text(&r, MSG_OPEN, m->call_id, text);
    service_send(l, ch, &r);
}

/* A free slot of resolve_table, or NULL. */
static struct lookup *resolve_slot(void)
{
    for (unsigned i = 0; i < RESOLVE_MAX; i++)
        if (!resolve_table[i].ctl)
            return &resolve_table[i];
    return NULL;
}

/* True if lwIP knows a DNS server. */
static bool resolve_have_server(void)
{
    for (u8_t i = 0; i < DNS_MAX_SERVERS; i++)
        if (!ip_addr_isany(dns_getserver(i)))
            return true;
    return false;
}

/* Hands name to lwIP for slot q; 0 (pending or answered) or the error to reply. */
static long resolve_ask(struct lookup *q, const char *name)
{
    ip_addr_t addr;
    unsigned i = (unsigned)(q - resolve_table);
    err_t e = dns_gethostbyname(name, &addr, resolve_found, resolve_token(i));
    if (e == ERR_OK)
        resolve_reply(q, lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&addr))), 0); /* cached */
    else if (e != ERR_INPROGRESS)
        return e == ERR_ARG ? ERR_INVALID_ARG : ERR_NO_RESOURCES; /* ERR_MEM: lwIP's table full */
    return 0;
}

/* Looks name up for the OPEN m (resolve.h). */
long resolve_open(struct loop *l, handle_t ch, const struct warp_msg *m, const struct access_client *c,
                  const char *name)
{
    uint32_t ip;
    long err = access_connect(c);
    if (err < 0)
        return err;
    if (addr_ipv4_parse(name, &ip) == 0) {
        resolve_reply_now(l, ch, m, ip);
        return 0;
    }
    if (!resolve_have_server())
        return ERR_WOULD_BLOCK;
    struct lookup *q = resolve_slot();
    long slot = q ? access_lookup_take(c) : ERR_NO_RESOURCES;
    if (slot < 0)
        return slot;
    q->loop = l;
    q->ctl = ch;
    q->call_id = m->call_id;
    q->slot = slot;
    q->gen++;
    loop_timeout_init(&q->deadline, resolve_on_timeout, q);
    loop_timeout_after(l, &q->deadline, RESOLVE_TIMEOUT_MS * CLOCK_NS_PER_MS);
    stats_g.lookups++;
    err = resolve_ask(q, name);
    if (err < 0)
        resolve_free(q);
    return err;
}

/* Forgets the pending lookups of control channel ch. */
void resolve_cancel(handle_t ch)
{
    for (unsigned i = 0; i < RESOLVE_MAX; i++)
        if (resolve_table[i].ctl == ch)
            resolve_free(&resolve_table[i]);
}

/* The DNS servers as text (resolve.h). */
int resolve_servers_format(char *buf, size_t size)
{
    int n = 0;
    for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
        const ip_addr_t *s = dns_getserver(i);
        if (ip_addr_isany(s))
            continue;
        char text[ADDR_IPV4_TEXT_MAX];
        addr_ipv4_format(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(s))), text, sizeof(text));
        n += fmt_snprintf(buf + n, size - (size_t)n, "%s%s", n ? " " : "", text);
        if ((size_t)n >= size)
            return ERR_TOO_LARGE;
    }
    return n ? n : ERR_WOULD_BLOCK;
}

/* Uses server ip alone (resolve.h). */
void resolve_set_server(uint32_t ip)
{
    ip_addr_t addr;
    ip_addr_set_ip4_u32_val(addr, lwip_htonl(ip));
    dns_setserver(0, &addr);
    for (u8_t i = 1; i < DNS_MAX_SERVERS; i++)
        dns_setserver(i, IP_ADDR_ANY);
}
