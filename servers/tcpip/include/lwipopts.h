/* lwipopts.h: how Warp's tcpip server configures lwIP 2.1.3; every setting says why. */
#pragma once

/*
 * The shape: one single-threaded process (servers/tcpip) runs lwIP's raw API from its event loop.
 * One Ethernet interface (virtio_net, through service/ethernet), IPv4 only, an address from DHCP,
 * TCP for the applications (docs/network.md), ARP and ICMP echo because every host must answer them.
 * Memory is static: lwIP's pools and heap live in tcpip's .bss, so a flood can exhaust lwIP's
 * memory (and lwIP then drops and retries) but never the process's or the kernel's.
 * Defaults not listed here are lwIP's (src/include/lwip/opt.h) and were judged right as they are.
 */

/* ---- Operating-system integration ---- */

/* No threads, semaphores or mailboxes: the event loop calls lwIP directly (raw API, NO_SYS mode). */
#define NO_SYS 1
/* Nothing preempts lwIP inside the process (no interrupts, no threads), so no critical sections. */
#define SYS_LIGHTWEIGHT_PROT 0
/* lwIP's timers run from sys_check_timeouts(), called by a loop timeout at the next deadline. */
#define LWIP_TIMERS 1
/* The thread-safe APIs need an OS (NO_SYS forbids them); applications reach us through channels. */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_TCPIP_CORE_LOCKING 0

/* Freestanding build: gcc gives stddef.h and stdint.h only; arch/cc.h supplies the rest. */
#define LWIP_NO_LIMITS_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H 1
/* No libc errno.h; lwIP's own numbers (only its socket layer would use them). */
#define LWIP_PROVIDE_ERRNO 1

/* ---- Memory ---- */

/* x86-64: 8-byte alignment for every pool element and heap block. */
#define MEM_ALIGNMENT 8
/* lwIP's own heap, not malloc: a fixed region whose use the stats line reports. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
/*
 * The heap holds PBUF_RAM buffers: every TCP segment we send (tcp_write copies the application's
 * bytes in) plus ARP queues and ICMP replies. Sized for 32 connections with full send buffers at
 * once (32 * TCP_SND_BUF = 2 MB), or many more with small responses in flight; when it runs out,
 * tcp_write reports ERR_MEM and the connection retries when an acknowledgement frees memory (the
 * sent callback) or from its poll callback.
 */
#define MEM_SIZE (2 * 1024 * 1024)

/* Received frames: a pool of single-buffer pbufs, each holding a whole Ethernet frame, so a READ
 * from the driver lands straight in a pbuf (no copy) and lwIP never sees a chained frame. 1536 =
 * 1514-byte frame + a VLAN tag + slack, rounded to a cache line. */
#define PBUF_POOL_BUFSIZE 1536
/*
 * Received data stays in these pbufs until the application READs it (flow control: the window only
 * opens when it has). 1024 buffers = 1.5 MiB: about 2.7 full receive windows of all 128
 * connections at once is beyond any load we serve, and small segments are compacted into heap
 * pbufs (conn.c) so a peer cannot pin a 1.5 KiB buffer per byte. When the pool is empty, incoming
 * frames are dropped and TCP retransmits them.
 */
#define PBUF_POOL_SIZE 1024
/* PBUF_REF/ROM headers: IP fragmentation of large ICMP replies; we never send by reference. */
#define MEMP_NUM_PBUF 32

/* ---- Interfaces, Ethernet, ARP ---- */

/* Exactly one interface: the virtio NIC. Lets lwIP skip netif lists and per-netif ARP matching. */
#define LWIP_SINGLE_NETIF 1
/* No loopback interface: nothing in Warp connects to its own address through TCP. */
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
/* Tells us when DHCP binds (or loses) an address: the "dhcp bound" log line, the MTU option. */
#define LWIP_NETIF_STATUS_CALLBACK 1
/* Link changes come from our own code (the ethernet channel opens or closes), which logs them. */
#define LWIP_NETIF_LINK_CALLBACK 0
/* No DHCP host name: neither QEMU nor GCE uses it, and it would take room in every request. */
#define LWIP_NETIF_HOSTNAME 0
/* The Ethernet frame lands at the start of the pbuf; x86 handles the unaligned IP header. */
#define ETH_PAD_SIZE 0

#define LWIP_ARP 1
#define LWIP_ETHERNET 1
/* The gateway, the DHCP server and a handful of LAN peers; on GCE only the gateway is ever used. */
#define ARP_TABLE_SIZE 16
/* Keep the packets sent while an address is being resolved (the first SYN-ACK to a new peer, the
 * first DHCP renewal) instead of all but the last, bounded per entry and overall. */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 8
#define MEMP_NUM_ARP_QUEUE 32

/* ---- IPv4, ICMP, UDP ---- */

#define LWIP_IPV4 1
/* Warp serves IPv4 first (QEMU user net and GCE default networks are IPv4). */
#define LWIP_IPV6 0
/* A host, not a router. */
#define IP_FORWARD 0
/* Reassemble fragmented datagrams (large pings, odd paths) and fragment our large ICMP replies;
 * bounded: at most 8 datagrams and 64 pbufs being reassembled, dropped after IP_REASS_MAXAGE. */
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define MEMP_NUM_REASSDATA 8
#define IP_REASS_MAX_PBUFS 64
/* The usual Unix TTL (lwIP's default of 255 is unusual and marks the stack). */
#define IP_DEFAULT_TTL 64

/* Echo replies: every host answers ping (the e2e tests and GCE health checks use it). */
#define LWIP_ICMP 1
/* Broadcast/multicast pings are a traffic amplifier; no one needs them answered. */
#define LWIP_BROADCAST_PING 0
#define LWIP_MULTICAST_PING 0
/* No raw IP sockets to offer. */
#define LWIP_RAW 0

/* DHCP and DNS run over UDP; no application UDP yet. One pcb is DHCP's, and each pending DNS
 * request has its own (a random source port, below). */
#define LWIP_UDP 1
#define MEMP_NUM_UDP_PCB (1 + DNS_MAX_REQUESTS)
/* No multicast groups, no link-local addressing: none is needed to serve or to connect out. */
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0

/* ---- DNS ---- */

/* OPEN "resolve:<name>" (resolve.c): clients connecting out (tcp-connect) need names looked up.
 * The servers come from DHCP's option 6 (lwIP's DHCP asks for it and sets them once LWIP_DNS is on,
 * LWIP_DHCP_MAX_DNS_SERVERS = DNS_MAX_SERVERS) or from an admin's SETATTR "dns=...". */
#define LWIP_DNS 1
/* Two servers, as DHCP usually names (lwIP's default); the second is asked when the first is mute. */
#define DNS_MAX_SERVERS 2
/* Lookups pending at once (resolve.c's table has as many, and refuses more with ERR_NO_RESOURCES);
 * lwIP keeps one request and one UDP pcb for each. */
#define DNS_MAX_REQUESTS 8
/* Names being asked for plus answers cached for their TTL: a cached name is answered at once. */
#define DNS_TABLE_SIZE 8
/* Retries per server: 1+1+2+3 = 7 s of asking (DNS_TMR_INTERVAL 1 s). resolve.c's 5 s deadline
 * is shorter, which is how it tells a timeout from a negative answer (lwIP reports both alike). */
#define DNS_MAX_RETRIES 4
/* lwIP's default LWIP_DNS_SECURE stays: a random id and a random source port per query, and no two
 * queries for a name outstanding at once, so an off-path attacker cannot easily forge answers. */

/* ---- DHCP ---- */

#define LWIP_DHCP 1
/* No ARP probe of the offered address before using it: cloud networks (GCE, QEMU) hand out unique
 * addresses, and the probe would add a second or more to every boot. */
#define DHCP_DOES_ARP_CHECK 0
/* No NTP or boot-file options: nothing here uses them. */
#define LWIP_DHCP_GET_NTP_SRV 0
#define LWIP_DHCP_BOOTP_FILE 0
/* lwIP 2.1.3 neither asks for nor parses the interface-MTU option (26, 1460 on GCE): our hooks
 * (tcpip_hooks.h) add it to the parameter request list and read it from the ACK. */
#define LWIP_HOOK_FILENAME "tcpip_hooks.h"

/* ---- TCP ---- */

#define LWIP_TCP 1
/* Ethernet MTU 1500 - 20 (IP) - 20 (TCP). A smaller interface MTU (GCE's 1460) lowers the MSS we
 * announce and use per connection (TCP_CALCULATE_EFF_SEND_MSS, lwIP's default). */
#define TCP_MSS 1460
/*
 * Concurrent connections: http_server's 1024 served and 8 refused, tcpip's accept backlog of 256
 * (listener.c), plus those in TIME_WAIT after a server-side close, which lwIP recycles (oldest
 * first) when the pool runs dry. ~200 bytes each.
 */
#define MEMP_NUM_TCP_PCB 1536
/* Listening sockets: a few per application (http on 80, ...). */
#define MEMP_NUM_TCP_PCB_LISTEN 32
/*
 * Receive window: 16 segments (23 KiB) per connection keeps a bulk transfer streaming across the
 * emulated NIC; no window scaling needed below 64 KiB. The window is only reopened (tcp_recved)
 * after the application has READ the data, so it is also the per-connection receive buffer.
 */
#define TCP_WND (16 * TCP_MSS)
#define LWIP_WND_SCALE 0
/*
 * Send buffer: the bytes of WRITEs lwIP may hold unacknowledged per connection. 44 segments
 * (64,240 bytes) is the most lwIP's 16-bit send window holds without window scaling. A bulk transfer
 * needs it: with 16 segments the guest sat idle a third of the time waiting for acknowledgements
 * (bench/sample on a 1 MiB file), with 44 it never waits (docs/benchmarks.md).
 */
#define TCP_SND_BUF (44 * TCP_MSS)
/* Segments per connection's send queue: lwIP's rule of thumb, 4 per MSS-sized slot of TCP_SND_BUF
 * (small writes make small segments). */
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Segments queued across all connections (send queues and out-of-order data); ~50 bytes each. When
 * they run out, tcp_write says ERR_MEM and the connection retries from its poll callback. */
#define MEMP_NUM_TCP_SEG 2048
/* Keep out-of-order segments so one lost frame costs one retransmission, not a window; bounded per
 * connection so a peer cannot pin the pool with holes. SACK tells the peer what we hold. */
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS 16
#define TCP_OOSEQ_MAX_BYTES TCP_WND
#define LWIP_TCP_SACK_OUT 1
/* No timestamps: 12 bytes less per segment; the RTTs here are stable. */
#define LWIP_TCP_TIMESTAMPS 0
/* Accepted connections are handed to the application at once (or refused with a RST when its
 * listener queue is full, docs/network.md): no lwIP-side backlog accounting. */
#define TCP_LISTEN_BACKLOG 0
/* Rebind a port while old connections on it sit in TIME_WAIT (an application restarted by init
 * must get its port back at once); tcpip itself refuses two listeners on one port. */
#define SO_REUSE 1
/*
 * Keepalive on every accepted connection: a client that vanished (a VM deleted, a NAT entry gone)
 * is detected after 2 min idle + 9 probes 10 s apart, and its pcb and channel are freed.
 */
#define LWIP_TCP_KEEPALIVE 1
#define TCP_KEEPIDLE_DEFAULT 120000
#define TCP_KEEPINTVL_DEFAULT 10000
#define TCP_KEEPCNT_DEFAULT 9

/* ---- Checksums ---- */

/* Computed and checked in software: the driver negotiates no checksum offload (VIRTIO_NET_F_CSUM),
 * so frames arrive and leave with nothing precomputed. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
/* tcp_write sums the bytes while it copies them (LWIP_CHKSUM_COPY): one pass over the data instead
 * of lwIP's memcpy and then a sum. */
#define LWIP_CHECKSUM_ON_COPY 1
/* Our loops (chksum.c) add eight bytes a step; lwIP's fastest adds four. */
#include "tcpip_chksum.h"
#define LWIP_CHKSUM tcpip_chksum
#define LWIP_CHKSUM_COPY(dst, src, len) tcpip_chksum_copy(dst, src, len)

/* ---- Statistics and debugging ---- */

/* Counters for the stats line (pcbs, pbufs, heap, drops): the leak check of the e2e tests. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define LINK_STATS 1
#define IP_STATS 1
#define ICMP_STATS 1
#define TCP_STATS 1
#define UDP_STATS 0
#define ETHARP_STATS 0
#define IPFRAG_STATS 0
#define SYS_STATS 0
/* Assertions stay on (LWIP_PLATFORM_ASSERT logs and exits; init restarts us); no debug output. */
#define LWIP_DBG_TYPES_ON 0
