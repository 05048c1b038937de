/* dhcpopt.h: the DHCP option edits tcpip's lwIP hooks make (interface MTU, option 26); pure code. */
#pragma once

#include <warp/types.h>

#define DHCPOPT_PAD 0
#define DHCPOPT_END 255
#define DHCPOPT_MTU 26          /* RFC 2132 5.1: interface MTU, 2 bytes, at least 68 */
#define DHCPOPT_REQUEST_LIST 55 /* RFC 2132 9.8: parameter request list */
#define DHCPOPT_MTU_MIN 576     /* below this we keep the default: every IPv4 host must take 576 */

/*
 * Adds code to the parameter request list inside opts[0..len) (a sequence of DHCP options in wire
 * form, no END yet), moving the options after the list one byte up. cap is the room of opts; one
 * byte stays free for the END option that lwIP appends. Returns the new length, or len unchanged
 * when there is no list, the code is already in it, the options are malformed or there is no room.
 */
size_t dhcpopt_request_add(uint8_t *opts, size_t len, size_t cap, uint8_t code);

/*
 * The interface MTU to use for an option-26 value offered by a server: 0 (keep the current one)
 * below DHCPOPT_MTU_MIN, at most max (what our frame buffers hold), else the value itself.
 */
uint16_t dhcpopt_mtu(uint16_t offered, uint16_t max);
