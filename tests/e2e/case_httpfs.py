#!/usr/bin/env python3
"""tests/e2e/case_httpfs.py: http_server's files from service/fs, on the host (no QEMU).

`make http-host` builds build/host/http_host: conn.c, http.c, cond.c and the fs client (fsroot.c,
fsfile.c) over real sockets, with stand-ins for tcpip, init and service/fs; the fs stand-in serves a
directory through the same protocol messages (servers/http_server/host/http_host.c). This group
builds it, makes a document root (files of 0 B, 1 B, 4 KiB, 100 KiB, 5 MiB and 200 MiB, index
pages, a file others may not read, one file per media type), runs http_host on it and checks from
real clients: byte-identical GETs (sha256), index.html, 301, 404, 403, HEAD, ETag/If-None-Match and
If-Modified-Since with 304, Range (206 at the start, middle, suffix and open-ended; 416), the
Content-Types, a 200 MiB file streamed while the server's RSS stays bounded, 48 parallel downloads
(more streams than get chunk buffers), an fs restart in the
middle of a stream (the client sees a prefix of the file, never other bytes; the next request is
served by the reopened session), and without service/fs the embedded page and the initfs.
The booted image's fallback (no disk) is checked by the http group (case_http.py).
"""

import email.utils
import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
from harness import ROOT, Job, Result

GROUP = "httpfs"
START_TIMEOUT = 10      # seconds for http_host to listen
BIG_MIB = 200           # the streamed file
RSS_SLACK_MIB = 48      # how far the server's RSS may grow while it streams BIG_MIB
SIZES = {"empty.bin": 0, "one.txt": 1, "four.bin": 4096, "r100k.bin": 100 * 1024, "r5m.bin": 5 * 1024 * 1024}
TYPES = {
    "t.html": "text/html; charset=utf-8", "t.css": "text/css; charset=utf-8",
    "t.js": "text/javascript; charset=utf-8", "t.json": "application/json",
    "t.txt": "text/plain; charset=utf-8", "t.png": "image/png", "t.jpg": "image/jpeg",
    "t.jpeg": "image/jpeg", "t.gif": "image/gif", "t.svg": "image/svg+xml", "t.ico": "image/x-icon",
    "t.webp": "image/webp", "t.wasm": "application/wasm", "t.pdf": "application/pdf",
    "t.xml": "application/xml", "t.mp4": "video/mp4", "t.woff2": "font/woff2",
    "t.unknownext": "application/octet-stream", "noext": "application/octet-stream",
}
NAMES = [
    "httpfs: http_host builds and serves the directory through the fs stand-in",
    "httpfs: GETs are byte-identical (0 B, 1 B, 4 KiB, 100 KiB, 5 MiB)",
    "httpfs: index.html for / and /sub/",
    "httpfs: 301 for a directory without its slash",
    "httpfs: 404 for missing names, a file used as a directory, a directory without index.html",
    "httpfs: 403 for a file others may not read",
    "httpfs: HEAD has the GET's head and no body",
    "httpfs: ETag and If-None-Match give 304",
    "httpfs: If-Modified-Since gives 304",
    "httpfs: Range gives 206 (start, middle, suffix, open-ended)",
    "httpfs: unsatisfiable Range gives 416",
    "httpfs: Content-Type by extension",
    f"httpfs: a {BIG_MIB} MiB file streams with bounded memory",
    "httpfs: 48 parallel downloads of 5 MiB (more streams than have chunk buffers) are byte-identical",
    "httpfs: fs restarting mid-stream cuts the body, never corrupts it; the session reopens",
    "httpfs: without service/fs the embedded page and the initfs are served",
]


def jobs(ctx):
    yield Job(NAMES[0], suite, also=NAMES[1:])


# --- set-up ---

def make_root(root):
    """The document root; returns {name: bytes} of the small files."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(root, "noindex"))
    files = {n: os.urandom(size) for n, size in SIZES.items()}
    files["index.html"] = b"<p>the disk's index</p>\n"
    files["sub/index.html"] = b"<p>sub's index</p>\n"
    for name in TYPES:
        files[name] = name.encode()
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    with open(os.path.join(root, "secret.txt"), "wb") as f:
        f.write(b"not for others\n")
    os.chmod(os.path.join(root, "secret.txt"), 0o600)
    os.chmod(root, 0o755)
    return files


def make_big(path):
    """BIG_MIB MiB whose every MiB differs (its index in its first bytes); returns its sha256."""
    block = bytearray(os.urandom(1 << 20))
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for i in range(BIG_MIB):
            block[0:8] = i.to_bytes(8, "little")
            f.write(block)
            h.update(block)
    return h.hexdigest()


class Server:
    """http_host on a free port; its output goes to a log file."""

    def __init__(self, ctx, docroot, log):
        self.binary = os.path.join(ctx.build, "host", "http_host")
        self.initfs = os.path.join(ctx.build, "initfs-boot.tar")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.log_path = log
        argv = [self.binary, self.initfs, str(self.port)] + ([docroot] if docroot else [])
        self.log = open(log, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while "listening" not in self.output() and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.05)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def get(port, path, method="GET", headers=None, conn=None):
    """One request (on conn if given); returns (status, headers dict lower-cased, body)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    if not conn:
        c.close()
    return r.status, hdrs, body


def check(name, problems, notes=None):
    return Result(name, not problems, reason="; ".join(problems), notes=notes or [])


# --- the checks ---

def check_files(port, files):
    problems = []
    for name in SIZES:
        st, h, body = get(port, "/" + name)
        want = hashlib.sha256(files[name]).hexdigest()
        got = hashlib.sha256(body).hexdigest()
        if st != 200 or got != want or h.get("content-length") != str(len(files[name])):
            problems.append(f"/{name}: {st}, {len(body)} bytes, sha256 {got[:12]} (want {want[:12]})")
    return check(NAMES[1], problems)


def check_index(port, files):
    problems = []
    for path, name in (("/", "index.html"), ("/sub/", "sub/index.html"), ("/index.html", "index.html")):
        st, h, body = get(port, path)
        if st != 200 or body != files[name] or not h.get("content-type", "").startswith("text/html"):
            problems.append(f"{path}: {st} {body[:30]!r}")
    return check(NAMES[2], problems)


def check_redirect(port):
    problems = []
    for path, want in (("/sub", "/sub/"), ("/noindex", "/noindex/"), ("/sub?x=1", "/sub/")):
        st, h, _ = get(port, path)
        if st != 301 or h.get("location") != want:
            problems.append(f"{path}: {st} Location {h.get('location')!r}")
    st, h, body = get(port, "/sub", method="HEAD")
    if st != 301 or body:
        problems.append(f"HEAD /sub: {st}, {len(body)} body bytes")
    return check(NAMES[3], problems)


def check_404(port):
    problems = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in ("/missing", "/sub/missing.html", "/one.txt/child", "/noindex/", "/no/such/dir/"):
        st, _, body = get(port, path, conn=conn)
        if st != 404 or not body.startswith(b"404"):
            problems.append(f"{path}: {st}")
    st, _, _ = get(port, "/one.txt", conn=conn)  # the connection still works after the errors
    if st != 200:
        problems.append(f"after the 404s on one connection: {st}")
    conn.close()
    return check(NAMES[4], problems)


def check_403(port):
    st, _, body = get(port, "/secret.txt")
    return check(NAMES[5], [] if st == 403 and body.startswith(b"403") else [f"{st} {body[:20]!r}"])


def check_head(port, files):
    problems = []
    for name in ("r5m.bin", "empty.bin", "four.bin"):
        g_st, g_h, _ = get(port, "/" + name)
        h_st, h_h, body = get(port, "/" + name, method="HEAD")
        if h_st != 200 or body or h_h != g_h:
            problems.append(f"/{name}: HEAD {h_st}, {len(body)} body bytes, head {'same' if h_h == g_h else 'differs'}")
    return check(NAMES[6], problems)


def check_etag(port):
    problems = []
    _, h, _ = get(port, "/four.bin")
    etag = h.get("etag", "")
    if not (etag.startswith('"') and etag.endswith('"') and len(etag) > 2):
        return check(NAMES[7], [f"ETag {etag!r}"])
    _, h2, _ = get(port, "/r100k.bin")
    if h2.get("etag") == etag:
        problems.append("two files share an ETag")
    cases = [(etag, 304), ("W/" + etag, 304), (f'"nope", {etag}', 304), ("*", 304), ('"nope"', 200),
             (etag[:-1] + 'x"', 200)]
    for value, want in cases:
        st, h, body = get(port, "/four.bin", headers={"If-None-Match": value})
        if st != want or (st == 304 and (body or h.get("etag") != etag)):
            problems.append(f"If-None-Match {value}: {st} (want {want})")
    st, _, _ = get(port, "/four.bin", method="HEAD", headers={"If-None-Match": etag})
    if st != 304:
        problems.append(f"HEAD with a matching If-None-Match: {st}")
    return check(NAMES[7], problems, [f"ETag {etag}"])


def check_ims(port, root):
    problems = []
    _, h, _ = get(port, "/four.bin")
    lm = h.get("last-modified", "")
    mtime = int(os.stat(os.path.join(root, "four.bin")).st_mtime)
    if lm != email.utils.formatdate(mtime, usegmt=True):
        problems.append(f"Last-Modified {lm!r}, file mtime {email.utils.formatdate(mtime, usegmt=True)}")
    later = email.utils.formatdate(mtime + 3600, usegmt=True)
    earlier = email.utils.formatdate(mtime - 1, usegmt=True)
    for value, extra, want in ((lm, {}, 304), (later, {}, 304), (earlier, {}, 200), ("garbage", {}, 200),
                               (lm, {"If-None-Match": '"other"'}, 200)):
        st, _, _ = get(port, "/four.bin", headers=dict(extra, **{"If-Modified-Since": value}))
        if st != want:
            problems.append(f"If-Modified-Since {value} {extra}: {st} (want {want})")
    return check(NAMES[8], problems)


def check_range(port, files):
    problems = []
    data = files["r5m.bin"]
    n = len(data)
    cases = [("bytes=0-99", 0, 99), ("bytes=1000000-1999999", 1000000, 1999999), ("bytes=-500", n - 500, n - 1),
             ("bytes=4000000-", 4000000, n - 1), ("bytes=7000-7100", 7000, 7100), ("bytes=0-", 0, n - 1),
             ("bytes=5-9999999999", 5, n - 1)]
    for value, first, last in cases:
        st, h, body = get(port, "/r5m.bin", headers={"Range": value})
        if st != 206 or body != data[first:last + 1] or h.get("content-range") != f"bytes {first}-{last}/{n}":
            problems.append(f"{value}: {st}, {len(body)} bytes, Content-Range {h.get('content-range')!r}")
    st, h, body = get(port, "/one.txt", headers={"Range": "bytes=0-0"})
    if st != 206 or body != files["one.txt"]:
        problems.append(f"/one.txt bytes=0-0: {st}")
    st, h, body = get(port, "/r100k.bin", headers={"Range": "bytes=0-1,5-6"})
    if st != 200 or len(body) != len(files["r100k.bin"]):
        problems.append(f"two ranges: {st} (want the whole 200)")
    _, h, _ = get(port, "/r5m.bin")
    if h.get("accept-ranges") != "bytes":
        problems.append(f"Accept-Ranges {h.get('accept-ranges')!r}")
    etag = h.get("etag")
    st, _, body = get(port, "/r5m.bin", headers={"Range": "bytes=10-19", "If-Range": etag})
    if st != 206 or body != data[10:20]:
        problems.append(f"If-Range with the ETag: {st}")
    st, _, body = get(port, "/r5m.bin", headers={"Range": "bytes=10-19", "If-Range": '"old"'})
    if st != 200 or len(body) != n:
        problems.append(f"If-Range with another ETag: {st} (want the whole 200)")
    return check(NAMES[9], problems)


def check_416(port, files):
    problems = []
    for name, value in (("r100k.bin", "bytes=102400-"), ("r100k.bin", "bytes=999999-1000000"),
                        ("empty.bin", "bytes=0-"), ("one.txt", "bytes=-0")):
        st, h, _ = get(port, "/" + name, headers={"Range": value})
        if st != 416 or h.get("content-range") != f"bytes */{len(files[name])}":
            problems.append(f"/{name} {value}: {st}, Content-Range {h.get('content-range')!r}")
    return check(NAMES[10], problems)


def check_types(port):
    problems = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for name, want in TYPES.items():
        st, h, _ = get(port, "/" + name, conn=conn)
        if st != 200 or h.get("content-type") != want:
            problems.append(f"/{name}: {st} {h.get('content-type')!r}")
    conn.close()
    return check(NAMES[11], problems)


def check_big(port, server, digest):
    """Streams the big file through a slow-ish reader while sampling the server's RSS."""
    base = server.rss_kib()
    peak = base
    h = hashlib.sha256()
    total = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        head, _, rest = head.partition(b"\r\n\r\n")
        h.update(rest)
        total += len(rest)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            total += len(chunk)
            if total % (16 << 20) < len(chunk):
                peak = max(peak, server.rss_kib())
    peak = max(peak, server.rss_kib())
    problems = []
    if not head.startswith(b"HTTP/1.1 200"):
        problems.append(f"head {head[:40]!r}")
    if total != BIG_MIB << 20 or h.hexdigest() != digest:
        problems.append(f"{total} bytes, sha256 {'matches' if h.hexdigest() == digest else 'differs'}")
    if peak - base > RSS_SLACK_MIB * 1024:
        problems.append(f"RSS grew from {base} KiB to {peak} KiB")
    return check(NAMES[12], problems, [f"RSS {base} KiB before, {peak} KiB at most while streaming"])


def check_parallel(port, files):
    """More simultaneous streams than HTTP_STREAMS_MAX (32): the rest go through out[]; all must be
    exact."""
    want = hashlib.sha256(files["r5m.bin"]).hexdigest()
    got = [None] * 48

    def fetch(i):
        try:
            st, _, body = get(port, "/r5m.bin")
            got[i] = (st, hashlib.sha256(body).hexdigest())
        except Exception as e:  # reported below
            got[i] = (0, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(len(got))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [f"#{i}: {g}" for i, g in enumerate(got) if g != (200, want)]
    return check(NAMES[13], bad[:5] + ([f"{len(bad)} bad in all"] if bad else []))


def check_restart(port, server, big):
    """SIGUSR1 makes the fs stand-in end every session and node (as fs dying would) while a stream
    is under way: what the client got must be a prefix of the file; then the session reopens."""
    problems = []
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        while len(got) < (2 << 20):
            got += s.recv(1 << 16)
        server.proc.send_signal(signal.SIGUSR1)
        try:
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, socket.timeout) as e:
            problems.append(f"after the restart: {type(e).__name__}")
    head, _, body = got.partition(b"\r\n\r\n")
    with open(big, "rb") as f:
        prefix = f.read(len(body))
    if body != prefix:
        problems.append("the bytes received are not the file's")
    if len(body) >= BIG_MIB << 20:
        problems.append("the whole file came although fs restarted")
    deadline = time.monotonic() + 5
    st = None
    while time.monotonic() < deadline:
        st, _, body2 = get(port, "/one.txt")
        if st == 200:
            break
        time.sleep(0.1)
    if st != 200:
        problems.append(f"after the restart: {st}")
    if "reopening" not in server.output() or "serving /disk0 through service/fs again" not in server.output():
        problems.append("no 'reopening' and 'again' lines in the server's log")
    return check(NAMES[14], problems, [f"{len(body)} bytes of the body before the cut"])


def check_fallback(ctx):
    server = Server(ctx, None, os.path.join(ctx.log_dir, "httpfs-nofs.log"))
    try:
        problems = []
        if "serving the embedded page and the initfs's www/" not in server.output():
            problems.append("no fallback line in the log")
        st, _, body = get(server.port, "/")
        if st != 200 or b"microkernel" not in body:
            problems.append(f"/: {st}")
        st, _, body = get(server.port, "/style.css")
        if st != 200:
            problems.append(f"/style.css: {st}")
        return check(NAMES[15], problems)
    finally:
        server.close()


def suite(ctx):
    built = subprocess.run(["make", "-s", f"BUILD={ctx.build}", "http-host"], cwd=ROOT, capture_output=True,
                           text=True)
    if built.returncode != 0:
        return [Result(n, False, reason=f"make http-host: {built.stderr.strip()[-300:]}") for n in NAMES]
    root = os.path.join(ctx.log_dir, "httpfs-root")
    files = make_root(root)
    big = os.path.join(root, "big.bin")
    digest = make_big(big)
    os.chmod(root, 0o755)
    for d, dirs, names in os.walk(root):
        for n in names:
            if n != "secret.txt":
                os.chmod(os.path.join(d, n), 0o644)
    server = Server(ctx, root, os.path.join(ctx.log_dir, "httpfs.log"))
    results = []
    try:
        if "serving /disk0 through service/fs" not in server.output():
            return [Result(n, False, reason="http_host did not serve the directory: "
                           + server.output()[-300:]) for n in NAMES]
        results.append(Result(NAMES[0], True, notes=[f"port {server.port}"]))
        steps = [lambda: check_files(server.port, files), lambda: check_index(server.port, files),
                 lambda: check_redirect(server.port), lambda: check_404(server.port),
                 lambda: check_403(server.port), lambda: check_head(server.port, files),
                 lambda: check_etag(server.port), lambda: check_ims(server.port, root),
                 lambda: check_range(server.port, files), lambda: check_416(server.port, files),
                 lambda: check_types(server.port), lambda: check_big(server.port, server, digest),
                 lambda: check_parallel(server.port, files), lambda: check_restart(server.port, server, big)]
        for i, step in enumerate(steps):
            try:
                results.append(step())
            except Exception as e:  # one broken check must not hide the others
                results.append(Result(NAMES[i + 1], False, reason=f"{type(e).__name__}: {e}"))
        if server.proc.poll() is not None:
            results = [r if not r.ok else Result(r.name, False, reason="http_host ended") for r in results]
    finally:
        server.close()
        os.remove(big)
    try:
        results.append(check_fallback(ctx))
    except Exception as e:
        results.append(Result(NAMES[15], False, reason=f"{type(e).__name__}: {e}"))
    return results
