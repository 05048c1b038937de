"""bench/benchlib.py: what bench/run (IPC), bench/net (network) and bench/files (files from a disk)
share. Standard library only.

- GuestBoot: a tests/e2e/harness.py Boot with a ready-made QEMU argv (the Linux guest boots with
  -kernel, not an image), COM1 captured line by line and stamped with ms since QEMU started
- fatal_line, first_200: a serial line saying the guest cannot serve; the first HTTP 200 of a boot
- run_wrk, parse_wrk: one wrk run and its figures; wrk_checked: a warm-up, then a measured run
  whose validity (no error, every byte) is checked
- checked_fetch: one file fetched whole, its length and sha256 compared
- rel_argv, tool_version, host_cpu, read_info: the bits of the generated docs sections
- write_section: replaces one generated section of docs/benchmarks.md between its markers
"""

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
import types

sys.dont_write_bytecode = True  # keep __pycache__ out of the tree

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402  (Boot: QEMU with COM1 captured line by line)
import qemu  # noqa: E402  (tools/qemu.py, put on the path by harness)

DOCS = os.path.join(ROOT, "docs", "benchmarks.md")

POLL_INTERVAL = 0.05  # first_200: a new curl every 50 ms
CURL_MAX_TIME = 2     # seconds one of those curls may take
WRK_ERRORS = ("connect", "read", "write", "timeout", "non2xx")


class GuestBoot(harness.Boot):
    """A harness Boot with a ready-made argv (the Linux guest boots with -kernel, not an image)."""

    def __init__(self, log_dir, name, argv):
        super().__init__(types.SimpleNamespace(log_dir=log_dir), name, image=None)
        self.fixed_argv = argv

    def start(self):
        self.argv = self.fixed_argv
        self.log = open(self.log_path, "wb")
        # Own session: QEMU gets no terminal signals, and kill() ends exactly what we started.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.t0 = time.monotonic()
        with harness._live_lock:
            harness._live_boots.add(self)  # so harness.kill_all_boots() ends it on Ctrl-C
        self.readers = [threading.Thread(target=self._read_serial, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self.readers:
            reader.start()


def rel_argv(argv):
    """argv with paths under the repository shown relative to it, also inside an argument such as
    -drive file=... (for printing and the docs)."""
    return [a.replace(ROOT + os.sep, "") for a in argv]


def tool_version(argv):
    """First line of a tool's version output (stdout, else stderr), or "unknown"."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        out = proc.stdout or proc.stderr
        return out.splitlines()[0].strip() if out else "unknown"
    except OSError:
        return "unknown"


def host_cpu():
    """The host CPU's model name (TCG figures depend on it)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def read_info(path):
    """tools/linux-guest's key=value record of the guest's packages."""
    info = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    info[k] = v
    return info


def write_section(begin, end, section, who):
    """Replaces the generated section of docs/benchmarks.md between `begin` and `end` (section
    includes both markers); appends it if the markers are missing."""
    text = ""
    if os.path.exists(DOCS):
        with open(DOCS) as f:
            text = f.read()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "# Benchmarks\n\n") + section
    with open(DOCS + ".tmp", "w") as f:
        f.write(text)
    os.replace(DOCS + ".tmp", DOCS)
    print(f"{who}: wrote {os.path.relpath(DOCS, ROOT)}")


def fatal_line(boot, fatal):
    """The first serial line matching the regex `fatal` (the guest cannot serve), or None. A line
    still being received counts after half a second (a kernel may stop mid-line), so the message is
    usually whole."""
    lines = boot.all_lines()
    with boot.cond:
        whole = len(boot.lines)
    for line in lines:
        if fatal.search(line.text):
            if line.index < whole or boot.elapsed_ms() - line.ms > 500:
                return line.text
    return None


def first_200(boot, url, timeout, fatal):
    """Starts a curl every 50 ms until one returns 200; returns (seconds since QEMU started, body
    bytes, None) or (None, None, why not). Gives up when QEMU ends or a serial line matches
    `fatal`."""
    argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            "--max-time", str(CURL_MAX_TIME), url]
    running = []
    next_launch = boot.t0
    deadline = boot.t0 + timeout
    found, why = None, None
    try:
        while found is None:
            now = time.monotonic()
            for proc in [p for p in running if p.poll() is not None]:
                running.remove(proc)
                out = proc.stdout.read().decode(errors="replace").split()
                if out and out[0] == "200":
                    found = (now - boot.t0, int(float(out[1])) if len(out) > 1 else None, None)
                    break
            if found:
                break
            if now >= deadline:
                why = f"no HTTP 200 within {timeout:.0f} s"
                break
            if not boot.running():
                why = boot.state()
                break
            line = fatal_line(boot, fatal)
            if line:
                why = f"serial: {line}"
                break
            if now >= next_launch:
                running.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
                next_launch += POLL_INTERVAL
                if next_launch < now:  # the host stalled: do not start a burst of catch-up curls
                    next_launch = now + POLL_INTERVAL
            time.sleep(0.002)
    finally:
        for proc in running:
            proc.kill()
            proc.wait()
            proc.stdout.close()
    return found if found else (None, None, why)


def parse_duration(text):
    """wrk's '3.90ms' / '812.00us' / '1.02s' / '2.00m' in ms."""
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def parse_wrk(out):
    """The figures of one wrk run (requests, seconds, bytes read, rps, latency, error counts)."""
    fig = {k: 0 for k in WRK_ERRORS}
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s), ([\d.]+)([KMGT]?B) read", out)
    if m:
        fig["requests"] = int(m.group(1))
        fig["seconds"] = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
        # wrk prints binary units with two decimals: a lower bound within 0.5%.
        scale = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m.group(5)]
        fig["read_bytes"] = float(m.group(4)) * scale
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        fig["rps"] = float(m.group(1))
    m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    if m:
        fig["latency_avg_ms"] = parse_duration(m.group(1))
        fig["latency_max_ms"] = parse_duration(m.group(3))
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            fig[f"latency_p{pct}_ms"] = parse_duration(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            fig[k] = int(v)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        fig["non2xx"] = int(m.group(1))
    fig["errors"] = sum(fig[k] for k in WRK_ERRORS)
    return fig


def run_wrk(url, seconds, connections, latency=False):
    """One `wrk -t1 -c<connections> -d<seconds>s` run; returns (figures, raw output)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    argv += (["--latency"] if latency else []) + [url]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    out = proc.stdout + proc.stderr
    return parse_wrk(out), out


def wrk_checked(url, size, seconds, connections, warmup):
    """A `warmup`-second wrk run, then the measured one (with --latency) on keep-alive connections;
    returns (figures, raw output, None or why the figure is invalid: no figures, a socket error or
    non-2xx response, fewer than requests x size bytes)."""
    run_wrk(url, warmup, connections)
    fig, out = run_wrk(url, seconds, connections, latency=True)
    if "rps" not in fig or "read_bytes" not in fig:
        return fig, out, "wrk gave no figures: " + " | ".join(out.strip().splitlines()[-3:])
    if fig["errors"]:
        return fig, out, "wrk: " + ", ".join(f"{k} {fig[k]}" for k in WRK_ERRORS if fig[k])
    if fig["read_bytes"] < fig["requests"] * size * 0.99:  # wrk's figure is rounded
        return fig, out, (f"wrk read {fig['read_bytes']:.0f} bytes for {fig['requests']} responses "
                          f"of {size} bytes")
    return fig, out, None


def checked_fetch(url, size, digest, timeout):
    """Fetches url whole and compares its length and sha256; returns None or why not."""
    h = hashlib.sha256()
    got = 0
    with subprocess.Popen(["curl", "-s", "-f", "--max-time", str(timeout), url],
                          stdout=subprocess.PIPE, stdin=subprocess.DEVNULL) as proc:
        for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
            h.update(chunk)
            got += len(chunk)
        status = proc.wait()
    if status != 0:
        return f"{url}: curl exit {status} after {got} bytes"
    if got != size:
        return f"{url}: {got} bytes, not {size}"
    if h.hexdigest() != digest:
        return f"{url}: sha256 {h.hexdigest()} is not the file's {digest}"
    return None
