#!/usr/bin/env python3
"""tests/e2e/case_http.py: http_server over the whole stack (virtio_net, tcpip, http_server), from the host.

One boot of warp.iso on the GCE-like network of a private namespace (tests/e2e/netns.py: tap0,
dnsmasq, the guest at 198.18.0.2), then real clients against it from inside that namespace: curl
(the page, 404, a file of more than 64 KiB compared byte for byte), python's http.client (many
requests on one keep-alive connection, HEAD), raw sockets (pipelining, one malformed request of
every kind with the status it must get, a slow client that must get 408 after the header timeout,
an idle keep-alive connection that must be closed, more connections than the cap of 1024: every
extra one gets 503), and load (tests/e2e/load.py): wrk with 10, 100 and 1000 connections and 2,000
fresh connections, with no socket error and no non-2xx; at the long level (`make test-long`) a
minute per wrk level, 10,000 fresh connections, and p99 within 5x the median. The clients run in a
child process (this file as a script) started in the namespace; every address is in
198.18.0.0/15 there.

Why not QEMU's user-mode network with a forwarded port: QEMU listens on the host with a backlog of
one, so a burst of connections (wrk's hundred, the cap check's waves) overflows the host's accept
queue and the dropped SYNs wait 1 s, 3 s, 7 s for their retransmission. That delay is the host's,
not Warp's, and hid Warp's own behaviour under load; a tap device has no such queue.
"""

import dataclasses
import http.client
import json
import os
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # also when run as a script: keep __pycache__ out of the tree
import load
import netns
from harness import Job, Result, skipped

GROUP = "http"
LISTENING = "http_server: listening on :80"
BOOT_TIMEOUT = 90        # seconds to the listening line (TCG)
FIRST_RESPONSE = 60      # seconds for the first 200 once listening (DHCP may still run)
HEADER_TIMEOUT = 10      # the server's header timeout (servers/http_server/conn.h)
CONN_MAX = 1024          # HTTP_CONN_MAX
REJECT_MAX = 8           # HTTP_REJECT_MAX
# Connections over the cap in the cap check: a few, so that the check stays quick under TCG. (The
# paused-listener path for more than CONN_MAX + REJECT_MAX is covered by tests/unit/test_http_conn.c
# and the host stand-in.)
CAP_EXTRA = 6
CAP_WAVE = 100           # connections opened at once in the cap check
KEEP_IDLE = 4            # seconds a served connection of the cap check may idle before a request
IDLE_WAIT = 60           # seconds for the earlier checks' connections to end before the cap check
WRK_LEVELS = (10, 100, 1000)  # wrk's connections, one run each
WRK_SECONDS = 5          # each wrk run; at the long level (make test-long) a minute
WRK_LONG_SECONDS = 60
FRESH, FRESH_LONG = 2000, 10000  # new connections of one request each (the long level: 10,000)
FRESH_PARALLEL = 10
FRESH_NAME = "http: fresh connections"
CLIENTS_TIMEOUT = 600    # seconds for all the checks together (the long soak comes on top)
LARGE = os.path.join("http_server", "www", "large.txt")  # under the build directory
FAULT = re.compile(r"init: http_server (faulted|was killed|exited)")

# (name, request bytes, expected status): every class of error the parser refuses.
MALFORMED = [
    ("two spaces in the request line", b"GET  / HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("no version (HTTP/0.9)", b"GET /\r\n\r\n", 400),
    ("lower-case version", b"GET / http/1.1\r\nHost: w\r\n\r\n", 400),
    ("no Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host fields", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("space before the colon", b"GET / HTTP/1.1\r\nHost : w\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: w\r\nX: a\r\n b\r\n\r\n", 400),
    ("field line without colon", b"GET / HTTP/1.1\r\nHost: w\r\nnocolon\r\n\r\n", 400),
    ("control byte in a value", b"GET / HTTP/1.1\r\nHost: w\r\nX: a\x01b\r\n\r\n", 400),
    ("bare CR", b"GET / HTTP/1.1\r\nHost: w\r\nX: a\rb\r\n\r\n", 400),
    ("duplicate Content-Length",
     b"GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400),
    ("Content-Length not a number", b"GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 1x\r\n\r\n", 400),
    ("Content-Length with Transfer-Encoding",
     b"GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    ("dot-dot segment", b"GET /../bin/init HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("encoded dot-dot", b"GET /%2e%2e/%2E%2e/bin/init HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("encoded slash dot-dot", b"GET /..%2fbin%2finit HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("backslash", b"GET /..\\bin\\init HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("encoded NUL", b"GET /style.css%00.html HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("bad percent escape", b"GET /%zz HTTP/1.1\r\nHost: w\r\n\r\n", 400),
    ("TLS handshake", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 40, 400),
    ("POST", b"POST / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nhello", 405),
    ("DELETE", b"DELETE /style.css HTTP/1.1\r\nHost: w\r\n\r\n", 405),
    ("GET with a body", b"GET / HTTP/1.1\r\nHost: w\r\nContent-Length: 5\r\n\r\nhello", 413),
    ("chunked body", b"GET / HTTP/1.1\r\nHost: w\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413),
    ("request-target of 3000 bytes", b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: w\r\n\r\n", 414),
    ("header block of 10 KiB", b"GET / HTTP/1.1\r\nHost: w\r\nX: " + b"v" * 10240 + b"\r\n\r\n", 431),
    ("unknown method", b"BREW /pot HTTP/1.1\r\nHost: w\r\n\r\n", 501),
    ("lower-case method", b"get / HTTP/1.1\r\nHost: w\r\n\r\n", 501),
    ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: w\r\n\r\n", 505),
]


def jobs(ctx):
    names = result_names()
    yield Job(names[0], http_suite, also=names[1:])


# --- small clients ---

def read_response(sock, deadline):
    """Reads one response (head + Content-Length body) from sock; returns (status, headers, body,
    rest) where rest is what followed it. Raises TimeoutError, or ConnectionError on early EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += recv_some(sock, deadline)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def recv_some(sock, deadline):
    """One recv before the deadline; ConnectionError at EOF."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("connection closed")
    return chunk


def read_body(sock, rest, length, deadline):
    """Completes a body of `length` bytes that starts with rest; returns (body, what follows)."""
    while len(rest) < length:
        rest += recv_some(sock, deadline)
    return rest[:length], rest[length:]


def until_eof(sock, deadline):
    """Reads until the peer closes; returns (bytes, closed: bool). A reset counts as closed."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def connect(addr, timeout=10):
    return socket.create_connection(addr, timeout=timeout)


def connect_many(addr, n, deadline):
    """Opens n connections at once (non-blocking connects, like wrk), so that all are up well
    within the header timeout even when some SYNs need a retransmission; raises if one fails."""
    socks, sel = [], selectors.DefaultSelector()
    try:
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.setblocking(False)
            s.connect_ex(addr)
            sel.register(s, selectors.EVENT_WRITE, i)
        pending = n
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=max(0.01, deadline - time.monotonic())):
                err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise ConnectionError(f"connection {key.data}: {os.strerror(err)}")
                sel.unregister(key.fileobj)
                pending -= 1
        if pending:
            raise TimeoutError(f"{pending} of {n} connections not up in time")
    except BaseException:
        for s in socks:
            s.close()
        raise
    finally:
        sel.close()
    return socks


def curl(addr, path, out=None, method=None, timeout=30):
    """Runs curl; returns (http status, body bytes or None when written to out)."""
    argv = ["curl", "-sS", "--max-time", str(timeout), "-w", "\n%{http_code}"]
    if out:
        argv += ["-o", out]
    if method == "HEAD":
        argv += ["-I"]
    argv.append(f"http://{addr[0]}:{addr[1]}{path}")
    proc = subprocess.run(argv, capture_output=True, timeout=timeout + 10)
    body, _, code = proc.stdout.rpartition(b"\n")
    if proc.returncode != 0:
        raise RuntimeError(f"curl exited {proc.returncode}: {proc.stderr.decode().strip()}")
    return int(code), (None if out else body)


# --- the suite ---

def http_suite(ctx):
    """Boots once on a private network (tests/e2e/netns.py) and runs every check from inside it."""
    names = result_names()
    why = "; ".join(netns.GceNetwork.problems())
    if why:
        return [skipped(n, why) for n in names]
    with netns.GceNetwork(ctx.log_dir, label="http") as net:
        with netns.NetnsBoot(ctx, "http", ctx.image("warp.iso"), net, mem="128M") as boot:
            hit = boot.wait_for(LISTENING, ctx.timeout(BOOT_TIMEOUT))
            if hit is None:
                failed = boot.fail(LISTEN_NAME,
                                   f"no '{LISTENING}' within {ctx.timeout(BOOT_TIMEOUT):.0f} s")
                return [failed] + [Result(n, False, reason="http_server did not start") for n in names[1:]]
            results = [Result(LISTEN_NAME, True, notes=[f"after {hit[0].ms} ms"],
                              data={"listening_ms": hit[0].ms})]
            results += run_clients(ctx, net, names[1:-1])
            fault = boot.wait_for(FAULT, timeout=1)
            if fault is None and boot.running():
                results.append(Result(ALIVE_NAME, True))
            else:
                results.append(boot.fail(ALIVE_NAME, fault[0].text if fault else "QEMU ended"))
            return results


def run_clients(ctx, net, names):
    """Runs the checks in a child process inside the namespace (this file as a script, its sockets,
    curl and wrk all in there), talking to the guest's address; returns the Results it reported."""
    argv = [sys.executable, os.path.abspath(__file__), "--host", netns.GUEST, "--port", "80",
            "--build", ctx.build, "--json"] + (["--long"] if ctx.long else [])
    budget = ctx.timeout(CLIENTS_TIMEOUT) + (len(WRK_LEVELS) * WRK_LONG_SECONDS + 300 if ctx.long else 0)
    env = dict(os.environ, WARP_E2E_TIMEOUT_SCALE=str(ctx.timeout_scale))
    try:
        run = net.run(argv, timeout=budget, env=env)
    except subprocess.TimeoutExpired:
        return [Result(n, False, reason=f"the clients did not finish within {budget:.0f} s") for n in names]
    got = {}
    for line in run.stdout.splitlines():
        if line.startswith("{"):
            result = Result(**json.loads(line))
            got[result.name] = result
    why = f"not reported (clients exited {run.returncode}: {run.stderr.strip()[-300:]})"
    return [got.get(n) or Result(n, False, reason=why) for n in names]


def result_names():
    """Every result the suite reports, in order."""
    return [LISTEN_NAME] + [n for _, owned in CHECKS for n in owned] + [ALIVE_NAME]


def wait_first_response(ctx, addr):
    """Polls GET / until one answer comes (DHCP and ARP may take a moment); None or why not."""
    deadline = time.monotonic() + ctx.timeout(FIRST_RESPONSE)
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            with connect(addr, timeout=5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: warp\r\nConnection: close\r\n\r\n")
                status, _, _ = read_response(s, time.monotonic() + 5)
                return None if status == 200 else f"first response: status {status}"
        except (OSError, ConnectionError, ValueError, IndexError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(1)
    return f"no response to GET / within {ctx.timeout(FIRST_RESPONSE):.0f} s (last: {last})"


def check_curl_index(ctx, addr):
    name = "http: GET / with curl"
    status, body = curl(addr, "/")
    text = body.decode("utf-8", errors="replace")
    problems = []
    if status != 200:
        problems.append(f"status {status}")
    for word in ("Warp", "microkernel", "Request number"):
        if word not in text:
            problems.append(f"body lacks '{word}'")
    css_status, css = curl(addr, "/style.css")
    if css_status != 200 or b"body" not in css:
        problems.append(f"/style.css: status {css_status}")
    return [Result(name, not problems, reason="; ".join(problems),
                   notes=[f"{len(body)} bytes of HTML"])]


def check_404(ctx, addr):
    status, body = curl(addr, "/no/such/file.html")
    ok = status == 404 and body.startswith(b"404")
    return [Result("http: 404", ok, reason="" if ok else f"status {status}, body {body[:40]!r}")]


def check_keepalive(ctx, addr):
    """100 requests on one http.client connection; the socket must never change."""
    conn = http.client.HTTPConnection(*addr, timeout=ctx.timeout(20))
    paths = ["/", "/style.css", "/missing", "/robots.txt", "/logo.svg"]
    want = {"/missing": 404}
    problems, first_sock, start = [], None, time.monotonic()
    count = 100
    for i in range(count):
        path = paths[i % len(paths)]
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        if first_sock is None:
            first_sock = conn.sock
        if resp.status != want.get(path, 200):
            problems.append(f"request {i} {path}: status {resp.status}")
        if conn.sock is not first_sock:
            problems.append(f"request {i}: the connection was reopened")
            break
        if resp.getheader("Connection") != "keep-alive":
            problems.append(f"request {i}: Connection: {resp.getheader('Connection')}")
            break
    conn.close()
    elapsed = time.monotonic() - start
    return [Result("http: keep-alive", not problems, reason="; ".join(problems[:5]),
                   notes=[f"{count} requests on one connection in {elapsed:.2f} s"],
                   data={"keepalive_rps": count / elapsed})]


def check_head(ctx, addr):
    conn = http.client.HTTPConnection(*addr, timeout=ctx.timeout(20))
    conn.request("HEAD", "/large.txt")
    resp = conn.getresponse()
    body = resp.read()
    size = os.path.getsize(os.path.join(ctx.build, LARGE))
    problems = []
    if resp.status != 200:
        problems.append(f"status {resp.status}")
    if resp.getheader("Content-Length") != str(size):
        problems.append(f"Content-Length {resp.getheader('Content-Length')}, want {size}")
    if body:
        problems.append(f"{len(body)} body bytes")
    # The connection must still be usable: nothing of a body may follow the head.
    conn.request("GET", "/robots.txt")
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        problems.append(f"GET after HEAD: status {resp.status}")
    conn.close()
    return [Result("http: HEAD", not problems, reason="; ".join(problems))]


def check_pipelining(ctx, addr):
    """Three requests in one send; three responses, in order."""
    deadline = time.monotonic() + ctx.timeout(20)
    with connect(addr) as s:
        s.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: w\r\n\r\n"
                  b"GET /missing HTTP/1.1\r\nHost: w\r\n\r\n"
                  b"HEAD /style.css HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n")
        got, rest = [], b""
        for head_only in (False, False, True):
            status, headers, rest = read_response_from(s, rest, deadline)
            length = 0 if head_only else int(headers.get("content-length", "0"))
            body, rest = read_body(s, rest, length, deadline)
            got.append((status, body[:20]))
        tail, closed = until_eof(s, deadline)
    statuses = [g[0] for g in got]
    ok = statuses == [200, 404, 200] and got[0][1].startswith(b"#") and closed and not tail + rest
    return [Result("http: pipelining", ok,
                   reason="" if ok else f"statuses {statuses}, closed {closed}, extra {tail + rest!r}")]


def read_response_from(sock, buffered, deadline):
    """read_response that starts with bytes already received."""
    data = buffered
    while b"\r\n\r\n" not in data:
        data += recv_some(sock, deadline)
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, rest


def check_large(ctx, addr):
    """A file of several 64 KiB WRITEs, fetched whole by curl, equals the one the build made."""
    path = os.path.join(ctx.build, LARGE)
    with open(path, "rb") as f:
        want = f.read()
    out = os.path.join(ctx.log_dir, "http-large.txt")
    status, _ = curl(addr, "/large.txt", out=out)
    with open(out, "rb") as f:
        got = f.read()
    ok = status == 200 and got == want
    reason = ""
    if not ok:
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        reason = f"status {status}; {len(got)} bytes, want {len(want)}; first difference at {first}"
    return [Result("http: large file", ok, reason=reason, notes=[f"{len(want)} bytes compared"])]


def check_malformed(ctx, addr):
    """Each malformed request gets its status and a closed connection."""
    failures = []
    for label, request, want in MALFORMED:
        deadline = time.monotonic() + ctx.timeout(15)
        try:
            with connect(addr) as s:
                s.sendall(request)
                data, closed = until_eof(s, deadline)
        except OSError as e:
            failures.append(f"{label}: {type(e).__name__}: {e}")
            continue
        match = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
        got = int(match.group(1)) if match else None
        if got != want:
            failures.append(f"{label}: got {got} ({data[:40]!r}), want {want}")
        elif not closed:
            failures.append(f"{label}: {want} but the connection stayed open")
        elif want == 405 and b"\r\nAllow: GET, HEAD\r\n" not in data:
            failures.append(f"{label}: 405 without Allow")
    notes = failures or [f"{len(MALFORMED)} kinds, each answered and closed"]
    return [Result("http: malformed requests", not failures,
                   reason=f"{len(failures)} of {len(MALFORMED)} wrong" if failures else "",
                   notes=notes)]


def check_timeouts(ctx, addr):
    """A client that never finishes its header gets 408; an idle keep-alive one is closed; both in
    about HEADER_TIMEOUT seconds. Run side by side."""
    out = {}

    def slow():
        start = time.monotonic()
        with connect(addr) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: w\r\n")
            data, closed = until_eof(s, start + ctx.timeout(HEADER_TIMEOUT * 3))
        out["slow"] = (data, closed, time.monotonic() - start)

    def idle():
        with connect(addr) as s:
            s.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: w\r\n\r\n")
            status, headers, rest = read_response(s, time.monotonic() + 20)
            read_body(s, rest, int(headers.get("content-length", "0")), time.monotonic() + 20)
            start = time.monotonic()
            data, closed = until_eof(s, start + ctx.timeout(HEADER_TIMEOUT * 3))
        out["idle"] = (data, closed, time.monotonic() - start)

    threads = [threading.Thread(target=f) for f in (slow, idle)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = []
    low, high = HEADER_TIMEOUT * 0.8, HEADER_TIMEOUT + ctx.timeout(10)
    if "slow" in out:
        data, closed, secs = out["slow"]
        ok = data.startswith(b"HTTP/1.1 408 ") and closed and low <= secs <= high
        results.append(Result("http: slow client gets 408", ok,
                              reason="" if ok else f"{data[:30]!r}, closed {closed}, after {secs:.1f} s",
                              notes=[f"closed after {secs:.1f} s"]))
    else:
        results.append(Result("http: slow client gets 408", False, reason="the client failed"))
    if "idle" in out:
        data, closed, secs = out["idle"]
        ok = not data and closed and low <= secs <= high
        results.append(Result("http: idle keep-alive closed", ok,
                              reason="" if ok else f"{data[:30]!r}, closed {closed}, after {secs:.1f} s",
                              notes=[f"closed after {secs:.1f} s"]))
    else:
        results.append(Result("http: idle keep-alive closed", False, reason="the client failed"))
    return results


def check_wrk(ctx, addr):
    """wrk at each of WRK_LEVELS connections for WRK_SECONDS (WRK_LONG_SECONDS at the long level),
    then FRESH (FRESH_LONG) new connections, FRESH_PARALLEL at a time: no socket error, no non-2xx,
    and at the long level p99 within load.TAIL times the median (tests/e2e/load.py says why)."""
    seconds = WRK_LONG_SECONDS if ctx.long else WRK_SECONDS
    results = []
    for conns in WRK_LEVELS:
        problems, notes, data = load.wrk(addr, conns, seconds, tail=ctx.long)
        results.append(Result(f"http: wrk {conns} connections", not problems, reason="; ".join(problems),
                              notes=notes, data=data))
    total = FRESH_LONG if ctx.long else FRESH
    problems, notes, data = load.fresh_connections(addr, total, FRESH_PARALLEL, tail=ctx.long)
    results.append(Result(FRESH_NAME, not problems, reason="; ".join(problems), notes=notes, data=data))
    return results


def check_cap(ctx, addr):
    """More connections than the cap, each sending GET /robots.txt: every one must be answered, the
    first CONN_MAX with 200 (and kept alive), the others with 503; a served one must still work.

    Connections are opened in waves of CAP_WAVE (each wave's requests all sent, then all answers
    read), and the served ones send a request again whenever they have been idle for KEEP_IDLE
    seconds, so that none reaches the server's header timeout meanwhile."""
    name = "http: connection cap"
    open_before = wait_idle(ctx, addr)
    if open_before != 1:
        return [Result(name, False, reason=f"the server still had {open_before} connections open "
                                           f"{ctx.timeout(IDLE_WAIT):.0f} s after the earlier checks")]
    total = CONN_MAX + CAP_EXTRA
    served, counts, unanswered, socks, lost = [], {200: 0, 503: 0}, 0, [], 0
    try:
        while len(socks) < total:
            wave = connect_many(addr, min(CAP_WAVE, total - len(socks)),
                                time.monotonic() + ctx.timeout(30))
            socks += wave
            codes = request_all(wave, time.monotonic() + ctx.timeout(30))
            for s, code in zip(wave, codes):
                if code in counts:
                    counts[code] += 1
                else:
                    unanswered += 1
                if code == 200:
                    served.append([s, time.monotonic()])
            lost += keep_alive(served, ctx)
        again = read_full_response_after(served[0][0], ctx) if served else None
    finally:
        for s in socks:
            s.close()
    # Every connection answered, exactly CONN_MAX served and kept, the rest refused with 503.
    ok = (unanswered == 0 and lost == 0 and counts[200] == CONN_MAX and counts[503] == CAP_EXTRA and
          again == 200)
    note = (f"{total} connections: {counts[200]} got 200, {counts[503]} got 503, {unanswered} no "
            f"answer, {lost} served ones lost while kept alive; a served one answered {again} afterwards")
    return [Result(name, ok, reason="" if ok else note, notes=[note])]


def wait_idle(ctx, addr):
    """Waits until the earlier checks' connections have ended: the index page, fetched on a
    connection of its own, counts the open connections; returns the last count (1: only ours)."""
    deadline = time.monotonic() + ctx.timeout(IDLE_WAIT)
    count = None
    while time.monotonic() < deadline:
        try:
            with connect(addr, timeout=5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n")
                data, _ = until_eof(s, time.monotonic() + 5)
            match = re.search(rb"; (\d+) connections? open", data)
            count = int(match.group(1)) if match else None
        except OSError:
            count = None
        if count == 1:
            return 1
        time.sleep(0.5)
    return count


def request_all(socks, deadline):
    """Sends GET /robots.txt on every socket, then reads every answer; their statuses (None where
    none came whole)."""
    for s in socks:
        s.setblocking(True)
        try:
            s.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: w\r\n\r\n")
        except OSError:
            pass  # the read below reports it
    codes = []
    for s in socks:
        try:
            codes.append(read_full_response(s, deadline))
        except (OSError, ConnectionError, ValueError):
            codes.append(None)
    return codes


def keep_alive(served, ctx):
    """Sends a request on every served connection idle for KEEP_IDLE seconds or more, well inside the
    server's header timeout; a connection that fails to answer is dropped from `served` and
    counted. Returns how many."""
    due = [entry for entry in served if time.monotonic() - entry[1] > KEEP_IDLE]
    codes = request_all([entry[0] for entry in due], time.monotonic() + ctx.timeout(10))
    lost = 0
    for entry, code in zip(due, codes):
        if code == 200:
            entry[1] = time.monotonic()
        else:
            served.remove(entry)
            lost += 1
    return lost


def read_full_response(sock, deadline):
    """Reads one whole response (head and Content-Length body); returns its status."""
    status, headers, rest = read_response(sock, deadline)
    read_body(sock, rest, int(headers.get("content-length", "0")), deadline)
    return status


def read_full_response_after(sock, ctx):
    """Sends GET / on a kept-alive connection and returns the status of the answer."""
    sock.sendall(b"GET / HTTP/1.1\r\nHost: w\r\n\r\n")
    return read_full_response(sock, time.monotonic() + ctx.timeout(10))


LISTEN_NAME = "http: listening"
ALIVE_NAME = "http: server still running"
# Each check and the results it reports.
CHECKS = [
    (check_curl_index, ["http: GET / with curl"]),
    (check_404, ["http: 404"]),
    (check_keepalive, ["http: keep-alive"]),
    (check_head, ["http: HEAD"]),
    (check_pipelining, ["http: pipelining"]),
    (check_large, ["http: large file"]),
    (check_malformed, ["http: malformed requests"]),
    (check_timeouts, ["http: slow client gets 408", "http: idle keep-alive closed"]),
    (check_wrk, [f"http: wrk {n} connections" for n in WRK_LEVELS] + [FRESH_NAME]),
    (check_cap, ["http: connection cap"]),
]


def main(argv):
    """Runs the checks against a server that is already listening (the guest, from inside the test's
    namespace; or the host stand-in on 127.0.0.1, `make http-host`), without booting anything."""
    import argparse
    from harness import Context, print_result
    p = argparse.ArgumentParser(prog="tests/e2e/case_http.py", description=main.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="the server's address (default 127.0.0.1)")
    p.add_argument("--port", type=int, required=True, help="the server's port")
    p.add_argument("--build", default=os.environ.get("BUILD", "build"), help="build directory")
    p.add_argument("--long", action="store_true", help="the long levels too (a 5-minute wrk soak)")
    p.add_argument("--json", action="store_true", help="print each result as one JSON line, not TAP")
    p.add_argument("--skip", action="append", default=[], metavar="CHECK",
                   help="leave out a check by function name (repeatable)")
    args = p.parse_args(argv)
    # The cap check and wrk hold over a thousand sockets at once: raise the soft limit on files.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ctx = Context(args.build, 1, float(os.environ.get("WARP_E2E_TIMEOUT_SCALE", "1")), long=args.long)
    addr = (args.host, args.port)
    results = []
    first = wait_first_response(ctx, addr)
    for check, owned in CHECKS:
        if check.__name__ in args.skip:
            continue
        if first is not None:
            found = [Result(n, False, reason=first) for n in owned]
        else:
            try:
                found = check(ctx, addr)
            except Exception as e:  # one broken check must not hide the others
                found = [Result(n, False, reason=f"{type(e).__name__}: {e}") for n in owned]
        for result in found:
            if args.json:
                print(json.dumps(dataclasses.asdict(result)), flush=True)
            else:
                print_result(result)
        results += found
    failed = sum(1 for r in results if not r.ok)
    print(f"http: {len(results) - failed} passed, {failed} failed", file=sys.stderr if args.json else sys.stdout)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
