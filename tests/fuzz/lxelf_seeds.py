#!/usr/bin/env python3
"""tests/fuzz/lxelf_seeds.py: writes the seed corpus of fuzz_lxelf into a directory (one file each).

Usage: tests/fuzz/lxelf_seeds.py OUTDIR

The seeds are small ELF64 x86-64 binaries made here (an ET_EXEC with the four segments of a static
musl binary, its static-PIE form, one whose segments share a page, one with PT_INTERP, and cut-short
copies), plus the static Linux test programs of build/linuxbin/ when they are built.
"""

import hashlib
import os
import struct
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def elf(etype, loads, entry, extra=()):
    """An ELF image: header, program headers (PT_LOAD per (off, va, filesz, memsz, flags), then
    extra (type, ...) tuples), file bytes up to the last segment's end."""
    phdrs = [(1, flags, off, va, va, fsz, msz, 4096) for off, va, fsz, msz, flags in loads] + list(extra)
    ident = b"\x7fELF\x02\x01\x01" + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", etype, 62, 1, entry, 64, 0, 0, 64, 56, len(phdrs), 0, 0, 0)
    body = b"".join(struct.pack("<IIQQQQQQ", *p) for p in phdrs)
    size = max([off + fsz for off, _, fsz, _, _ in loads] + [len(header) + len(body)])
    image = bytearray(size)
    image[:len(header) + len(body)] = header + body
    return bytes(image)


def seeds():
    """Every seed's bytes."""
    typical = [(0, 0x400000, 0x200, 0x200, 4), (0x1000, 0x401000, 0x800, 0x800, 5),
               (0x2000, 0x402000, 0x100, 0x100, 4), (0x2f00, 0x403f00, 0x100, 0x2000, 6)]
    pie = [(off, va - 0x400000, fsz, msz, fl) for off, va, fsz, msz, fl in typical]
    out = [elf(2, typical, 0x401010), elf(3, pie, 0x1010),
           elf(2, [(0, 0x400000, 0x1100, 0x1100, 4), (0x1100, 0x401100, 0x1000, 0x1000, 5)], 0x401800),
           elf(2, typical, 0x401010, [(3, 4, 0x200, 0x400200, 0x400200, 0x1c, 0x1c, 1)])]
    out += [out[0][:n] for n in (0, 16, 63, 64, 120, 300)]
    bins = os.path.join(ROOT, "build", "linuxbin")
    if os.path.isdir(bins):
        for name in sorted(os.listdir(bins)):
            path = os.path.join(bins, name)
            if os.path.isfile(path) and os.path.getsize(path) <= 65536:
                with open(path, "rb") as f:
                    out.append(f.read())
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for data in seeds():
        with open(os.path.join(outdir, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
