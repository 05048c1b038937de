/* eth.c: the lwIP interface over service/ethernet (virtio_net: READ a frame, WRITE frames, GETATTR "mac"). */
#include "addr.h"
#include "conn.h"
#include "dhcpopt.h"
#include "eth.h"
#include "stats.h"

#include <warp/msg.h>
#include <warp/proto/ethernet.h>
#include <warp/service.h>
#include <warp/string.h>
#include <warp/user.h>

#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "netif/ethernet.h"

/*
 * The link's life:
 *
 *   CLOSED --OPEN service/ethernet via init--> OPENING --reply--> GETATTR "mac" --reply--> UP
 *      ^                                                                                   |
 *      +------------------- the driver closes its end (crash, restart) --------------------+
 *
 * init holds our OPEN until the driver registers, so starting before it is fine; an OPEN that fails
 * (no driver in the manifest, init's queue full) is retried every ETH_RETRY_NS. While UP, ETH_RX_SLOTS
 * READ calls stay pending, each into the payloads of ETH_RX_BUFS pool pbufs, so a received frame is
 * in lwIP's memory without a copy of ours, and frames that arrive together come in one reply. Sending puts each frame into one of ETH_TX_FRAMES slots, in order
 * (by reference where it can: eth_tx_hold); once the event that made them has been handled (a
 * zero-delay timeout: lwIP sends a window's worth of segments for one ACK), they go in WRITE calls of
 * up to ETHERNET_WRITE_FRAMES frames, one per buffer, while fewer than ETH_TX_SLOTS calls are in
 * flight; the slots are free again when the driver replies. Frames wait in them while the driver is
 * busy (a burst of SYN-ACKs for wrk's thousand connections): refusing one would lose a SYN-ACK, an
 * ACK or a RST outright, and cost the peer a retransmission timeout. Only when all are taken does
 * linkoutput say ERR_MEM (counted: txfull).
 */

#define ETH_FRAME_MAX 1536 /* = PBUF_POOL_BUFSIZE: an Ethernet frame with a VLAN tag, rounded */
#define ETH_MTU_DEFAULT 1500
#define ETH_RX_SLOTS 8 /* READ calls kept pending: a burst of frames needs no round trip each */
_Static_assert(ETH_RX_SLOTS <= ETHERNET_READS_MAX, "the driver lets a session have that many READs");
#define ETH_RX_BUFS ETHERNET_READ_FRAMES /* frames (pool pbufs) per READ */
#define ETH_TX_SLOTS 40                  /* WRITE calls in flight; with the READs within CALLS_MAX (64) */
#define ETH_TX_FRAMES 256                /* frames sent or waiting to be (384 KiB) */
#define ETH_TX_CALL_SHIFT 8              /* a WRITE's reply context: first frame << this | frames */
_Static_assert(ETHERNET_WRITE_FRAMES < (1 << ETH_TX_CALL_SHIFT), "a WRITE's frame count fits its context");
#define ETH_RETRY_NS 1000000000ull  /* between failed OPEN attempts */
#define ETH_RX_RETRY_NS 10000000ull /* after the pbuf pool ran dry or a READ failed */

enum eth_state {
    ETH_CLOSED = 0, /* no channel; eth.retry will OPEN */
    ETH_OPENING,    /* OPEN call pending at init */
    ETH_MAC,        /* channel open, GETATTR "mac" pending */
    ETH_UP,         /* frames flow */
};

struct eth_rx_slot {
    bool pending;                /* its READ is at the driver */
    struct pbuf *p[ETH_RX_BUFS]; /* the READ's buffers; those no frame filled stay for the next */
};

struct eth_tx_slot {
    bool busy;         /* holds a frame: waiting for, or in, a WRITE */
    uint16_t len;      /* the frame's bytes */
    struct pbuf *p;    /* the frame's pbuf, referenced (pbuf_ref) until the WRITE is answered; NULL
                        * when the frame was copied into frame[] */
    const void *bytes; /* where the frame is: p's payload or frame[] */
    uint8_t frame[ETH_FRAME_MAX];
};

static struct {
    struct loop *loop; /* tcpip's one loop */
    enum eth_state state;
    handle_t ch; /* our end of service/ethernet, 0 when CLOSED or OPENING */
    struct netif netif;
    bool netif_added;
    bool static_config; /* SETATTR "ipv4" replaced DHCP */
    bool had_address;   /* to log "no address" only when one was lost */
    uint8_t mac[6];
    char mac_text[ADDR_MAC_TEXT_MAX];
    long last_open_error;      /* to log each kind of failure once, not every second */
    uint16_t dhcp_mtu;         /* option 26 of the latest DHCP ACK (clamped), 0 if none */
    struct loop_timeout retry; /* OPEN again, or post READs again */
    struct loop_timeout flush; /* armed while frames wait to go into WRITEs */
    struct eth_rx_slot rx[ETH_RX_SLOTS];
    struct eth_tx_slot tx[ETH_TX_FRAMES];
    unsigned tx_next;     /* the next slot to fill: slots are used in ring order */
    unsigned tx_unsent;   /* the oldest busy slot not yet in a WRITE */
    unsigned tx_busy;     /* busy slots */
    unsigned tx_sending;  /* busy slots in a pending WRITE */
    unsigned tx_inflight; /* WRITEs pending */
    bool tx_blocked;      /* a frame was refused for want of a slot: kick TCP when one frees */
} eth;

static void eth_open(void);
static void eth_post_reads(void);

/* The MAC as text ("" until the driver told it). */
const char *eth_mac_text(void)
{
    return eth.mac_text;
}

/* The retry timeout: OPEN again when closed, otherwise post the READs that could not be posted. */
static void eth_on_retry(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    if (eth.state == ETH_CLOSED)
        eth_open();
    else if (eth.state == ETH_UP)
        eth_post_reads();
}

static void eth_on_written(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx);

/* Frees n slots from first on: their WRITE was answered, or could not be sent. */
static void eth_tx_release(unsigned first, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct eth_tx_slot *slot = &eth.tx[(first + i) % ETH_TX_FRAMES];
        if (slot->p)
            pbuf_free(slot->p);
        slot->p = NULL;
        slot->busy = false;
    }
    eth.tx_busy -= n;
}

/* Sends the n oldest unsent frames as one WRITE call, a buffer each; the send's result. */
static long eth_tx_send_batch(unsigned n)
{
    struct warp_msg m;
    msg_init(&m, MSG_WRITE, MSG_CALL);
    for (unsigned i = 0; i < n; i++) {
        const struct eth_tx_slot *slot = &eth.tx[(eth.tx_unsent + i) % ETH_TX_FRAMES];
        msg_add_buf(&m, slot->bytes, slot->len, BUF_READ);
    }
    void *ctx = (void *)(uintptr_t)(eth.tx_unsent << ETH_TX_CALL_SHIFT | n);
    return loop_call(eth.loop, eth.ch, &m, eth_on_written, ctx);
}

/* Sends waiting frames, oldest first, up to ETHERNET_WRITE_FRAMES per WRITE, while fewer than
 * ETH_TX_SLOTS WRITEs are in flight. Frames the driver's channel refuses (its queue is full) wait for
 * the next reply; those it cannot take at all (the channel is gone) are dropped and counted. */
static void eth_tx_pump(void)
{
    while (eth.tx_inflight < ETH_TX_SLOTS && eth.tx_sending < eth.tx_busy) {
        unsigned first = eth.tx_unsent, n = eth.tx_busy - eth.tx_sending;
        if (n > ETHERNET_WRITE_FRAMES)
            n = ETHERNET_WRITE_FRAMES;
        long r = eth_tx_send_batch(n);
        if (r == ERR_QUEUE_FULL && eth.tx_inflight > 0)
            return;
        eth.tx_unsent = (eth.tx_unsent + n) % ETH_TX_FRAMES;
        if (r < 0) {
            stats_g.tx_errors += n;
            eth_tx_release(first, n);
            continue;
        }
        eth.tx_inflight++;
        eth.tx_sending += n;
        stats_g.tx_frames += n;
        stats_g.tx_writes++;
    }
}

/* The flush timeout: the frames of the event just handled go out. */
static void eth_on_flush(struct loop *l, struct loop_timeout *t, void *ctx)
{
    (void)l;
    (void)t;
    (void)ctx;
    if (eth.state == ETH_UP)
        eth_tx_pump();
}

/* A WRITE came back: its slots are free and the next frames can go; if TCP was refused a slot
 * meanwhile, let it send again. */
static void eth_on_written(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    unsigned first = (unsigned)((uintptr_t)ctx >> ETH_TX_CALL_SHIFT),
             n = (unsigned)((uintptr_t)ctx & ((1u << ETH_TX_CALL_SHIFT) - 1));
    (void)l;
    (void)ch;
    eth_tx_release(first, n);
    eth.tx_sending -= n;
    eth.tx_inflight--;
    long r = msg_result(reply, MSG_WRITE);
    if (r < 0 && r != ERR_PEER_CLOSED)
        stats_g.tx_errors += n;
    eth_tx_pump();
    if (eth.tx_blocked && eth.state == ETH_UP) {
        eth.tx_blocked = false;
        conn_kick_all();
    }
}

/*
 * Puts frame p in slot. A frame in one pbuf whose memory stays put (not PBUF_REF: TCP's segments,
 * ARP's and DHCP's packets) is sent from where it is: the slot takes a reference, so the memory
 * lives until the driver has copied it, and lwIP does not retransmit a segment while another
 * reference to it exists (tcp_output_segment_busy), so its header is not rewritten under the WRITE.
 * Anything else (a chain, volatile memory) is copied into the slot's buffer.
 */
static void eth_tx_hold(struct eth_tx_slot *slot, struct pbuf *p)
{
    slot->len = p->tot_len;
    if (!p->next && !PBUF_NEEDS_COPY(p)) {
        pbuf_ref(p);
        slot->p = p;
        slot->bytes = p->payload;
        return;
    }
    pbuf_copy_partial(p, slot->frame, p->tot_len, 0);
    slot->bytes = slot->frame;
}

/* netif->linkoutput: puts one frame (a pbuf chain) into the next slot; the flush sends it. ERR_MEM
 * when every slot holds a frame: TCP keeps the segment queued and sends it again (conn_kick_all when
 * a slot frees). Slots free in the order they were filled, except when a WRITE fails: the slot
 * after the newest is then still busy, and the frame is refused as if all were. */
static err_t eth_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    if (eth.state != ETH_UP)
        return ERR_IF;
    if (p->tot_len > ETHERNET_FRAME_MAX) /* the driver would refuse it, and its WRITE's other frames */
        return ERR_BUF;
    struct eth_tx_slot *slot = &eth.tx[eth.tx_next];
    if (slot->busy) {
        stats_g.tx_full++;
        eth.tx_blocked = true;
        return ERR_MEM;
    }
    eth_tx_hold(slot, p);
    slot->busy = true;
    eth.tx_busy++;
    eth.tx_next = (eth.tx_next + 1) % ETH_TX_FRAMES;
    if (!eth.flush.armed)
        loop_timeout_after(eth.loop, &eth.flush, 0);
    return ERR_OK;
}

/* Frees slot's pbufs (the link went down with its READ unanswered). */
static void eth_rx_slot_free(struct eth_rx_slot *slot)
{
    slot->pending = false;
    for (unsigned i = 0; i < ETH_RX_BUFS; i++)
        if (slot->p[i]) {
            pbuf_free(slot->p[i]);
            slot->p[i] = NULL;
        }
}

/* A READ came back with frames in its pbufs: hand them to lwIP, then post the READ again. */
static void eth_on_frame(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    struct eth_rx_slot *slot = ctx;
    uint16_t lens[ETH_RX_BUFS];
    (void)ch;
    slot->pending = false;
    long r = msg_result(reply, MSG_READ);
    long n = r < 0 ? r : ethernet_read_lens(reply, r, ETH_RX_BUFS, lens);
    if (n < 0) {
        if (r == ERR_PEER_CLOSED || eth.state != ETH_UP)
            return; /* the link is going down; eth_on_closed follows and frees the pbufs */
        stats_g.rx_errors++;
        if (stats_g.rx_errors <= 3)
            printf("tcpip: ethernet READ failed: %s\n", err_str(n));
        loop_timeout_after(l, &eth.retry, ETH_RX_RETRY_NS); /* not at once: it may fail again */
        return;
    }
    for (long i = 0; i < n; i++) {
        struct pbuf *p = slot->p[i];
        slot->p[i] = NULL;
        pbuf_realloc(p, lens[i]);
        stats_g.rx_frames++;
        if (eth.netif.input(p, &eth.netif) != ERR_OK)
            pbuf_free(p);
    }
    if (eth.state == ETH_UP)
        eth_post_reads();
}

/* Gives slot a pool pbuf for each buffer it lacks; false if the pool ran dry. */
static bool eth_rx_slot_fill(struct eth_rx_slot *slot)
{
    for (unsigned i = 0; i < ETH_RX_BUFS; i++) {
        if (slot->p[i])
            continue;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, ETH_FRAME_MAX, PBUF_POOL);
        if (!p || p->next) { /* pool dry (frames pile up in TCP queues) */
            if (p)
                pbuf_free(p);
            return false;
        }
        slot->p[i] = p;
    }
    return true;
}

/* Keeps every READ slot pending, each with ETH_RX_BUFS pool pbufs as its buffers. */
static void eth_post_reads(void)
{
    for (unsigned i = 0; i < ETH_RX_SLOTS; i++) {
        struct eth_rx_slot *slot = &eth.rx[i];
        if (slot->pending)
            continue;
        if (!eth_rx_slot_fill(slot)) {
            loop_timeout_after(eth.loop, &eth.retry, ETH_RX_RETRY_NS); /* try again shortly */
            return;
        }
        struct warp_msg m;
        msg_init(&m, MSG_READ, MSG_CALL);
        for (unsigned b = 0; b < ETH_RX_BUFS; b++)
            msg_add_buf(&m, slot->p[b]->payload, slot->p[b]->len, BUF_WRITE);
        long r = loop_call(eth.loop, eth.ch, &m, eth_on_frame, slot);
        if (r < 0) {
            if (r != ERR_PEER_CLOSED)
                loop_timeout_after(eth.loop, &eth.retry, ETH_RX_RETRY_NS);
            return;
        }
        slot->pending = true;
    }
}

/* The driver's end closed (it crashed or was restarted), or we gave up on it: link down, OPEN
 * again. On a peer close the loop has already failed the pending calls (freeing their slots). */
static void eth_on_closed(struct loop *l, handle_t ch, void *ctx)
{
    (void)ctx;
    printf("tcpip: %s closed; link down\n", ETHERNET_URI);
    loop_close(l, ch);
    /* Calls still pending now never complete (loop_close forgets them): take their buffers back. */
    for (unsigned i = 0; i < ETH_RX_SLOTS; i++)
        eth_rx_slot_free(&eth.rx[i]);
    for (unsigned i = 0; i < ETH_TX_FRAMES; i++)
        if (eth.tx[i].busy)
            eth_tx_release(i, 1);
    eth.tx_busy = eth.tx_sending = eth.tx_inflight = eth.tx_next = eth.tx_unsent = 0;
    loop_timeout_cancel(l, &eth.flush);
    eth.ch = 0;
    eth.state = ETH_CLOSED;
    eth.last_open_error = 0;
    if (eth.netif_added)
        netif_set_link_down(&eth.netif);
    loop_timeout_after(l, &eth.retry, ETH_RETRY_NS / 10);
}

/* The driver sends no requests; anything it does send is refused or dropped. */
static void eth_on_message(struct loop *l, handle_t ch, struct warp_msg *m, void *ctx)
{
    (void)ctx;
    service_drop_handles(l, m);
    if (msg_is_call(m))
        service_reply_error(l, ch, m, ERR_NOT_SUPPORTED);
}

static const struct loop_channel_handlers eth_handlers = {
    .on_message = eth_on_message,
    .on_peer_closed = eth_on_closed,
};

/* netif_add's init callback: what lwIP needs to know about an Ethernet interface. */
static err_t eth_netif_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = eth_linkoutput;
    netif->mtu = ETH_MTU_DEFAULT;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, eth.mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

/* Host-order IPv4 address of an lwIP one. */
static uint32_t eth_u32(const ip4_addr_t *a)
{
    return lwip_ntohl(ip4_addr_get_u32(a));
}

/* netif status callback: the address changed (DHCP bound, renewed elsewhere, lost; or static). */
static void eth_on_status(struct netif *netif)
{
    uint32_t ip = eth_u32(netif_ip4_addr(netif));
    if (ip == 0) {
        if (eth.had_address)
            printf("tcpip: address released\n");
        eth.had_address = false;
        return;
    }
    eth.had_address = true;
    const char *how = "static";
    if (dhcp_supplied_address(netif)) {
        how = "dhcp bound";
        /* Option 26 of the ACK that bound us; a lease without it means the Ethernet default. */
        netif->mtu = eth.dhcp_mtu ? eth.dhcp_mtu : ETH_MTU_DEFAULT;
    }
    char a[ADDR_IPV4_TEXT_MAX], g[ADDR_IPV4_TEXT_MAX];
    addr_ipv4_format(ip, a, sizeof(a));
    addr_ipv4_format(eth_u32(netif_ip4_gw(netif)), g, sizeof(g));
    int len = addr_prefix_len(eth_u32(netif_ip4_netmask(netif)));
    printf("tcpip: %s %s/%d gw %s mtu %u\n", how, a, len < 0 ? 32 : len, g, (unsigned)netif->mtu);
}

/* First time the MAC is known: create the interface, bring it up and ask DHCP for an address. */
static void eth_netif_create(void)
{
    netif_add(&eth.netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, eth_netif_init, ethernet_input);
    netif_set_default(&eth.netif);
    netif_set_status_callback(&eth.netif, eth_on_status);
    eth.netif_added = true;
    netif_set_up(&eth.netif);
    netif_set_link_up(&eth.netif);
    err_t e = dhcp_start(&eth.netif);
    if (e != ERR_OK)
        printf("tcpip: dhcp_start failed (lwIP error %d)\n", e);
}

/* GETATTR "mac" answered: the link is up. */
static void eth_on_mac(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)ctx;
    uint8_t mac[6];
    char text[MSG_DATA_MAX + 1];
    long r = msg_result(reply, MSG_GETATTR);
    if (r >= 0 && reply->data_len == 6)
        memcpy(mac, reply->data, 6); /* six raw bytes */
    else if (r >= 0 && (msg_get_text(reply, text, sizeof(text)) < 0 || addr_mac_parse(text, mac) < 0))
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        printf("tcpip: GETATTR mac on %s failed: %s\n", ETHERNET_URI, err_str(r));
        if (r != ERR_PEER_CLOSED)
            eth_on_closed(l, ch, NULL); /* start over */
        return;
    }
    memcpy(eth.mac, mac, sizeof(mac));
    addr_mac_format(mac, eth.mac_text, sizeof(eth.mac_text));
    printf("tcpip: mac %s\n", eth.mac_text);
    eth.state = ETH_UP;
    eth_post_reads();
    if (!eth.netif_added) {
        eth_netif_create();
    } else {
        /* Driver restarted: same NIC, same MAC as far as ARP caches go; DHCP restarts on link up. */
        memcpy(eth.netif.hwaddr, mac, sizeof(mac));
        netif_set_link_up(&eth.netif);
    }
}

/* init answered our OPEN: a channel to the driver, or an error to retry after. */
static void eth_on_open(struct loop *l, handle_t ch, struct warp_msg *reply, void *ctx)
{
    (void)ch;
    (void)ctx;
    long r = msg_result(reply, MSG_OPEN);
    if (r >= 0 && reply->nhandles < 1)
        r = ERR_BAD_FORMAT;
    if (r < 0) {
        service_drop_handles(l, reply);
        if (r != eth.last_open_error)
            printf("tcpip: OPEN %s failed: %s; retrying every second\n", ETHERNET_URI, err_str(r));
        eth.last_open_error = r;
        eth.state = ETH_CLOSED;
        loop_timeout_after(l, &eth.retry, ETH_RETRY_NS);
        return;
    }
    loop_close_handles(l, reply, 1);
    eth.ch = reply->handles[0];
    r = loop_add_channel(l, eth.ch, &eth_handlers, NULL);
    struct warp_msg m;
    if (r == 0)
        r = msg_getattr(&m, "mac");
    if (r == 0)
        r = loop_call(l, eth.ch, &m, eth_on_mac, NULL);
    if (r < 0) {
        printf("tcpip: cannot use %s: %s\n", ETHERNET_URI, err_str(r));
        eth_on_closed(l, eth.ch, NULL);
        return;
    }
    eth.state = ETH_MAC;
}

/* Asks init for a channel to the driver (init holds the call until the driver registers). */
static void eth_open(void)
{
    struct warp_msg m;
    msg_open(&m, ETHERNET_URI);
    long r = loop_call(eth.loop, SERVICE_INIT_CH, &m, eth_on_open, NULL);
    if (r < 0) {
        printf("tcpip: cannot ask init for %s: %s\n", ETHERNET_URI, err_str(r));
        loop_timeout_after(eth.loop, &eth.retry, ETH_RETRY_NS);
        return;
    }
    eth.state = ETH_OPENING;
}

/* Starts opening the link; everything else follows from the replies. */
void eth_start(struct loop *l)
{
    eth.loop = l;
    loop_timeout_init(&eth.retry, eth_on_retry, NULL);
    loop_timeout_init(&eth.flush, eth_on_flush, NULL);
    eth_open();
}

/* The interface's configuration, once it has an address. */
int eth_ipv4(uint32_t *ip, uint32_t *mask, uint32_t *gw)
{
    if (!eth.netif_added || ip4_addr_isany_val(*netif_ip4_addr(&eth.netif)))
        return ERR_WOULD_BLOCK;
    *ip = eth_u32(netif_ip4_addr(&eth.netif));
    *mask = eth_u32(netif_ip4_netmask(&eth.netif));
    *gw = eth_u32(netif_ip4_gw(&eth.netif));
    return 0;
}

/* A static address, or back to DHCP (mask 0). */
int eth_configure(uint32_t ip, uint32_t mask, uint32_t gw)
{
    if (!eth.netif_added)
        return ERR_WOULD_BLOCK;
    ip4_addr_t a, m, g;
    ip4_addr_set_u32(&a, lwip_htonl(ip));
    ip4_addr_set_u32(&m, lwip_htonl(mask));
    ip4_addr_set_u32(&g, lwip_htonl(gw));
    if (mask == 0) { /* back to DHCP */
        eth.static_config = false;
        netif_set_addr(&eth.netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
        return dhcp_start(&eth.netif) == ERR_OK ? 0 : ERR_NO_RESOURCES;
    }
    dhcp_release_and_stop(&eth.netif);
    eth.static_config = true;
    eth.netif.mtu = ETH_MTU_DEFAULT;
    netif_set_addr(&eth.netif, &a, &m, &g);
    return 0;
}

/* LWIP_HOOK_DHCP_APPEND_OPTIONS: ask for the interface MTU in DISCOVER and REQUEST. */
void tcpip_dhcp_append_options(struct netif *netif, struct dhcp_msg *msg, u8_t msg_type, u16_t *options_len)
{
    (void)netif;
    if (msg_type == DHCP_DISCOVER || msg_type == DHCP_REQUEST)
        *options_len = (u16_t)dhcpopt_request_add(msg->options, *options_len, DHCP_OPTIONS_LEN, DHCPOPT_MTU);
}

/* LWIP_HOOK_DHCP_PARSE_OPTION: keep option 26 of an ACK (applied when the lease binds). */
void tcpip_dhcp_parse_option(struct netif *netif, u8_t msg_type, u8_t option, u8_t len, struct pbuf *p,
                             u16_t offset)
{
    (void)netif;
    uint8_t v[2];
    if (option != DHCPOPT_MTU || msg_type != DHCP_ACK)
        return;
    if (len != 2 || pbuf_copy_partial(p, v, 2, offset) != 2) {
        printf("tcpip: dhcp: malformed interface-MTU option ignored\n");
        return;
    }
    uint16_t offered = (uint16_t)(v[0] << 8 | v[1]);
    eth.dhcp_mtu = dhcpopt_mtu(offered, ETH_MTU_DEFAULT);
    if (eth.dhcp_mtu != offered)
        printf("tcpip: dhcp: interface MTU %u %s\n", (unsigned)offered,
               eth.dhcp_mtu ? "capped at 1500 (frame buffers)" : "below 576 ignored");
}
