"""tests/e2e/case_lighttpd.py: lighttpd, unmodified, serves a site from a disk under the linux server.

warp-lighttpd.iso (ports/lighttpd: Debian's lighttpd 1.4.69 built static with musl, and
lighttpd.manifest) boots with a site disk made here: ports/lighttpd/lighttpd.conf at /disk0 and a
tree of files under /disk0/www (an index page, a stylesheet, random files of 0 B to 3 MiB, a nested
directory, a file lighttpd must refuse). The host, on 127.0.0.1 only, fetches every file with curl and
compares its sha256 and Content-Type with the file's, asks for a range, HEAD, a missing path and the
refused file, then runs wrk against the 4 KiB file on keep-alive connections: no socket error and no
status but 200 (5 s in make test; 60 s at the long level, make test-long).
"""

import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

import load
from harness import ROOT, Boot, Job, Result, http_header, readable_site_image

GROUP = "lighttpd"
NAME = "lighttpd"
CONF = os.path.join(ROOT, "ports", "lighttpd", "lighttpd.conf")
START_TIMEOUT = 120  # seconds until lighttpd answers, under TCG
FETCH_TIMEOUT = 120
FATAL = re.compile(r"KERNEL PANIC|linux: lighttpd (exited|killed)|init: linux (exited|faulted|was killed)")
# path under www -> (size, seed) of a random file; seed None: a text file written below
FILES = {"4k.bin": (4096, 1), "empty.bin": (0, 2), "odd.bin": (12345, 3), "big.bin": (3 << 20, 4),
         "deep/er/nested.bin": (70000, 5)}
TEXTS = {"index.html": "<!DOCTYPE html>\n<title>lighttpd on Warp</title>\n<p>Served by lighttpd.</p>\n",
         "style.css": "body { font-family: sans-serif; }\n",
         "deep/index.html": "<p>a directory's index</p>\n",
         "secret.txt~": "an editor's backup: url.access-deny refuses it\n"}
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".bin": "application/octet-stream"}
WRK_SECONDS, WRK_LONG_SECONDS = 5, 60


def make_site(tmp):
    """The site's tree in tmp/site (readable by others, as fs requires) and its ext4 image."""
    site = os.path.join(tmp, "site")
    www = os.path.join(site, "www")
    os.makedirs(www)
    shutil.copy(CONF, os.path.join(site, "lighttpd.conf"))
    for path, (size, seed) in FILES.items():
        os.makedirs(os.path.dirname(os.path.join(www, path)), exist_ok=True)
        with open(os.path.join(www, path), "wb") as f:
            f.write(random.Random(seed).randbytes(size))
    for path, text in TEXTS.items():
        os.makedirs(os.path.dirname(os.path.join(www, path)), exist_ok=True)
        with open(os.path.join(www, path), "w", encoding="utf-8") as f:
            f.write(text)
    image = os.path.join(tmp, "site.img")
    readable_site_image(site, image)
    return www, image


def curl(port, path, *args):
    """(status, headers, body bytes) of one request to 127.0.0.1:port, or (None, why, b"")."""
    url = f"http://127.0.0.1:{port}" + urllib.parse.quote(path, safe="/~")
    with tempfile.NamedTemporaryFile() as body, tempfile.NamedTemporaryFile(mode="r") as head:
        run = subprocess.run(["curl", "-sS", "--max-time", str(FETCH_TIMEOUT), "-D", head.name, "-o", body.name,
                              "-w", "%{http_code}", *args, url], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            return None, run.stderr.strip(), b""
        with open(body.name, "rb") as f:
            return int(run.stdout), head.read(), f.read()


def fatal(boot):
    """The first serial line saying lighttpd, the linux server or the kernel ended, or None."""
    return next((line.text for line in boot.all_lines() if FATAL.search(line.text)), None)


def raw_request(port, request):
    """What the server sends back to request until it closes the connection (HTTP/1.0)."""
    with socket.create_connection(("127.0.0.1", port), timeout=FETCH_TIMEOUT) as s:
        s.sendall(request)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def wait_serving(boot, port, timeout):
    """None once lighttpd answers /, else why not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fatal(boot) or not boot.running():
            return fatal(boot) or "QEMU ended"
        status, _, _ = curl(port, "/", "--max-time", "3")
        if status == 200:
            return None
        time.sleep(0.5)
    return f"lighttpd did not answer / within {timeout:.0f} s"


def check_files(port, www):
    """Every file fetched and compared; one result per kind of check."""
    wrong = []
    for top, _, files in os.walk(www):
        for name in sorted(files):
            path = os.path.relpath(os.path.join(top, name), www)
            if path.endswith("~"):
                continue
            with open(os.path.join(top, name), "rb") as f:
                want = f.read()
            status, headers, body = curl(port, "/" + path)
            kind = TYPES[os.path.splitext(path)[1]]
            if status != 200 or hashlib.sha256(body).digest() != hashlib.sha256(want).digest():
                wrong.append(f"/{path}: status {status}, {len(body)} of {len(want)} bytes")
            elif http_header(headers, "Content-Type") != kind:
                wrong.append(f"/{path}: Content-Type {http_header(headers, 'Content-Type')!r}, want {kind!r}")
    return Result("lighttpd: every file of the site is served byte for byte with its Content-Type", not wrong,
                  reason="; ".join(wrong[:5]), notes=[f"{sum(len(f) for _, _, f in os.walk(www)) - 1} files"])


def check_requests(port, www):
    """Index pages, a range, HEAD, a missing file and a refused one."""
    results = []

    def expect(title, got, ok, why):
        results.append(Result(f"lighttpd: {title}", ok, reason="" if ok else why(got)))

    status, _, body = curl(port, "/")
    expect("/ is index.html", (status, body), status == 200 and body == TEXTS["index.html"].encode(),
           lambda g: f"status {g[0]}, {g[1][:60]!r}")
    status, _, body = curl(port, "/deep/")
    expect("a directory's index.html", (status, body), status == 200 and body == TEXTS["deep/index.html"].encode(),
           lambda g: f"status {g[0]}, {g[1][:60]!r}")
    with open(os.path.join(www, "big.bin"), "rb") as f:
        f.seek(1000000)
        want = f.read(5000)
    status, headers, body = curl(port, "/big.bin", "-r", "1000000-1004999")
    expect("a Range request is 206 with those bytes", (status, headers), status == 206 and body == want,
           lambda g: f"status {g[0]}, Content-Range {http_header(g[1], 'Content-Range')!r}, {len(body)} bytes")
    head = raw_request(port, b"HEAD /odd.bin HTTP/1.0\r\n\r\n")
    headers, _, body = head.partition(b"\r\n\r\n")
    expect("HEAD gives the length and no body", head,
           headers.startswith(b"HTTP/1.0 200") and b"\r\nContent-Length: 12345" in headers and body == b"",
           lambda g: f"{g[:200]!r}")
    status, _, _ = curl(port, "/missing.html")
    expect("a missing file is 404", status, status == 404, lambda g: f"status {g}")
    status, _, _ = curl(port, "/secret.txt~")
    expect("url.access-deny refuses a ~ file (403)", status, status == 403, lambda g: f"status {g}")
    status, headers, _ = curl(port, "/style.css")
    expect("setenv adds its response header", headers, http_header(headers, "X-Served-By") == "lighttpd on Warp",
           lambda g: f"X-Served-By {http_header(g, 'X-Served-By')!r}")
    return results


def check_wrk(port, seconds):
    """wrk on keep-alive connections to the 4 KiB file: requests answered, no error, only 200s."""
    problems, _, data = load.wrk(("127.0.0.1", port), 4, seconds, tail=False, path="/4k.bin", threads=1)
    return Result(f"lighttpd: wrk -c4 for {seconds} s on /4k.bin: no socket error, every answer 200", not problems,
                  reason="; ".join(problems),
                  notes=[f"{data.get('requests', 0)} requests, {data.get('rps', 0.0):.0f} requests/s (TCG)"],
                  data=data)


def run(ctx):
    """Boots warp-lighttpd.iso with a fresh site and checks what lighttpd serves."""
    with tempfile.TemporaryDirectory(prefix="warp-lighttpd-") as tmp:
        www, image = make_site(tmp)
        with Boot(ctx, NAME, ctx.image("warp-lighttpd.iso"), mem="256M", net=True, site=image,
                  site_if="virtio-blk") as boot:
            port = boot.options["port"]
            why = wait_serving(boot, port, ctx.timeout(START_TIMEOUT))
            if why:
                return [boot.fail(NAME, why)]
            results = [check_files(port, www)] + check_requests(port, www)
            results.append(check_wrk(port, WRK_LONG_SECONDS if ctx.long else WRK_SECONDS))
            ended = fatal(boot)
            results.append(Result("lighttpd: still running afterwards, the system standing", not ended,
                                  reason=ended or ""))
            for r in results:
                if not r.ok:
                    r.tail = boot.tail()
            return results


def jobs(ctx):
    yield Job(NAME, run)
