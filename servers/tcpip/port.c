/* port.c: what lwIP needs from the platform: time, randomness, TCP ISNs, atoi, assertions. */
#include "port.h"
#include "siphash.h"

#include <warp/clock.h>
#include <warp/user.h>

#include "lwip/ip_addr.h"
#include "lwip/sys.h"

#define PORT_ISN_TICK_NS 4000u /* RFC 6528's clock M: one tick every 4 microseconds */

static uint8_t port_isn_key[16]; /* the secret of the ISN hash, drawn once at start-up */

/* lwIP's clock: milliseconds (it compares them modulo 2^32, so the wrap after 49 days is fine). */
u32_t sys_now(void)
{
    return (u32_t)clock_ms();
}

/* Fills buf with len random bytes from the kernel (len <= ENTROPY_MAX). The call cannot fail for a
 * buffer of ours; if it did, guessable DHCP ids and ISNs are no option: exit, init restarts us. */
static void port_entropy(void *buf, size_t len)
{
    long r = warp_entropy(buf, len);
    if (r == (long)len)
        return;
    printf("tcpip: SYS_ENTROPY failed: %s\n", r < 0 ? err_str(r) : "short read");
    warp_exit(1);
}

/* The ISN hash key, from SYS_ENTROPY. */
void port_init(void)
{
    port_entropy(port_isn_key, sizeof(port_isn_key));
}

/* LWIP_RAND: DHCP transaction ids and the first local port, straight from SYS_ENTROPY. */
uint32_t tcpip_rand(void)
{
    uint32_t v;
    port_entropy(&v, sizeof(v));
    return v;
}

/* LWIP_HOOK_TCP_ISN: RFC 6528, ISN = M + F(four-tuple, secret), M a 4-microsecond clock. */
u32_t tcpip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                    u16_t remote_port)
{
    uint32_t tuple[3] = {ip4_addr_get_u32(ip_2_ip4(local_ip)), ip4_addr_get_u32(ip_2_ip4(remote_ip)),
                         (uint32_t)local_port << 16 | remote_port};
    uint64_t f = siphash24(port_isn_key, tuple, sizeof(tuple));
    return (u32_t)(clock_ns() / PORT_ISN_TICK_NS + f);
}

/* C's atoi, for netif_find (lwIP's only user). */
int atoi(const char *s)
{
    int sign = 1, v = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}

/* LWIP_PLATFORM_ASSERT: lwIP's state is broken; say where and let init restart us. */
_Noreturn void tcpip_assert_failed(const char *msg, const char *file, int line)
{
    printf("tcpip: lwIP assertion failed: %s (%s:%d)\n", msg, file, line);
    warp_exit(134);
}
