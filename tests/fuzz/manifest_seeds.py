#!/usr/bin/env python3
"""tests/fuzz/manifest_seeds.py: writes the seed corpus of fuzz_manifest into a directory (one file each).

Usage: tests/fuzz/manifest_seeds.py OUTDIR

The seeds are every *.manifest file in the tree (the manifests init really reads) and a few small
ones with what the parser refuses or tolerates: each error kind, CRLF line ends, tabs, comments,
devices lists, the access keys (uses, ports, admin) with their errors, too many services, a line of
more than 256 bytes, no final newline.
"""

import hashlib
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SKIP_DIRS = {".git", "build"}

SMALL = [
    b"[service a]\nbinary = bin/a\n",
    b"[service a]\r\nbinary=bin/a\r\ninitfs = yes\r\non_exit = shutdown\r\nrestart = always\r\n",
    b"\t[service  x.y_z-1 ]\t\n\tbinary\t=\tbin/x # comment\n; semicolon comment\n",
    b"[service d]\nbinary = bin/d\ndevices = pci:1af4:1000 pci-class:020000 pci:ffff:1041 pci:8086:100e\n",
    b"[service d]\nbinary = bin/d\ndevices = pci:1af4:1000 pci:1af4:1000 pci:1af4:1000 pci:1af4:1000 "
    b"pci:1af4:1000\n",
    b"[service d]\nbinary = bin/d\ndevices = pci:1af4:10000 pci-class:02000 pci:xyzw:1000\n",
    b"[service a]\nbinary = bin/a\n[service a]\nbinary = bin/b\n",
    b"[service a]\nrestart = sometimes\non_exit = later\ninitfs = maybe\ncolour = blue\n",
    b"[service a]\nbinary = bin/a\nbinary = bin/b\nbinary =\n",
    b"binary = outside\n[daemon a]\nbinary = bin/a\n[service]\n[service bad/name]\n[service a\n",
    b"[service a]\nbinary = bin/a b\nnot an assignment\n",
    b"[service a]\nbinary = bin/" + b"p" * 120 + b"\n",
    b"[service a]\nbinary = bin/a\n# " + b"c" * 300 + b"\n",
    b"[service a]\nbinary = bin/a\x01\n",
    b"[service " + b"n" * 40 + b"]\nbinary = bin/a\n",
    b"".join(b"[service s%d]\nbinary = bin/s%d\n" % (i, i) for i in range(20)),
    b"[service a]\nbinary = bin/a",
    b"[service a]\nbinary = bin/a\nuses = b c\nports = 80 8080\nadmin = yes\n[service b]\nbinary = bin/b\n"
    b"[service c]\nbinary = bin/c\nuses = a\n",
    b"[service a]\nbinary = bin/a\nuses = nosuch\n[service b]\nbinary = bin/b\nuses = a\n",
    b"[service a]\nbinary = bin/a\nports = 0 65536 080 80 80\nadmin = maybe\nuses = a a\n",
    b"[service a]\nbinary = bin/a\nports = 1 2 3 4 5 6 7 8 9\nuses =\nadmin = no\nadmin = no\n",
]


def tree_manifests():
    """Every *.manifest file under the top directory, build outputs and .git left out."""
    found = []
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found += [os.path.join(top, f) for f in sorted(files) if f.endswith(".manifest")]
    return found


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__.splitlines()[2])
    out = argv[0]
    os.makedirs(out, exist_ok=True)
    seeds = list(SMALL)
    paths = tree_manifests()
    for path in paths:
        with open(path, "rb") as f:
            seeds.append(f.read())
    for seed in seeds:
        with open(os.path.join(out, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
    print(f"manifest_seeds: {len(seeds)} seeds ({len(paths)} manifests of the tree) in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
