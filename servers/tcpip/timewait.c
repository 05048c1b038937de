/* timewait.c: a new connection may take over a four-tuple that lwIP holds in TIME_WAIT. */
#include "lwip/opt.h" /* first: lwipopts.h decides what the other lwIP headers include */

#include "tcpip_hooks.h"

#include "lwip/def.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"

/*
 * The server closes first (Connection: close, timeouts), so its side of every such connection waits
 * in TIME_WAIT for 2 MSL, and lwIP 2.1.3 answers a new SYN for that four-tuple with a bare ACK and
 * ignores the client's RST (RFC 1337): the client's connect then waits 1, 3, 7, 15 s for nothing.
 * With hundreds of connections a second, a client's random source port hits one of ours in
 * TIME_WAIT every few dozen connections. Stacks that serve the web take the SYN when it is newer
 * than the old connection (RFC 6191 with sequence numbers; Linux does the same): its sequence number
 * lies beyond what the old connection received. Then the TIME_WAIT pcb goes, and the SYN reaches the
 * listener as any other. The segment's checksum is not verified yet at this point; a forged SYN can
 * at worst end one TIME_WAIT early, which a forged RST could do in most stacks anyway.
 */

/* The TIME_WAIT pcb of the connection ip:port <-> ours, or NULL. */
static struct tcp_pcb *timewait_find(u32_t remote_ip, u16_t remote_port, u32_t local_ip, u16_t local_port)
{
    for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next)
        if (pcb->remote_port == remote_port && pcb->local_port == local_port &&
            ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == remote_ip &&
            ip4_addr_get_u32(ip_2_ip4(&pcb->local_ip)) == local_ip)
            return pcb;
    return NULL;
}

int timewait_on_ip4_input(struct pbuf *p)
{
    if (p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    u16_t hlen = (u16_t)IPH_HL_BYTES(ip);
    if (IPH_PROTO(ip) != IP_PROTO_TCP || hlen < IP_HLEN || p->len < hlen + TCP_HLEN ||
        (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
        return 0;
    const struct tcp_hdr *tcp = (const struct tcp_hdr *)((const u8_t *)p->payload + hlen);
    if ((TCPH_FLAGS(tcp) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return 0;
    struct tcp_pcb *old =
        timewait_find(ip->src.addr, lwip_ntohs(tcp->src), ip->dest.addr, lwip_ntohs(tcp->dest));
    if (old && TCP_SEQ_GT(lwip_ntohl(tcp->seqno), old->rcv_nxt))
        tcp_abort(old); /* a TIME_WAIT pcb is just freed: no RST */
    return 0;           /* lwIP goes on with the segment */
}
