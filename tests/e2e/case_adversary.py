"""tests/e2e/case_adversary.py: hostile processes must not slow the web service down (docs/security.md).

Boots warp-adversary.iso: the network stack of a normal boot and tests/adversary, which keeps N
processes spinning in user mode (never making a system call) when told "spin N" on TCP port 81. On
one keep-alive connection it times REQUESTS GETs with 0, 1, 10 and 50 spinners: with each load the
median must stay within MEDIAN_FACTOR times the idle median and the 99th percentile within
P99_FACTOR times the idle 99th percentile (fair scheduling: a woken server runs ahead of the
spinners). Tails are compared with tails, and the idle tail counts as at least TAIL_FLOOR_MS: on a
host busy with other QEMUs the idle tail itself jumps from half a millisecond to several, so a
sub-millisecond idle tail would turn one host hiccup into a failure. Spinners that held a server
back would cost whole ticks (10 ms) per hop, and their medians fail first. The figures go to
the result's notes and data (results.json).
"""

import socket
import statistics
import threading
import time

from harness import Boot, Job, Result, qemu

GROUP = "adversary"
NAME = "adversary: HTTP latency with 0, 1, 10, 50 spinning processes"
LISTENING = "adversary: listening on :81"
SPINNERS = [0, 1, 10, 50]
REQUESTS = 300
MEDIAN_FACTOR = 2.0
P99_FACTOR = 10.0
TAIL_FLOOR_MS = 1.0
BOOT_TIMEOUT = 120  # seconds to the adversary's listening line (TCG)
IO_TIMEOUT = 30     # seconds for one command or request


def jobs(ctx):
    yield Job(NAME, measure)
    yield Job(HOGS_NAME, hogs)


def command(port, text, ctx):
    """Sends one command line to the adversary; its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=ctx.timeout(IO_TIMEOUT)) as s:
        s.sendall(text.encode() + b"\n")
        answer = b""
        while chunk := s.recv(256):
            answer += chunk
    return answer.decode(errors="replace").strip()


def get(sock, ctx):
    """One GET /robots.txt on a kept-alive connection; seconds until its whole answer came."""
    start = time.monotonic()
    sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: w\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += recv(sock)
    head, body = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200 "):
        raise ValueError(f"answer {head[:40]!r}")
    length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        body += recv(sock)
    return time.monotonic() - start


def recv(sock):
    """Some bytes, or an error at the end of the stream."""
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("the server closed the connection")
    return chunk


def latencies(port, ctx):
    """REQUESTS timed GETs on one connection, after one untimed (ms, sorted)."""
    with socket.create_connection(("127.0.0.1", port), timeout=ctx.timeout(IO_TIMEOUT)) as s:
        get(s, ctx)
        return sorted(get(s, ctx) * 1000 for _ in range(REQUESTS))


def p99(values):
    """The 99th percentile of sorted values (nearest rank)."""
    return values[min(len(values) - 1, int(0.99 * len(values)))]


def measure(ctx):
    """Boots the adversarial image and checks the latency under each load."""
    ctl = qemu.free_port()
    with Boot(ctx, NAME, ctx.image("warp-adversary.iso"), mem="256M", net=True, forward=[(ctl, 81)]) as boot:
        if boot.wait_for(LISTENING, deadline=time.monotonic() + ctx.timeout(BOOT_TIMEOUT)) is None:
            return [boot.fail(NAME, f"no '{LISTENING}' within {ctx.timeout(BOOT_TIMEOUT):.0f} s")]
        notes, data, problems, idle, idle_tail = [], {}, [], None, None
        for n in SPINNERS:
            answer = command(ctl, f"spin {n}", ctx)
            if answer != f"ok spin {n}":
                return [boot.fail(NAME, f"spin {n}: the adversary answered {answer!r}")]
            try:
                ms = latencies(boot.options["port"], ctx)
            except (OSError, ValueError) as e:
                problems.append(f"HTTP with {n} spinners: {e}")
                break
            median, tail = statistics.median(ms), p99(ms)
            idle, idle_tail = idle or median, idle_tail or max(tail, TAIL_FLOOR_MS)
            notes.append(f"{n:2} spinners: median {median:.2f} ms, p99 {tail:.2f} ms "
                         f"({median / idle:.1f}x the idle median, {tail / idle_tail:.1f}x the idle p99)")
            data[f"spinners_{n}"] = {"median_ms": median, "p99_ms": tail}
            if median > MEDIAN_FACTOR * idle or tail > P99_FACTOR * idle_tail:
                problems.append(f"{n} spinners: median {median:.2f} ms, p99 {tail:.2f} ms against idle "
                                f"{idle:.2f} ms and {idle_tail:.2f} ms (limits {MEDIAN_FACTOR:g}x, {P99_FACTOR:g}x)")
        try:
            answer = command(ctl, "spin 0", ctx)
        except OSError as e:
            answer = f"no answer ({e})"
        if answer != "ok spin 0":
            problems.append(f"stopping the {SPINNERS[-1]} spinners: the adversary answered {answer!r}")
        return [Result(NAME, not problems, reason="; ".join(problems), notes=notes, data=data)]


# --- resource hogs (tests/adversary/hog.c) against the quotas (docs/security.md) ---

HOGS_NAME = "adversary: resource hogs stopped by quotas"
ERR_NO_MEMORY, ERR_NO_RESOURCES, ERR_LIMIT = -3, -9, -21
# Each hog and the refusal its quota must give it (adversary.manifest: pages 8192, the rest default).
HOGS = {"pages": ERR_NO_MEMORY, "handles": ERR_LIMIT, "channels": ERR_LIMIT, "timers": ERR_LIMIT,
        "messages": ERR_LIMIT, "children": ERR_LIMIT}
HOG_MAX = {"pages": 8192, "handles": 256, "channels": 64, "timers": 32, "messages": 256, "children": 16}
FREE_SLACK = 16        # pages: the kernel heap may keep a few more or fewer cached afterwards
RESTART_LIMIT_MS = 5000


class Prober(threading.Thread):
    """GETs / on a fresh connection every 50 ms while the hogs run; counts what did not answer 200."""

    def __init__(self, port, ctx):
        super().__init__(daemon=True)
        self.port, self.ctx = port, ctx
        self.ok, self.failures, self.stop = 0, [], threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=self.ctx.timeout(10)) as s:
                    self.ok += get(s, self.ctx) >= 0
            except (OSError, ValueError) as e:
                self.failures.append(str(e))


def sysinfo(ctl, ctx):
    """(free pages, live processes) as the adversary reads them."""
    words = command(ctl, "sysinfo", ctx).split()
    if len(words) != 5 or words[0] != "ok":
        raise ValueError(f"sysinfo answered {' '.join(words)!r}")
    return int(words[2]), int(words[4])


def after(port, ctx, what, problems):
    """One GET on a fresh connection right after a hog: HTTP must still answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=ctx.timeout(IO_TIMEOUT)) as s:
            get(s, ctx)
    except (OSError, ValueError) as e:
        problems.append(f"HTTP after {what}: {e}")


def run_hogs(ctl, port, ctx, problems, notes, data):
    """Runs each hog and the squatter, each followed by a GET; what each got before its refusal goes
    to notes and data."""
    for kind, want in HOGS.items():
        words = command(ctl, f"hog {kind}", ctx).split()  # ok hog KIND got N err E
        after(port, ctx, f"hog {kind}", problems)
        if len(words) != 7 or words[0] != "ok":
            problems.append(f"hog {kind}: answered {' '.join(words)!r}")
            continue
        got, err = int(words[4]), int(words[6])
        notes.append(f"hog {kind}: got {got} before error {err}")
        data[f"hog_{kind}"] = got
        if err != want or got == 0 or got > HOG_MAX[kind]:
            problems.append(f"hog {kind}: got {got} then error {err}, wanted error {want} within {HOG_MAX[kind]}")
    words = command(ctl, "squat", ctx).split()  # ok squat got N err E
    if len(words) != 6 or words[0] != "ok" or int(words[5]) not in (ERR_NO_RESOURCES, ERR_LIMIT):
        problems.append(f"squat: answered {' '.join(words)!r}")
        return
    notes.append(f"squatter: {words[3]} children before error {words[5]}")
    data["squat_children"] = int(words[3])
    after(port, ctx, "the squatter filled the process table", problems)
    words = command(ctl, "crash pong", ctx).split()  # ok crash pong restarted in T ms
    if len(words) != 7 or words[0] != "ok" or int(words[5]) > RESTART_LIMIT_MS:
        problems.append(f"crash pong with the table squatted: answered {' '.join(words)!r}")
    else:
        notes.append(f"pong restarted in {words[5]} ms with the process table squatted")
        data["pong_restart_ms"] = int(words[5])
    words = command(ctl, "unsquat", ctx).split()
    if not words or words[0] != "ok":
        problems.append(f"unsquat: answered {' '.join(words)!r}")


def hogs(ctx):
    """Boots the adversarial image, runs every hog while HTTP is probed, checks the system recovered."""
    ctl = qemu.free_port()
    with Boot(ctx, HOGS_NAME, ctx.image("warp-adversary.iso"), mem="256M", net=True,
              forward=[(ctl, 81)]) as boot:
        if boot.wait_for(LISTENING, deadline=time.monotonic() + ctx.timeout(BOOT_TIMEOUT)) is None:
            return [boot.fail(HOGS_NAME, f"no '{LISTENING}' within {ctx.timeout(BOOT_TIMEOUT):.0f} s")]
        port, problems, notes, data = boot.options["port"], [], [], {}
        latencies(port, ctx)  # warm up: http_server's and tcpip's memory settle
        free0, procs0 = sysinfo(ctl, ctx)
        prober = Prober(port, ctx)
        prober.start()
        try:
            run_hogs(ctl, port, ctx, problems, notes, data)
        finally:
            prober.stop.set()
            prober.join()
        free1, procs1 = sysinfo(ctl, ctx)
        notes.append(f"free pages {free0} before, {free1} after; processes {procs0} before, {procs1} after")
        notes.append(f"HTTP probes during the hogs: {prober.ok} answered 200, {len(prober.failures)} failed "
                     "(besides one GET after each hog)")
        data.update(free_before=free0, free_after=free1, http_ok=prober.ok, http_failed=len(prober.failures))
        if prober.failures or prober.ok == 0:
            problems.append(f"HTTP during the hogs: {prober.ok} ok, failures {prober.failures[:3]}")
        if abs(free1 - free0) > FREE_SLACK:
            problems.append(f"free pages {free1} after the hogs, {free0} before")
        if procs1 != procs0:
            problems.append(f"{procs1} processes after the hogs, {procs0} before")
        if any("PANIC" in line.text or "panic" in line.text for line in boot.all_lines()):
            problems.append("the kernel panicked")
        if not boot.running():
            problems.append("QEMU is not running any more")
        return [Result(HOGS_NAME, not problems, reason="; ".join(problems), notes=notes, data=data)]
