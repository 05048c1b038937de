#!/usr/bin/env python3
"""tests/fuzz/pg_seeds.py: writes the seed corpus of fuzz_pg into a directory (one file each).

Usage: tests/fuzz/pg_seeds.py OUTDIR

Each seed is a state byte and a piece-size byte (fuzz_pg.c) and then server bytes shaped as
PostgreSQL 15 sends them: trust, md5 and SCRAM logins (the SCRAM server-first extends the nonce
fuzz_pg's counting random source makes), results of both protocols, errors and notices. Replies
captured from the real server by the last `make pg-test` (tests/pgtest/pgcheck with
PGCHECK_CAPTURE, kept in OUTDIR/../../pg-captured) are added as they are, in the authentication
state.
"""

import glob
import hashlib
import os
import struct
import sys


def msg(t, body=b""):
    """One backend message: type byte, length, body."""
    return t + struct.pack("!I", len(body) + 4) + body


def auth(code, rest=b""):
    return msg(b"R", struct.pack("!I", code) + rest)


def error(sev, code, text, detail=None):
    body = b"S" + sev + b"\0V" + sev + b"\0C" + code + b"\0M" + text + b"\0"
    if detail:
        body += b"D" + detail + b"\0"
    return msg(b"E", body + b"\0")


def column(name, oid, typlen, fmt):
    return name + b"\0" + struct.pack("!IhIhih", 16384, 1, oid, typlen, -1, fmt)


def row(*values):
    body = struct.pack("!h", len(values))
    for v in values:
        body += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
    return msg(b"D", body)


STARTED = (msg(b"S", b"server_version\x0015.18\0") + msg(b"S", b"client_encoding\0UTF8\0")
           + msg(b"K", struct.pack("!II", 4242, 99)) + msg(b"Z", b"I"))
NONCE = b"AAECAwQFBgcICQoLDA0ODxAR"  # base64 of bytes 0..17, fuzz_pg's random source
RESULT = (msg(b"1") + msg(b"2") + msg(b"T", struct.pack("!h", 3) + column(b"id", 20, 8, 1)
          + column(b"name", 25, -1, 1) + column(b"data", 17, -1, 1))
          + row(struct.pack("!q", 1), b"empty", b"") + row(struct.pack("!q", 3), b"all", bytes(range(256)))
          + row(struct.pack("!q", 4), None, b"\0") + msg(b"C", b"SELECT 3\0") + msg(b"Z", b"T"))
SIMPLE = (msg(b"T", struct.pack("!h", 1) + column(b"?column?", 23, 4, 0)) + row(b"1")
          + msg(b"C", b"SELECT 1\0") + msg(b"T", struct.pack("!h", 1) + column(b"?column?", 23, 4, 0))
          + row(b"2") + msg(b"C", b"SELECT 1\0") + msg(b"Z", b"I"))
SEEDS = [
    bytes([0, 0]) + auth(0) + STARTED,
    bytes([0, 7]) + auth(5, b"\x01\x02\x03\x04") + auth(0) + STARTED,
    bytes([0, 0]) + auth(10, b"SCRAM-SHA-256\0\0")
    + auth(11, b"r=" + NONCE + b"srvpart,s=c2FsdHNhbHQ=,i=16")
    + auth(12, b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
    bytes([0, 3]) + auth(3) + error(b"FATAL", b"28P01", b'password authentication failed for user "fuzz"'),
    bytes([2, 0]) + msg(b"1") + msg(b"2") + msg(b"n") + msg(b"C", b"INSERT 0 1\0") + msg(b"Z", b"T"),
    bytes([2, 13]) + RESULT,
    bytes([2, 0]) + msg(b"1") + msg(b"t", struct.pack("!hI", 1, 20)) + msg(b"n") + msg(b"I") + msg(b"Z", b"I"),
    bytes([3, 0]) + SIMPLE,
    bytes([3, 1]) + msg(b"N", b"SNOTICE\0C00000\0Mhi\0\0")
    + error(b"ERROR", b"23505", b"duplicate key value violates unique constraint", b"Key (id)=(1) exists.")
    + msg(b"Z", b"E"),
    bytes([3, 0]) + error(b"FATAL", b"57P01", b"terminating connection due to administrator command"),
    bytes([1, 0]) + msg(b"S", b"TimeZone\0UTC\0") + msg(b"A", struct.pack("!I", 1) + b"chan\0payload\0"),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    captured = sorted(glob.glob(os.path.join(out, "..", "..", "pg-captured", "*.bin")))
    seeds = SEEDS + [bytes([0, 0]) + open(p, "rb").read() for p in captured]
    for s in seeds:
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print(f"{len(seeds)} seeds ({len(captured)} captured from PostgreSQL)")


if __name__ == "__main__":
    main()
