"""tests/e2e/case_fs.py: warp-fs.iso serves an ext4 image the host made at /disk0, and fstest checks it.

The image runs tests/fstest/fs-test.manifest: the virtio_blk driver (service/block:0), the file system
server fs (service/fs: the disk's ext4 at /disk0, read-only, and a tmpfs at /tmp) and fstest, which
checks every call of the protocol (libs/proto/include/warp/proto/fs.h) on both mounts and powers the
machine off with its verdict. Each boot gets a disk made here with `mke2fs -t ext4 -d TREE` from a
tree written at test time (the files, modes and symlinks tests/fstest/main.c expects). Variants:

  mounted   the image as made: fs logs its start line naming /disk0, fstest passes every check
            (its TAP lines are forwarded as results of their own); init kills the disk driver
            at fstest's request and fs reads on through the restarted one
  refused   the same image with the journal's needs_recovery flag set (debugfs): fs logs one line
            naming ext4's reason and serves /tmp alone; fstest finds /disk0 absent and passes the rest
"""

import functools
import os
import re
import subprocess
import tempfile

from harness import Boot, Result, Job, guest_results, skipped

GROUP = "fs"
TIMEOUT = 90
QEMU_PASS = 1
PANIC = "KERNEL PANIC"
SUMMARY = re.compile(r"^fstest: (\d+) passed, (\d+) failed")
START = re.compile(r"^fs: serving (.*); page cache (\d+) MiB")
REFUSED = "fs: /disk0 not mounted: ext4 refused the disk (not supported): the journal needs recovery (needs_recovery)"
BIG_LEN = 300000  # as in tests/fstest/main.c
FAR_LEN = 4 << 20
MANY = 50

# (variant, set needs_recovery, what the start line must say is served)
VARIANTS = [
    ("mounted", False, "/disk0 (ext4, read-only), /tmp (tmpfs, 16 MiB)"),
    ("refused", True, "/tmp (tmpfs, 16 MiB)"),
]
CHECKS = ("verdict", "server")


def jobs(ctx):
    for i, (variant, refuse, served) in enumerate(VARIANTS):
        names = [f"fs {variant}: {check}" for check in CHECKS]
        yield Job(names[0], functools.partial(run_variant, names=names, refuse=refuse, served=served,
                                              forward=(i == 0)), also=names[1:])


def big_byte(i):
    """Byte i of big.bin (fstest's ft_big_byte)."""
    return (i * 13 + 7 + (i >> 16)) & 0xFF


def make_tree(root):
    """The tree fstest expects, under root (the image's root directory, mode 0755)."""
    os.chmod(root, 0o755)

    def write(path, data, mode=0o644):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, mode)

    write("hello.txt", b"hello from the host\n")
    write("big.bin", bytes(big_byte(i) for i in range(BIG_LEN)))
    write("far.bin", bytes(big_byte(i) for i in range(FAR_LEN)))
    write("secret", b"secret\n", 0o600)
    write("private/x", b"x\n")
    os.chmod(os.path.join(root, "private"), 0o700)
    write("dir/sub/deep/leaf.txt", b"leaf\n")
    for i in range(MANY):
        write(f"many/entry-{i:02d}", b"")
    write("n" * 255, b"long\n")
    for link, target in (("rel", "hello.txt"), ("abs", "/dir/sub/deep/leaf.txt"),
                         ("climb", "../../../hello.txt"), ("loop1", "loop2"), ("loop2", "loop1"),
                         ("dirlink", "dir/sub")):
        os.symlink(target, os.path.join(root, link))


def make_disk(tmp, refuse):
    """A 16 MiB ext4 image of the tree (needs_recovery set if refuse); its path, or None without mke2fs."""
    tree = os.path.join(tmp, "tree")
    os.mkdir(tree)
    make_tree(tree)
    disk = os.path.join(tmp, "disk.img")
    try:
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree, disk, "16M"],
                       check=True, capture_output=True)
        if refuse:
            subprocess.run(["debugfs", "-w", "-R", "feature needs_recovery", disk], check=True,
                           capture_output=True)
    except FileNotFoundError:
        return None
    return disk


def run_variant(ctx, names, refuse, served, forward):
    """Boots warp-fs.iso with a fresh image on a virtio-blk disk; the TAP lines and the checks."""
    with tempfile.TemporaryDirectory(prefix="warp-fs-") as tmp:
        disk = make_disk(tmp, refuse)
        if disk is None:
            return [skipped(name, "no mke2fs/debugfs (e2fsprogs; tools/setup installs it)") for name in names]
        extra = ["-drive", f"file={disk},if=none,id=d0,format=raw",
                 "-device", "virtio-blk-pci,drive=d0,disable-legacy=on,disable-modern=off"]
        with Boot(ctx, names[0], ctx.image("warp-fs.iso"), mem="128M", net=False,
                  debug_exit=True, extra=extra) as boot:
            end = boot.wait_for(re.compile(r"^fstest: \d+ passed|" + PANIC), ctx.timeout(TIMEOUT))
            status = boot.wait_exit(10 if end is not None and PANIC not in end[1].group(0) else 0)
            lines = boot.all_lines()
            results = guest_results(lines, "fs") if forward else []
            results.append(verdict(boot, names[0], lines, status, end, refuse))
            results.append(server_check(boot, names[1], lines, refuse, served))
            return results


def verdict(boot, name, lines, status, end, refuse):
    """Passes with QEMU status 1, the summary at 0 failed, no `not ok` line, and /disk0 present or
    absent as the variant wants."""
    texts = [l.text for l in lines]
    summary = next((m for m in (SUMMARY.match(t) for t in texts) if m), None)
    failing = [t for t in texts if t.startswith("not ok")]
    absent = any(t.endswith("- /disk0 is absent") and t.startswith("ok") for t in texts)
    problems = []
    if any(PANIC in t for t in texts):
        problems.append("the kernel panicked")
    elif end is None:
        problems.append("no 'fstest: N passed' line in time")
    elif status != QEMU_PASS:
        problems.append(f"QEMU exit status {status} (1 = pass, 3 = fail)")
    if summary is None:
        problems.append("no 'fstest: N passed, M failed' line")
    elif int(summary.group(2)) or not int(summary.group(1)):
        problems.append(summary.group(0))
    if failing:
        problems.append(f"{len(failing)} failing TAP line(s), first: {failing[0]}")
    if absent != refuse:
        problems.append("fstest found /disk0 " + ("mounted" if refuse else "absent"))
    if problems:
        return boot.fail(name, "; ".join(problems), with_state=False)
    return Result(name, True, notes=[summary.group(0), f"QEMU exited after {boot.elapsed_ms()} ms"])


def server_check(boot, name, lines, refuse, served):
    """fs's start line names what it serves; the refused variant has the one line saying why."""
    texts = [l.text for l in lines]
    start = next((m for m in (START.match(t) for t in texts) if m), None)
    if start is None:
        return boot.fail(name, "no 'fs: serving ...' line")
    if start.group(1) != served:
        return boot.fail(name, f"fs serves '{start.group(1)}', expected '{served}'")
    if refuse != (REFUSED in texts):
        return boot.fail(name, f"'{REFUSED}' " + ("missing" if refuse else "logged for a good image"))
    notes = [start.group(0)] + ([REFUSED] if refuse else [])
    return Result(name, True, notes=notes)
