"""tests/e2e/load.py: load against an HTTP server: wrk at a number of connections, and many fresh
connections one request each. Used by case_http.py from inside the test's network namespace.

Each function returns (problems, notes, data): what failed (empty when nothing did), lines worth
showing, and numbers for results.json. The bar: no socket error, no status other than 200, and, when
`tail` is asked for, a p99 latency within TAIL times the median. `make test` runs short levels and
asks only for the first two: a few seconds under TCG on a shared two-core host put the host's own
scheduling hiccups (tens of milliseconds) into the 1% tail of a 4 ms median. The minute-long levels
of `make test-long` ask for the tail bar too.
"""

import re
import shutil
import socket
import subprocess
import threading
import time

TAIL = 5  # p99 latency at most this many times the median


def wrk(addr, conns, seconds, tail, path="/", threads=2):
    """wrk -t<threads> -c<conns> --latency for `seconds` against http://host:port<path>."""
    if shutil.which("wrk") is None:
        return ["wrk not found (tools/setup installs it)"], [], {}
    argv = ["wrk", f"-t{threads}", f"-c{conns}", "--latency", f"-d{seconds}s", "--timeout", "10s",
            f"http://{addr[0]}:{addr[1]}{path}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    text = proc.stdout
    requests = re.search(r"(\d+) requests in", text)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", text)
    problems = []
    if proc.returncode != 0 or not requests or int(requests.group(1)) == 0:
        problems.append(f"no requests answered (exit {proc.returncode}: {proc.stderr.strip()})")
    errors = re.search(r"Socket errors: (.*)", text)
    if errors:
        problems.append(f"socket errors: {errors.group(1)}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        problems.append(f"{non2xx.group(1)} non-2xx responses")
    p50, p99 = percentile(text, "50%"), percentile(text, "99%")
    problems += tail_problems(p50, p99) if tail else []
    notes = [line for line in text.splitlines() if line.strip()]
    data = {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": p50, "p99_ms": p99,
            "requests": int(requests.group(1)) if requests else 0}
    return problems, notes, data


def percentile(text, label):
    """A percentile of wrk --latency's distribution ("99%   12.34ms"), in ms; None if absent."""
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not match:
        return None
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]


def tail_problems(p50, p99):
    """The latency bar: p99 within TAIL times the median."""
    if p50 is None or p99 is None:
        return ["no latency distribution"]
    if p99 > TAIL * p50:
        return [f"p99 {p99:.2f} ms is more than {TAIL}x the median {p50:.2f} ms"]
    return []


def fresh_connections(addr, total, parallel, tail, timeout=10):
    """`total` connections, `parallel` at a time, each: connect, GET / with Connection: close, read
    the whole answer to EOF. Every one must get 200; latency is connect to EOF."""
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "errors": {}, "latencies": []}

    def worker():
        while True:
            with lock:
                if state["next"] == total:
                    return
                state["next"] += 1
            start = time.monotonic()
            outcome = one_request(addr, timeout)
            with lock:
                if outcome == 200:
                    state["ok"] += 1
                    state["latencies"].append((time.monotonic() - start) * 1000)
                else:
                    state["errors"][outcome] = state["errors"].get(outcome, 0) + 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - start
    lat = sorted(state["latencies"])
    p50 = lat[len(lat) // 2] if lat else None
    p99 = lat[min(len(lat) - 1, len(lat) * 99 // 100)] if lat else None
    problems = []
    if state["errors"]:
        problems.append(f"{total - state['ok']} of {total} failed: " +
                        ", ".join(f"{n}x {what}" for what, n in sorted(state["errors"].items(), key=str)))
    problems += tail_problems(p50, p99) if tail else []
    rate = total / secs if secs else 0.0
    note = (f"{state['ok']} of {total} fresh connections got 200, {parallel} at a time, in {secs:.1f} s "
            f"({rate:.0f}/s); latency p50 {p50 or 0:.2f} ms, p99 {p99 or 0:.2f} ms")
    return problems, [note], {"per_s": rate, "p50_ms": p50, "p99_ms": p99, "failed": total - state["ok"]}


def one_request(addr, timeout):
    """One connection, one request; the status (200 expected) or what went wrong, as text."""
    try:
        with socket.create_connection(addr, timeout=timeout) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: warp\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        return type(e).__name__
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    return int(match.group(1)) if match else "no status line"
