"""tests/e2e/case_go.py: an unmodified static Go net/http server runs under the linux server.

warp-go.iso runs virtio_net, tcpip, fs and the linux server with ports/goweb (Debian's Go,
CGO_ENABLED=0) on port 80. The same binary runs on the host on 127.0.0.1 and both get the same
requests; status, Content-Type, Content-Length and body must be equal: the index, a 404, a
300,000-byte body, JSON with a query, a POST of 200,000 bytes hashed by the server, and /work,
where eight goroutines hash, meet on a channel and a mutex (the Go scheduler on Linux threads,
futexes and signals). Then wrk on keep-alive connections: no error, only 200s, and goweb is still
serving.
"""

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request

import load
from harness import Boot, Job, Result, qemu

GROUP = "go"
NAME = "go net/http"
TIMEOUT = 120
WRK_SECONDS = 5
WRK_LONG_SECONDS = 60
BINARY = "goweb/goweb"
POST_BODY = bytes((i * 31 + i // 97) % 256 for i in range(200000))
REQUESTS = [("GET", "/", None), ("GET", "/missing", None), ("GET", "/big", None),
            ("GET", "/json?q=warp", None), ("POST", "/echo", POST_BODY), ("GET", "/echo", None),
            ("GET", "/work", None)]


def jobs(ctx):
    yield Job(NAME, run)


def fetch(port, method, path, body):
    """(status, Content-Type, Content-Length, body) of one request to 127.0.0.1:port."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type"), r.headers.get("Content-Length"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.headers.get("Content-Length"), e.read()


def host_server(ctx):
    """The same binary on the host at 127.0.0.1:<free port>: (process, port) once it answers."""
    port = qemu.free_port()
    proc = subprocess.Popen([os.path.join(ctx.build, BINARY), f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise OSError("goweb did not start on the host")


def run(ctx):
    """Boots warp-go.iso and compares goweb's answers with the host's run of it."""
    with Boot(ctx, NAME, ctx.image("warp-go.iso"), mem="256M", net=True) as boot:
        port = boot.options["port"]
        if not boot.wait_for(re.compile(r"goweb/1: goweb: listening on :80"), ctx.timeout(TIMEOUT)):
            return [boot.fail(NAME, "goweb did not start listening")]
        results = []
        try:
            host, hport = host_server(ctx)
        except OSError as e:
            return [Result("go: goweb on the host", False, reason=str(e))]
        try:
            for method, path, body in REQUESTS:
                want, got = fetch(hport, method, path, body), fetch(port, method, path, body)
                ok = want == got
                results.append(Result(f"go: {method} {path} on Warp answers as on the host", ok,
                                      reason="" if ok else f"got {got[:3]} {got[3][:80]!r}, "
                                                           f"want {want[:3]} {want[3][:80]!r}",
                                      notes=[f"status {got[0]}, {len(got[3])} bytes"]))
        except OSError as e:
            results.append(Result("go: the host's requests", False, reason=str(e)))
        finally:
            host.kill()
            host.wait()
        seconds = WRK_LONG_SECONDS if ctx.long else WRK_SECONDS
        problems, _, data = load.wrk(("127.0.0.1", port), 4, seconds, tail=False, path="/", threads=1)
        results.append(Result(f"go: wrk -c4 for {seconds} s on /: no socket error, every answer 200",
                              not problems, reason="; ".join(problems),
                              notes=[f"{data.get('requests', 0)} requests, {data.get('rps', 0.0):.0f} "
                                     "requests/s (TCG)"], data=data))
        after = fetch(port, "GET", "/", None)
        results.append(Result("go: goweb still serves afterwards", after[0] == 200, reason=f"status {after[0]}"))
        dead = [line.text for line in boot.all_lines() if re.search(r"linux: goweb (exited|killed)", line.text)]
        results.append(Result("go: goweb never ended", not dead, reason="; ".join(dead)))
        for r in results:
            if not r.ok:
                r.tail = boot.tail()
        return results
