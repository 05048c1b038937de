"""tests/e2e/dhcpprobe.py: asks a DHCP server on a tap device what it offers; prints the OFFER as JSON.

Usage (inside the network namespace that owns the tap): dhcpprobe.py TAP MAC SECONDS

Attaches to TAP as QEMU would (so run it before QEMU does), broadcasts a DHCPDISCOVER from MAC once a
second, and prints the first matching DHCPOFFER: {"yiaddr", "netmask", "router", "mtu", "lease"}.
Exit status 1 when no offer comes within SECONDS. Standard library only; tests/e2e/netns.py uses it.
"""

import fcntl
import json
import os
import random
import select
import socket
import struct
import sys
import time


def _checksum(data):
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _discover(mac, xid):
    """An Ethernet frame with a broadcast DHCPDISCOVER from `mac` (RFC 2131 / RFC 2132)."""
    chaddr = bytes.fromhex(mac.replace(":", ""))
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, bytes(4),
                        bytes(4), bytes(4), bytes(4), chaddr, b"", b"")
    options = bytes([99, 130, 83, 99,        # magic cookie
                     53, 1, 1,               # DHCPDISCOVER
                     55, 4, 1, 3, 26, 51,    # ask for netmask, router, MTU, lease time
                     255])
    payload = bootp + options
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0) + payload  # checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4),
                     b"\xff\xff\xff\xff")
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\xff" * 6 + chaddr + b"\x08\x00" + ip + udp


def _parse_offer(frame, xid):
    """The fields of a DHCPOFFER for xid in an Ethernet frame, or None if it is something else."""
    if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 0x0F) * 4
    udp = 14 + ihl
    if struct.unpack("!H", frame[udp + 2:udp + 4])[0] != 68:
        return None
    bootp = frame[udp + 8:]
    if bootp[0] != 2 or struct.unpack("!I", bootp[4:8])[0] != xid:
        return None
    if bootp[236:240] != b"\x63\x82\x53\x63":  # the magic cookie
        return None
    opts, i = {}, 240
    while i < len(bootp) and bootp[i] != 255:
        if bootp[i] == 0:
            i += 1
            continue
        opts[bootp[i]] = bootp[i + 2:i + 2 + bootp[i + 1]]
        i += 2 + bootp[i + 1]
    if opts.get(53) != b"\x02":
        return None
    ip = lambda b: socket.inet_ntoa(b) if b and len(b) == 4 else None  # noqa: E731
    num = lambda b: int.from_bytes(b, "big") if b else None  # noqa: E731
    return {"yiaddr": socket.inet_ntoa(bootp[16:20]), "netmask": ip(opts.get(1)),
            "router": ip(opts.get(3)), "mtu": num(opts.get(26)), "lease": num(opts.get(51))}


def main(tap, mac, timeout):
    """Attaches to `tap` like QEMU does, sends a DHCPDISCOVER, prints the OFFER as JSON."""
    TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    xid = random.getrandbits(32)
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_send:  # the tap may come up a moment after we attach: resend
            os.write(fd, _discover(mac, xid))
            next_send = time.monotonic() + 1
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            offer = _parse_offer(os.read(fd, 65536), xid)
            if offer:
                print(json.dumps(offer))
                return 0
    print(f"no DHCPOFFER on {tap} within {timeout} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: dhcpprobe.py TAP MAC SECONDS", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
