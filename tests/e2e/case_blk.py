"""tests/e2e/case_blk.py: warp-blk.iso drives a virtio-blk disk, warp-scsi.iso a virtio-scsi one, warp-nvme.iso an NVMe one, that the host prepared.

The image runs tests/blktest/blk-test.manifest: the virtio_blk driver (service/block:0) and blktest,
which checks the geometry, reads what the host wrote, writes and reads back, sends bad requests and
40 concurrent calls, abandons a session with 40 calls in flight, has init kill the driver with 40
WRITEs and READs in flight (and retries the cut ones on the restarted driver), and powers the machine
off with its verdict. Each variant boots with a fresh 8 MiB raw disk (zero but for a pattern of 4096 bytes at
1 MiB and one in the last sector, the ones tests/blktest/main.c expects), attached through QEMU's
blkdebug driver so that reads of sector 8000 fail with EIO (blktest expects ERR_IO there), on one
transport (modern-only, legacy-only, and transitional without MSI-X, `vectors=0`, so one INTx
interrupt and the ISR). The "scsi" variants boot warp-scsi.iso (tests/blktest/scsi-test.manifest:
virtio_scsi as service block:0, the same blktest) with the disk as a scsi-hd on a virtio-scsi-pci host,
on the modern, legacy and transitional-INTx transports, and modern with the disk at target 3 (the
driver scans past 0..2). The "nvme" variants boot warp-nvme.iso (tests/blktest/nvme-test.manifest:
the nvme driver as service block:0) with the disk as namespace 1 of QEMU's NVMe controller
(`-device nvme,serial=warp0,drive=d0`): as it comes (MSI-X, 512 KiB per command, so the driver's
64 KiB limit), and with `mdts=1` (8 KiB per command: a 64 KiB call goes in 8 commands).

Every driver, on its modern (or only) device, also runs (virtio-scsi on its legacy and
transitional-INTx devices too)
  stall      the disk served by nbdstall.py under blkdebug, which holds blktest's first read of
             sector 12000 for 9 s, past the driver's 5 s deadline: the driver resets the device once
             and the read still gives the right bytes
and virtio-blk and virtio-scsi
  read-only  the drive `readonly=on`: the geometry says read-only, every WRITE gets ERR_PERMISSION,
             the disk file is untouched
and at the long level (`--long`, make test-long: each boot takes half a minute more) every driver
  timeout    nbdstall.py holds the first three reads of sector 13000 9 s each: the driver resets
             the device three times and answers that READ ERR_TIMED_OUT; the next read of it works

Each variant checks:

  verdict  QEMU exit status 1 (blktest passed), no failing TAP line
  driver   the driver's start-up lines: the disk's size, the expected transport (virtio), transfer
           limit (nvme) and interrupts; the geometry blktest saw (writable or read-only)
  deadline as many reset lines as the host held reads past the deadline (none but in the stall and
           timeout variants), `resets N` in the driver's stats (virtio-scsi: `retries N` too, one
           command sent again after each reset's UNIT ATTENTION), and the outcome of blktest's READ
           of sector 13000 (ERR_TIMED_OUT in the timeout variant, 512 bytes elsewhere)
  disk     after the boot the host finds blktest's sequential write (32 sectors at sector 100) in
           the file, byte for byte: the data really reached the disk; and the 40 ranges of the kill
           phase hold the last data blktest wrote to them (read-only: the file is as the host made it)
  restart  init killed the driver at blktest's request and the driver came up (and registered) again

The first variant also forwards every TAP line of blktest as a result of its own.
"""

import collections
import functools
import json
import os
import re
import tempfile

from harness import Boot, Job, Result, guest_results
from nbdstall import NbdStall

GROUP = "blk"
TIMEOUT = 60
QEMU_PASS = 1
PANIC = "KERNEL PANIC"
SUMMARY = re.compile(r"^blktest: (\d+) passed, (\d+) failed")
# Per driver: its image, its log prefix, its size line (exactly, formatted with the variant's SCSI
# target and expectations), and the start-up line whose named groups must equal the variant's
# expectations.
DRIVERS = {
    "blk": ("warp-blk.iso", "virtio_blk", "virtio_blk: 16384 sectors of 512 bytes (8 MiB), service block:0",
            re.compile(r"^virtio_blk: (?P<transport>\w+) transport, \d+ requests in flight, (?P<irq>MSI-X|INTx)")),
    "scsi": ("warp-scsi.iso", "virtio_scsi", "virtio_scsi: QEMU QEMU HARDDISK at target {target} lun 0: 16384 "
             "sectors of 512 bytes (8 MiB), service block:0",
             re.compile(r"^virtio_scsi: (?P<transport>\w+) transport, \d+ requests in flight, (?P<irq>MSI-X|INTx)")),
    "nvme": ("warp-nvme.iso", "nvme", "nvme: QEMU NVMe Ctrl (serial warp0): 16384 sectors of 512 bytes (8 MiB), "
             "queue depth 32, {xfer} KiB per command, {irq}, flush, service block:0",
             re.compile(r"^nvme: .* (?P<xfer>\d+) KiB per command, (?P<irq>MSI-X|MSI|INTx)")),
}

DISK_BYTES = 8 << 20
SECTOR = 512
HOST_OFFSET, HOST_LEN, HOST_SEED = 2048 * SECTOR, 4096, 0x5A  # as in tests/blktest/main.c
LAST_SEED = 0x33
RW_SECTOR, RW_LEN = 100, 32 * SECTOR
BAD_SECTOR = 8000  # blkdebug fails every read touching it with EIO (blktest's BT_BAD_SECTOR)

# Reads nbdstall.py holds back: (sector, seconds each, how many reads). Each held read outlives the
# driver's 5 s deadline and its check a second later with room to spare under TCG, and the device
# reset drains it, so each costs one reset.
STALL = (12000, 9, 1)    # blktest's BT_STALL_SECTOR: one reset, then the read gives the right bytes
TIMEOUT_HOLD = (13000, 9, 3)  # BT_HOLD_SECTOR: at its third reset the read gets ERR_TIMED_OUT
RESET_LINE = "{prefix}: a request is not done after 5 s; resetting the device"
STATS = re.compile(r"^# requests .*\bresets (\d+)\b")  # blktest's diagnostic line of GETATTR stats
RETRIES = re.compile(r"\bretries (\d+)\b")  # virtio_scsi's: commands sent again after a UNIT ATTENTION
HELD_READ = "# READ of sector 13000: {}"  # blktest's diagnostic line: "512" or the error's name
TIMED_OUT = "timed out"  # err_str(ERR_TIMED_OUT)
GEOMETRY = "# the disk is {}"

MODERN, LEGACY = "disable-legacy=on,disable-modern=off", "disable-legacy=off,disable-modern=on"
# One boot: its name, the driver, the virtio-blk-pci, virtio-scsi-pci or nvme options, what the
# driver's start-up line must say, the reads nbdstall.py holds (None: no NBD server), the SCSI target
# of the scsi-hd, a read-only drive, whether only the long level runs it.
Variant = collections.namedtuple("Variant", "name driver options expect hold target read_only long",
                                 defaults=(None, 0, False, False))
MODERN_MSIX = {"transport": "modern", "irq": "MSI-X"}
NVME, NVME_EXPECT = "serial=warp0", {"xfer": "64", "irq": "MSI-X"}
# Each driver's name prefix, and its modern device as the stall and read-only variants boot it.
PLAIN = {"blk": ("", MODERN, MODERN_MSIX), "scsi": ("scsi ", MODERN, MODERN_MSIX),
         "nvme": ("nvme ", NVME, NVME_EXPECT)}


def plain(driver, what, **kw):
    """Variant `what` of driver on its modern (or only) device."""
    prefix, options, expect = PLAIN[driver]
    return Variant(prefix + what, driver, options, expect, **kw)


TRANSPORTS = [
    Variant("modern", "blk", MODERN, MODERN_MSIX),
    Variant("legacy", "blk", LEGACY, {"transport": "legacy", "irq": "MSI-X"}),
    Variant("transitional INTx", "blk", "vectors=0", {"transport": "modern", "irq": "INTx"}),
    Variant("scsi modern", "scsi", MODERN, MODERN_MSIX),
    Variant("scsi legacy", "scsi", LEGACY, {"transport": "legacy", "irq": "MSI-X"}),
    Variant("scsi transitional INTx", "scsi", "vectors=0", {"transport": "modern", "irq": "INTx"}),
    Variant("scsi target 3", "scsi", MODERN, MODERN_MSIX, target=3),
    Variant("nvme", "nvme", NVME, NVME_EXPECT),
    Variant("nvme mdts 8 KiB", "nvme", "serial=warp0,mdts=1", {"xfer": "8", "irq": "MSI-X"}),
]
# virtio_scsi's reset also runs on the legacy transport (the queue set up again by page frame number,
# the vector registers moved) and with INTx.
SCSI_STALL_TOO = ("scsi legacy", "scsi transitional INTx")
VARIANTS = TRANSPORTS + [plain(driver, "stall", hold=STALL) for driver in PLAIN] + [
    v._replace(name=f"{v.name} stall", hold=STALL) for v in TRANSPORTS if v.name in SCSI_STALL_TOO] + [
    plain(driver, "read-only", read_only=True) for driver in ("blk", "scsi")] + [
    plain(driver, "timeout", hold=TIMEOUT_HOLD, long=True) for driver in PLAIN]
CHECKS = ("verdict", "driver", "deadline", "disk", "restart")
CONC_SECTOR, CONC_LEN, CONC_CALLS = 4096, 4096, 40  # blktest's BT_CONC_*: range i at CONC_SECTOR + 8 i
KILLED = "init: block:0 was killed"


def jobs(ctx):
    for i, v in enumerate(VARIANTS):
        if v.long and not ctx.long:
            continue
        names = [f"blk {v.name}: {check}" for check in CHECKS]
        yield Job(names[0], functools.partial(run_variant, names=names, v=v, forward=(i == 0)), also=names[1:])


def host_pattern(n, seed):
    """Byte i of a host pattern is (i * 13 + seed) mod 256."""
    return bytes((i * 13 + seed) & 0xFF for i in range(n))


def test_pattern(n, tag):
    """What blktest writes with tag (its bt_pattern)."""
    return bytes(((i >> 3) ^ (i * 7) ^ (tag * 31 + 1)) & 0xFF for i in range(n))


def make_disk(path):
    """The raw disk image blktest expects."""
    with open(path, "wb") as f:
        f.truncate(DISK_BYTES)
        f.seek(HOST_OFFSET)
        f.write(host_pattern(HOST_LEN, HOST_SEED))
        f.seek(DISK_BYTES - SECTOR)
        f.write(host_pattern(SECTOR, LAST_SEED))


def blkdebug_config(path):
    """A blkdebug rule: reads that touch BAD_SECTOR fail with EIO (errno 5), every time."""
    with open(path, "w") as f:
        f.write(f'[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "{BAD_SECTOR}"\n')


def drive(tmp, disk, config, hold, read_only):
    """QEMU options of node d0: blkdebug over the file, or over NbdStall serving it and holding the
    reads hold names; the server (or None)."""
    if not hold:
        ro = ",readonly=on" if read_only else ""
        return ["-drive", f"file=blkdebug:{config}:{disk},if=none,id=d0,format=raw{ro}"], None
    sock = os.path.join(tmp, "nbd.sock")
    server = NbdStall(sock, disk, *hold)
    spec = {"driver": "raw", "node-name": "d0", "read-only": read_only,
            "file": {"driver": "blkdebug", "config": config,
                     "image": {"driver": "nbd", "server": {"type": "unix", "path": sock}}}}
    return ["-blockdev", json.dumps(spec)], server


def devices(driver, options, target):
    """QEMU options attaching node d0: a virtio-blk-pci disk, a scsi-hd at target on a virtio-scsi host, or
    namespace 1 of an NVMe controller."""
    if driver == "blk":
        return ["-device", f"virtio-blk-pci,drive=d0,{options}"]
    if driver == "nvme":
        return ["-device", f"nvme,drive=d0,{options}"]
    return ["-device", f"virtio-scsi-pci,id=s0,{options}",
            "-device", f"scsi-hd,drive=d0,bus=s0.0,scsi-id={target},lun=0"]


def run_variant(ctx, names, v, forward):
    """Boots the driver's image with a fresh disk on one transport; returns the TAP lines and the checks."""
    with tempfile.TemporaryDirectory(prefix="warp-blk-") as tmp:
        disk = os.path.join(tmp, "disk.raw")
        config = os.path.join(tmp, "blkdebug.conf")
        make_disk(disk)
        blkdebug_config(config)
        extra, server = drive(tmp, disk, config, v.hold, v.read_only)
        extra += devices(v.driver, v.options, v.target)
        try:
            return boot_variant(ctx, names, v, extra, disk, forward)
        finally:
            if server:
                server.close()


def boot_variant(ctx, names, v, extra, disk, forward):
    """One boot with the QEMU options extra; the TAP lines (if forward) and the checks."""
    image, prefix, size_line, start = DRIVERS[v.driver]
    size_line = size_line.format(target=v.target, **v.expect)
    held = v.hold[1] * v.hold[2] if v.hold else 0
    with Boot(ctx, names[0], ctx.image(image), mem="128M", net=False,
              debug_exit=True, extra=extra) as boot:
        end = boot.wait_for(re.compile(r"^blktest: \d+ passed|" + PANIC), ctx.timeout(TIMEOUT + held))
        status = boot.wait_exit(10 if end is not None and PANIC not in end[1].group(0) else 0)
        lines = boot.all_lines()
        results = guest_results(lines, "blk") if forward else []
        results.append(verdict(boot, names[0], lines, status, end))
        results.append(driver_check(boot, names[1], lines, size_line, start, v))
        results.append(deadline_check(boot, names[2], lines, RESET_LINE.format(prefix=prefix), v))
        results.append(disk_check(boot, names[3], disk, status, v.read_only))
        results.append(restart_check(boot, names[4], lines, size_line))
        return results


def verdict(boot, name, lines, status, end):
    """Passes with QEMU status 1, the summary at 0 failed, and no `not ok` line."""
    summary = next((m for m in (SUMMARY.match(l.text) for l in lines) if m), None)
    failing = [l.text for l in lines if l.text.startswith("not ok")]
    problems = []
    if any(PANIC in l.text for l in lines):
        problems.append("the kernel panicked")
    elif end is None:
        problems.append("no 'blktest: N passed' line in time")
    elif status != QEMU_PASS:
        problems.append(f"QEMU exit status {status} (1 = pass, 3 = fail)")
    if summary is None:
        problems.append("no 'blktest: N passed, M failed' line")
    elif int(summary.group(2)) or not int(summary.group(1)):
        problems.append(summary.group(0))
    if failing:
        problems.append(f"{len(failing)} failing TAP line(s), first: {failing[0]}")
    if problems:
        return boot.fail(name, "; ".join(problems), with_state=False)
    return Result(name, True, notes=[summary.group(0), f"QEMU exited after {boot.elapsed_ms()} ms"])


def driver_check(boot, name, lines, size_line, start, v):
    """The size line, exactly, the start-up line matching start with the expected groups (transport or
    transfer limit, interrupts), and the geometry blktest saw: read-only where (only where) the drive is."""
    texts = [l.text for l in lines]
    line = next((t for t in texts if start.match(t)), None)
    if size_line not in texts:
        return boot.fail(name, f"no '{size_line}' line")
    m = start.match(line) if line else None
    got = {key: m.group(key) for key in v.expect} if m else None
    if got != v.expect:
        return boot.fail(name, f"expected {v.expect}, got: {line}")
    geometry = GEOMETRY.format("read-only" if v.read_only else "writable")
    if geometry not in texts:
        return boot.fail(name, f"no '{geometry}' line from blktest")
    return Result(name, True, notes=[size_line, line, geometry])


def deadline_check(boot, name, lines, reset_line, v):
    """One reset line per read the host held past the deadline (none without), the same count in the
    driver's stats (virtio_scsi: as many commands retried, the one that met each reset's UNIT
    ATTENTION), and blktest's READ of sector 13000 timed out where (only where) the host held it past
    three resets."""
    texts = [l.text for l in lines]
    hold = v.hold
    want = hold[2] if hold else 0
    got = texts.count(reset_line)
    if got != want:
        return boot.fail(name, f"{got} '{reset_line}' lines, expected {want}")
    stats = next((m for m in (STATS.match(t) for t in texts) if m), None)
    if stats is None or int(stats.group(1)) != want:
        return boot.fail(name, f"expected 'resets {want}' in the driver's stats, got: "
                               f"{stats.group(0) if stats else 'no stats line'}")
    retries = RETRIES.search(stats.group(0))
    if v.driver == "scsi" and (retries is None or int(retries.group(1)) != want):
        return boot.fail(name, f"expected 'retries {want}' (each reset's UNIT ATTENTION) in: {stats.group(0)}")
    outcome = HELD_READ.format(TIMED_OUT if hold == TIMEOUT_HOLD else "512")
    if outcome not in texts:
        return boot.fail(name, f"no '{outcome}' line from blktest")
    return Result(name, True, notes=[f"{want} reset(s)", stats.group(0), outcome])


def disk_check(boot, name, disk, status, read_only):
    """blktest's sequential write is in the disk file; the host's pattern outside it is intact. A
    read-only drive's file is exactly as the host made it."""
    if status is None:
        return boot.fail(name, "QEMU did not exit: the disk file may be incomplete")
    if read_only:
        with tempfile.TemporaryDirectory(prefix="warp-blk-") as tmp:
            fresh = os.path.join(tmp, "fresh.raw")
            make_disk(fresh)
            with open(disk, "rb") as f, open(fresh, "rb") as g:
                if f.read() != g.read():
                    return boot.fail(name, "the read-only disk's file changed")
        return Result(name, True, notes=["the read-only disk's file is as the host made it"])
    with open(disk, "rb") as f:
        f.seek(RW_SECTOR * SECTOR)
        written = f.read(RW_LEN)
        f.seek(HOST_OFFSET)
        host = f.read(HOST_LEN)
    if written != test_pattern(RW_LEN, 0xFF):
        return boot.fail(name, "sectors 100..131 of the disk file do not hold blktest's pattern")
    if host != host_pattern(HOST_LEN, HOST_SEED):
        return boot.fail(name, "the host's pattern at 1 MiB changed")
    wrong = [i for i, data in enumerate(kill_ranges(disk))
             if data != test_pattern(CONC_LEN, i + 100 if i % 2 == 0 else i)]
    if wrong:
        return boot.fail(name, f"kill-phase ranges {wrong} do not hold what blktest last wrote")
    return Result(name, True, notes=[f"{RW_LEN} bytes at sector {RW_SECTOR} as written by the guest",
                                     f"the {CONC_CALLS} ranges of the kill phase as last written"])


def kill_ranges(disk):
    """The 40 ranges of blktest's concurrent and kill phases, as the disk file holds them."""
    with open(disk, "rb") as f:
        f.seek(CONC_SECTOR * SECTOR)
        return [f.read(CONC_LEN) for _ in range(CONC_CALLS)]


def restart_check(boot, name, lines, size_line):
    """init killed the driver once, and the driver started and registered again after that."""
    texts = [l.text for l in lines]
    if KILLED not in texts:
        return boot.fail(name, f"no '{KILLED}' line")
    after = texts[texts.index(KILLED):]
    if size_line not in after or "init: block:0 registered service/block:0" not in after:
        return boot.fail(name, "the driver did not start and register again after the kill")
    return Result(name, True, notes=[KILLED, "the driver registered service/block:0 again"])
