"""tests/e2e/pcap.py: reads the pcap files QEMU's filter-dump writes: Ethernet frames, and the IPv4 TCP
segments among them. Standard library only.

A pcap file is a 24-byte header (magic 0xa1b2c3d4 in the writer's byte order, version, snap length,
link type: 1 = Ethernet) and then per frame a 16-byte record header (seconds, microseconds, bytes
captured, bytes on the wire) and the captured bytes.
"""

import dataclasses
import struct

LINKTYPE_ETHERNET = 1
ETHERTYPE_IPV4 = 0x0800
IPPROTO_TCP = 6
TCP_SYN, TCP_ACK = 0x02, 0x10


@dataclasses.dataclass
class Segment:
    """One IPv4 TCP segment: addresses as dotted strings, `options` the raw TCP option bytes."""
    src: str
    sport: int
    dst: str
    dport: int
    flags: int
    options: bytes
    payload: bytes
    src_mac: bytes


def read_frames(path):
    """Every frame of a pcap file, as bytes; raises ValueError when it is no Ethernet pcap."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: {len(data)} bytes, shorter than a pcap header")
    magic = data[:4]
    # Microsecond or nanosecond timestamps, little- or big-endian writer.
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise ValueError(f"{path}: not a pcap file (magic {magic.hex()})")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError(f"{path}: link type {linktype}, not Ethernet")
    frames, pos = [], 24
    while pos + 16 <= len(data):
        captured = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        frames.append(data[pos + 16:pos + 16 + captured])
        pos += 16 + captured
    return frames


def dotted(raw):
    return ".".join(str(b) for b in raw)


def tcp_segments(frames):
    """The IPv4 TCP segments among Ethernet frames (unfragmented ones; others are left out)."""
    found = []
    for fr in frames:
        if len(fr) < 34 or struct.unpack("!H", fr[12:14])[0] != ETHERTYPE_IPV4:
            continue
        ip = fr[14:]
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        fragment = struct.unpack("!H", ip[6:8])[0] & 0x3FFF  # offset and more-fragments
        if ip[0] >> 4 != 4 or ip[9] != IPPROTO_TCP or fragment or len(ip) < ihl + 20:
            continue
        tcp = ip[ihl:total]
        offset = (tcp[12] >> 4) * 4
        sport, dport = struct.unpack("!HH", tcp[:4])
        found.append(Segment(dotted(ip[12:16]), sport, dotted(ip[16:20]), dport, tcp[13],
                             tcp[20:offset], tcp[offset:], fr[6:12]))
    return found


def mss_option(segment):
    """The MSS a segment's TCP options announce, or None."""
    opts, i = segment.options, 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if kind == 2 and opts[i + 1] == 4 and i + 4 <= len(opts):
            return struct.unpack("!H", opts[i + 2:i + 4])[0]
        i += opts[i + 1]
    return None
