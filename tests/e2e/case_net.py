"""tests/e2e/case_net.py: warp-net.iso drives a virtio-net NIC on QEMU user networking.

The image runs tests/nettest/net-test.manifest: the virtio_net driver (service/ethernet), devtest
(device-grant checks on a virtio-rng) and nettest, which sends an ARP request for 10.0.2.2 and a
DHCP DISCOVER through the driver, READs slirp's ARP reply and DHCP OFFER, does 600 more ARP round
trips and 96 WRITEs at once, and powers the machine off with its verdict. For each NIC variant (transport x machine, and
one with INTx instead of MSI-X) this checks:

  verdict  QEMU exit status 1 (nettest passed, it includes devtest's verdict), no failing TAP line
  driver   the driver's start-up line names the expected transport and interrupt mode
  client   nettest received the ARP reply and the DHCP OFFER (frames reached the client), and
           every burst and pipelined frame made its round trip
  pcap     QEMU's filter-dump of the netdev holds our ARP request and DHCP DISCOVER from the guest
           MAC, and slirp's answers to it: the frames really crossed the virtual wire

The first variant also forwards every TAP line of nettest and devtest as a result of its own.
"""

import functools
import os
import re
import struct

import pcap
from harness import Boot, Job, Result, guest_results, slug

GROUP = "net"
TIMEOUT = 90
QEMU_PASS = 1
PANIC = "KERNEL PANIC"
SUMMARY = re.compile(r"^(nettest|devtest): (\d+) passed, (\d+) failed")
DRIVER = re.compile(r"^virtio_net: (\w+) transport, MAC ([0-9a-f:]{17}), .*?, (MSI-X|INTx)")
GUEST_IP, GATEWAY_IP = bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2])
BURST = 600  # nettest's extra ARP round trips ...
PIPELINE = 96  # ... and ARP requests sent at once
ARP_REQUESTS = 1 + BURST + PIPELINE

MODERN_ONLY = "disable-legacy=on,disable-modern=off"
LEGACY_ONLY = "disable-modern=on"
# (name, machine, virtio-net-pci options, expected transport, expected interrupts)
VARIANTS = [
    ("legacy pc", "pc", LEGACY_ONLY, "legacy", "MSI-X"),
    ("modern pc", "pc", MODERN_ONLY, "modern", "MSI-X"),
    ("legacy q35", "q35", LEGACY_ONLY, "legacy", "MSI-X"),
    ("modern q35", "q35", MODERN_ONLY, "modern", "MSI-X"),
    ("transitional pc INTx", "pc", "vectors=0", "modern", "INTx"),
]
CHECKS = ("verdict", "driver", "client", "pcap")


def jobs(ctx):
    for i, (variant, machine, options, transport, irq) in enumerate(VARIANTS):
        names = [f"net {variant}: {check}" for check in CHECKS]
        yield Job(names[0], functools.partial(run_variant, names=names, machine=machine,
                                              options=options, transport=transport, irq=irq,
                                              forward=(i == 0)),
                  also=names[1:])


def nic_args(options, capture):
    """QEMU arguments: the NIC under test on user networking, a packet dump, devtest's device."""
    nic = "virtio-net-pci,netdev=n0" + (f",{options}" if options else "")
    return ["-netdev", "user,id=n0", "-device", nic,
            "-object", f"filter-dump,id=f0,netdev=n0,file={capture}",
            "-device", "virtio-rng-pci"]


def run_variant(ctx, names, machine, options, transport, irq, forward):
    """Boots warp-net.iso with one NIC variant; returns the forwarded TAP lines and the checks."""
    capture = os.path.join(ctx.log_dir, slug(names[0].rsplit(":", 1)[0]) + ".pcap")
    if os.path.exists(capture):
        os.unlink(capture)
    with Boot(ctx, names[0], ctx.image("warp-net.iso"), machine=machine, mem="128M", net=False,
              debug_exit=True, extra=nic_args(options, capture)) as boot:
        end = boot.wait_for(re.compile(r"^nettest: \d+ passed|" + PANIC), ctx.timeout(TIMEOUT))
        status = boot.wait_exit(10 if end is not None and PANIC not in end[1].group(0) else 0)
        lines = boot.all_lines()
        results = guest_results(lines, "net") if forward else []
        results.append(verdict(boot, names[0], lines, status, end, ctx.timeout(TIMEOUT)))
        mac, driver = driver_check(boot, names[1], lines, transport, irq)
        results.append(driver)
        results.append(client_check(boot, names[2], lines))
        results.append(pcap_check(boot, names[3], capture, mac))
        return results



def verdict(boot, name, lines, status, end, timeout):
    """Passes with QEMU status 1, both summaries at 0 failed, and no `not ok` line."""
    summaries = {m.group(1): (int(m.group(2)), int(m.group(3)))
                 for m in (SUMMARY.match(l.text) for l in lines) if m}
    failing = [l.text for l in lines if l.text.startswith("not ok")]
    problems = []
    if any(PANIC in l.text for l in lines):
        problems.append("the kernel panicked")
    elif end is None:
        problems.append(f"no 'nettest: N passed' line within {timeout:.0f} s")
    elif status is None:
        problems.append("QEMU did not exit after nettest's summary")
    elif status != QEMU_PASS:
        problems.append(f"QEMU exit status {status} (1 = pass, 3 = fail)")
    for prog in ("nettest", "devtest"):
        if prog not in summaries:
            problems.append(f"no '{prog}: N passed, M failed' line")
        elif summaries[prog][1] or not summaries[prog][0]:
            problems.append(f"{prog}: {summaries[prog][0]} passed, {summaries[prog][1]} failed")
    if failing:
        problems.append(f"{len(failing)} failing TAP line(s), first: {failing[0]}")
    notes = [f"{p}: {s[0]} passed, {s[1]} failed" for p, s in sorted(summaries.items())]
    data = {"exit_status": status, "ms": boot.elapsed_ms()}
    if not problems:
        return Result(name, True, notes=notes + [f"QEMU exited after {boot.elapsed_ms()} ms"],
                      data=data)
    failed = boot.fail(name, "; ".join(problems), with_state=False)
    failed.notes[:0] = notes
    failed.data = data
    return failed


def driver_check(boot, name, lines, transport, irq):
    """The driver's start-up line: transport and interrupt mode as expected. Returns (MAC, Result)."""
    line = next((l for l in lines if DRIVER.match(l.text)), None)
    if line is None:
        return None, boot.fail(name, "no 'virtio_net: <transport> transport, MAC ...' line")
    m = DRIVER.match(line.text)
    mac = bytes(int(x, 16) for x in m.group(2).split(":"))
    if (m.group(1), m.group(3)) != (transport, irq):
        return mac, boot.fail(name, f"expected {transport} transport with {irq}, got: {line.text}")
    return mac, Result(name, True, notes=[line.text])


def client_check(boot, name, lines):
    """nettest READ slirp's ARP reply and DHCP OFFER, and the burst came back."""
    wanted = ["received ARP reply: 10.0.2.2 is at", "received DHCP OFFER of 10.0.2.15",
              f"{BURST} ARP round trips ({BURST} replies)",
              f"{PIPELINE} frames at once on two sessions ({PIPELINE // 8} WRITEs of 4, {PIPELINE // 2} of 1) "
              f"all answered ({PIPELINE // 8 + PIPELINE // 2} replies, 0 failed)"]
    found = {w: next((l.text for l in lines if l.text.startswith("ok ") and w in l.text), None)
             for w in wanted}
    missing = [w for w, line in found.items() if line is None]
    if missing:
        return boot.fail(name, "nettest did not report: " + "; ".join(missing))
    return Result(name, True, notes=list(found.values()))


def is_arp(frame, op, sender_ip, target_ip):
    """An ARP frame with this operation, sender and target protocol addresses."""
    return (len(frame) >= 42 and frame[12:14] == b"\x08\x06" and
            struct.unpack(">H", frame[20:22])[0] == op and
            frame[28:32] == sender_ip and frame[38:42] == target_ip)


def dhcp_type(frame):
    """(UDP destination port, DHCP message type, chaddr) of an IPv4/UDP BOOTP frame, or None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 0xF) * 4
    udp = 14 + ihl
    bootp = udp + 8
    if len(frame) < bootp + 240 or frame[bootp + 236:bootp + 240] != b"\x63\x82\x53\x63":
        return None
    dport = struct.unpack(">H", frame[udp + 2:udp + 4])[0]
    opts, i, kind = frame[bootp + 240:], 0, None
    while i < len(opts) and opts[i] != 255:
        if opts[i] == 0:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        if opts[i] == 53 and opts[i + 1] == 1 and i + 2 < len(opts):
            kind = opts[i + 2]
        i += 2 + opts[i + 1]
    return dport, kind, frame[bootp + 28:bootp + 34]


def pcap_check(boot, name, path, mac):
    """Our ARP request and DHCP DISCOVER left from the guest's MAC; slirp answered both."""
    if mac is None:
        return boot.fail(name, "the guest MAC is unknown (no driver line)")
    try:
        frames = pcap.read_frames(path)
    except (OSError, ValueError) as e:
        return boot.fail(name, f"cannot read the packet dump: {e}")
    ours = [f for f in frames if f[6:12] == mac]
    arp_requests = [f for f in ours if f[0:6] == b"\xff" * 6 and is_arp(f, 1, GUEST_IP, GATEWAY_IP)]
    arp_replies = [f for f in frames if f[0:6] == mac and is_arp(f, 2, GATEWAY_IP, GUEST_IP)]
    discovers = [f for f in ours if dhcp_type(f) == (67, 1, mac)]
    offers = [f for f in frames if f[0:6] in (mac, b"\xff" * 6) and
              (dhcp_type(f) or (0, 0, b""))[:2] == (68, 2)]
    problems = []
    if len(arp_requests) != ARP_REQUESTS:
        problems.append(f"{len(arp_requests)} ARP requests from the guest, expected {ARP_REQUESTS}")
    if len(arp_replies) != ARP_REQUESTS:
        problems.append(f"{len(arp_replies)} ARP replies to the guest, expected {ARP_REQUESTS}")
    if len(discovers) != 1:
        problems.append(f"{len(discovers)} DHCP DISCOVERs from the guest, expected 1")
    if not offers:
        problems.append("no DHCP OFFER to the guest")
    notes = [f"{len(frames)} frames in {os.path.relpath(path)}: {len(arp_requests)} ARP requests "
             f"and {len(discovers)} DHCP DISCOVER from {mac.hex(':')}, {len(arp_replies)} ARP "
             f"replies and {len(offers)} DHCP OFFER to it"]
    if problems:
        failed = boot.fail(name, "; ".join(problems), with_state=False)
        failed.notes[:0] = notes
        return failed
    return Result(name, True, notes=notes, data={"frames": len(frames)})
