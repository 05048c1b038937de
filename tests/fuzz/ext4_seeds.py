#!/usr/bin/env python3
"""tests/fuzz/ext4_seeds.py: writes the seed corpus of fuzz_ext4: small ext4 images mke2fs makes now.

Usage: tests/fuzz/ext4_seeds.py OUTDIR

Each image (1 KiB blocks, 16 inodes, no journal) holds a file, a directory with a multi-block file
and 40 hard links to the file (3 blocks of entries), a fast and a slow symlink; one has 64bit and
metadata_csum (e2fsck -D makes the directory an htree, so its index root carries a dx_tail), one
neither, one gdt_csum (uninit_bg: crc16 group descriptor checksums). Images are written
without their trailing zeros (fuzz_ext4 reads past the input as zeros), so they fit the harness's
65536-byte max_len. A fourth seed is a GPT disk (sgdisk) with one Linux partition and another one,
for the partition finder.
"""

import os
import subprocess
import sys
import tempfile

OPTIONS = [
    "^has_journal,^resize_inode,metadata_csum,64bit",
    "^has_journal,^resize_inode,^metadata_csum,^64bit",
    "^has_journal,^resize_inode,^metadata_csum,^64bit,uninit_bg",
]


def make_tree(top):
    """The files every image holds."""
    os.makedirs(os.path.join(top, "d"))
    with open(os.path.join(top, "f"), "w") as f:
        f.write("hello\n")
    with open(os.path.join(top, "d", "m"), "w") as f:
        f.write("q" * 5000)
    os.symlink("f", os.path.join(top, "l"))
    os.symlink("d/../" * 15 + "f", os.path.join(top, "sl"))
    for i in range(40):  # hard links: no inode each, but d/ spans 3 blocks
        os.link(os.path.join(top, "f"), os.path.join(top, "d", "%02d" % i + "-" * 40))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        make_tree(src)
        for i, opts in enumerate(OPTIONS):
            img = os.path.join(tmp, "img")
            subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-N", "16", "-I", "128", "-O", opts,
                            "-d", src, img, "64K"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if "^metadata_csum" not in opts:
                os.truncate(img, 65536)  # mke2fs leaves the unwritten end out; e2fsck wants it
                fsck = subprocess.run(["e2fsck", "-fyD", img], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if fsck.returncode > 1:
                    sys.exit(f"ext4_seeds.py: e2fsck -fyD failed on image {i} ({fsck.returncode})")
            with open(img, "rb") as f:
                data = f.read().rstrip(b"\0")
            with open(os.path.join(out, f"image{i}"), "wb") as f:
                f.write(data)
        disk = os.path.join(tmp, "disk")
        with open(disk, "wb") as f:
            f.truncate(1 << 20)
        subprocess.run(["sgdisk", "-n", "1:40:100", "-t", "1:ef00", "-n", "2:101:2000", "-t", "2:8300", disk],
                       check=True, stdout=subprocess.DEVNULL)
        with open(disk, "rb") as f:
            data = f.read(65536).rstrip(b"\0")
        with open(os.path.join(out, "gpt"), "wb") as f:
            f.write(data)


main()
