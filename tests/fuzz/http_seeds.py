#!/usr/bin/env python3
"""tests/fuzz/http_seeds.py: writes the seed corpus of fuzz_http into a directory (one file each).

Usage: tests/fuzz/http_seeds.py OUTDIR

Each seed is one byte that tells fuzz_http how to cut the input into pieces (and, with its top bit,
to allow uploads), then a stream of requests: good ones (pipelined too), one of every kind the
parser refuses, and PUTs and DELETEs.
"""

import hashlib
import os
import sys

H = b"Host: warp\r\n"
REQUESTS = [
    b"GET / HTTP/1.1\r\n" + H + b"\r\n",
    b"HEAD /style.css HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n",
    b"GET /large.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET /a%20b/./c//d?x=1 HTTP/1.1\r\n" + H + b"Accept: */*\r\nUser-Agent: curl/7.88.1\r\n\r\n",
    b"GET http://warp:80/logo.svg HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /f.bin HTTP/1.1\r\n" + H + b"If-None-Match: W/\"a\", \"1-0-64-2ebc5aa1.0\"\r\n"
    b"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
    b"GET /f.bin HTTP/1.1\r\n" + H + b"Range: bytes=10-19\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
    b"HEAD /f.bin HTTP/1.1\r\n" + H + b"Range: bytes=-5\r\nIf-None-Match: *\r\n\r\n",
    b"\r\nGET / HTTP/1.1\nHost: w\n\n",
    b"GET / HTTP/1.1\r\n" + H + b"\r\nGET /robots.txt HTTP/1.1\r\n" + H + b"\r\n"
    b"HEAD / HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Content-Length: 0\r\nConnection: upgrade, keep-alive\r\n\r\n",
    # refused: 400
    b"GET  / HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : w\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
    b"GET /%2e%2e/etc/passwd HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /a\\b HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /a%00 HTTP/1.1\r\n" + H + b"\r\n",
    b"GET /%zz HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X: \x01\r\n\r\n",
    # 405, 413, 414, 431, 501, 505
    b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello",
    b"GET / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /" + b"x" * 2100 + b" HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"X: " + b"v" * 8200 + b"\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\n" + H + b"\r\n",
    b"GET / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip, chunked\r\n\r\n",
    b"GET / HTTP/2.0\r\n" + H + b"\r\n",
]
# With uploads allowed (the first byte's top bit): PUT and DELETE under the prefix, with a token.
A = b"Authorization: Bearer 0123456789abcdef\r\n"
UPLOADS = [
    b"PUT /u/a/b.txt HTTP/1.1\r\n" + H + A + b"Content-Length: 5\r\n\r\nhelloGET /u/a/b.txt HTTP/1.1\r\n" + H + b"\r\n",
    b"PUT /u/e HTTP/1.1\r\n" + H + A + b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\nhi",
    b"DELETE /u/a/b.txt HTTP/1.1\r\n" + H + A + b"\r\n",
    b"PUT /u/c HTTP/1.1\r\n" + H + A + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"PUT /u/%2e%2e/x HTTP/1.1\r\n" + H + b"Authorization: Basic dTpw\r\nContent-Length: 1\r\n\r\nx",
]
PIECES = [0, 1, 7, 64]  # the first byte: 0 = whole, n = n-byte pieces; | 0x80: uploads allowed


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__.splitlines()[2])
    out = argv[0]
    os.makedirs(out, exist_ok=True)
    count = 0
    for i, request in enumerate(REQUESTS):
        seed = bytes([PIECES[i % len(PIECES)]]) + request
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(seed)
        count += 1
    for i, request in enumerate(UPLOADS):
        seed = bytes([0x80 | PIECES[i % len(PIECES)]]) + request
        with open(os.path.join(out, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
        count += 1
    print(f"http_seeds: {count} seeds in {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
