#!/usr/bin/env python3
"""tests/fuzz/pgstore_seeds.py: writes the seed corpus of fuzz_pgstore into a directory (one file each).

Usage: tests/fuzz/pgstore_seeds.py OUTDIR

Each seed is an op byte and a piece-size byte (fuzz_pgstore.c) and then the replies PostgreSQL 15
gives to that op's statements, shaped as the store's own queries return them: BEGIN, extended-protocol
results of int8, bytea and text columns, errors, COMMIT and ROLLBACK.
"""

import hashlib
import os
import struct
import sys

OPS = ["open", "acquire", "renew", "release", "lookup", "getattr", "readdir", "read", "write", "create",
       "unlink", "rmdir", "rename"]


def msg(t, body=b""):
    """One backend message: type byte, length, body."""
    return t + struct.pack("!I", len(body) + 4) + body


def ready(tx):
    return msg(b"Z", tx)


def simple(tag, tx):
    """A simple query's completion (BEGIN, COMMIT, ROLLBACK)."""
    return msg(b"C", tag + b"\0") + ready(tx)


def result(rows, tx, ncols=None):
    """ParseComplete, BindComplete, a binary RowDescription, the rows (values as bytes or None), CommandComplete."""
    n = ncols if ncols is not None else (len(rows[0]) if rows else 1)
    desc = struct.pack("!H", n) + b"".join(b"c\0" + struct.pack("!IhIhih", 0, 0, 20, 8, -1, 1) for _ in range(n))
    out = msg(b"1") + msg(b"2") + msg(b"T", desc)
    for row in rows:
        body = struct.pack("!H", len(row))
        for v in row:
            body += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
        out += msg(b"D", body)
    return out + msg(b"C", b"SELECT %d\0" % len(rows)) + ready(tx)


def i8(v):
    return struct.pack("!q", v)


def error(code, tx):
    body = b"SERROR\0VERROR\0C" + code + b"\0Mfailed\0\0"
    return msg(b"E", body) + ready(tx)


def seeds():
    """(name, op, bytes) of each seed."""
    lease_ok = result([[i8(1)]], b"T")
    data = b"0123456789"
    yield "open-new", "open", (simple(b"BEGIN", b"T") + simple(b"CREATE TABLE", b"T") + result([[None]], b"T") +
                               simple(b"INSERT 0 1", b"T") + result([], b"T") + result([[i8(1), None]], b"T") +
                               result([[i8(1), i8(5)]], b"T") + simple(b"COMMIT", b"I"))
    yield "open-newer", "open", (simple(b"BEGIN", b"T") + simple(b"CREATE TABLE", b"T") + result([[i8(9)]], b"T") +
                                 simple(b"ROLLBACK", b"I"))
    yield "acquire", "acquire", result([[i8(1)]], b"I") + result([], b"I")
    yield "lookup", "lookup", result([[i8(2), i8(4), i8(1), i8(0o644), i8(10), i8(5)]], b"I")
    yield "readdir", "readdir", result([[i8(2)]], b"I") + result(
        [[i8(10 + k), i8(4 + k), i8(1), b"name%d" % k] for k in range(5)], b"I")
    yield "read", "read", result([[i8(1), hashlib.sha256(data).digest(), data]], b"I")
    yield "read-hole", "read", result([[i8(1), None, None]], b"I")
    yield "write", "write", (simple(b"BEGIN", b"T") + lease_ok + result([[i8(1)]], b"T") + result([], b"T", 1) +
                             result([], b"T", 0) + result([], b"T", 0) + simple(b"COMMIT", b"I"))
    yield "write-error", "write", (simple(b"BEGIN", b"T") + lease_ok + result([[i8(1)]], b"T") +
                                   error(b"53100", b"E") + simple(b"ROLLBACK", b"I"))
    yield "create", "create", (simple(b"BEGIN", b"T") + lease_ok + result([[i8(2), None, None, i8(0)]], b"T") +
                               result([[i8(7), i8(1), i8(0o644), i8(0), i8(5)]], b"T") + simple(b"COMMIT", b"I"))
    yield "rename", "rename", (simple(b"BEGIN", b"T") + lease_ok + result([[i8(2), i8(4), i8(2), i8(0)]], b"T") +
                               result([[i8(2), i8(5), i8(2), i8(0)]], b"T") + result([[i8(0)]], b"T") +
                               result([], b"T", 0) + result([], b"T", 0) + simple(b"COMMIT", b"I"))
    yield "unlink-fatal", "unlink", simple(b"BEGIN", b"T") + msg(b"E", b"SFATAL\0C57P01\0Mshutdown\0\0")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, op, body in seeds():
        for piece in (0, 7):
            with open(os.path.join(out, f"{name}-{piece}"), "wb") as f:
                f.write(bytes([OPS.index(op), piece]) + body)


if __name__ == "__main__":
    main()
