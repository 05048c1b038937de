"""tests/e2e/harness.py: boots Warp images in QEMU, watches COM1 line by line, reports TAP results.

A test group is a file tests/e2e/case_<group>.py with GROUP (its name) and jobs(ctx), which returns
Job objects. A job boots QEMU at most once at a time and returns a list of Result; jobs run in a pool
of ctx.jobs threads, so ctx.jobs is also the most QEMUs alive at once. Results are printed in the
order the jobs were planned, as `ok - name` / `not ok - name` (`ok - name # SKIP why` for a check
this host cannot run) plus `#` diagnostic lines.
Standard library only.
"""

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu  # noqa: E402  (tools/qemu.py: the one place that knows the QEMU command line)

# Terminal control sequences that GRUB and OVMF send to the serial port (CSI, charset, keypad).
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?=]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78])")
# A kernel log line starts with its uptime: `[    0.123456] stage: text`.
KERNEL_STAMP = re.compile(r"^\[\s*(\d+\.\d+)\]")
# A TAP result line, as the in-OS test process and cmocka print them.
TAP_LINE = re.compile(r"^(ok|not ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$")
# A user process's console line starts with its name, `[tcpip] text` (kernel/console.c); the
# harness keeps the name apart (Line.tag), so checks match what the process printed.
USER_TAG = re.compile(r"^\[([A-Za-z0-9_-]+)\] ")
TAIL_LINES = 25


def clean_line(raw):
    """Decodes one serial line and drops escape sequences and carriage returns."""
    text = raw.decode("utf-8", errors="replace")
    return ANSI_ESCAPE.sub("", text).replace("\r", "").rstrip()


def split_tag(text):
    """(tag, text) of a cleaned line: the writer's name and the rest, or "" and the whole line."""
    match = USER_TAG.match(text)
    return (match.group(1), text[match.end():]) if match else ("", text)


def tagged_line(index, ms, raw):
    """A Line from one raw serial line, its writer's tag taken off."""
    tag, text = split_tag(clean_line(raw))
    return Line(index, ms, text, tag)


def slug(name):
    """Turns a result name into a file name."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-")


@dataclasses.dataclass
class Line:
    """One line of serial output and when it arrived (ms since QEMU started)."""
    index: int
    ms: int
    text: str
    tag: str = ""  # the user process that wrote it ("" for the kernel and firmware)


@dataclasses.dataclass
class Result:
    """One TAP result. `skip` says why the check could not run here (then it is neither passed nor
    failed); `data` holds numbers for results.json (timings)."""
    name: str
    ok: bool
    reason: str = ""
    skip: str = ""
    notes: list = dataclasses.field(default_factory=list)
    tail: list = dataclasses.field(default_factory=list)
    data: dict = dataclasses.field(default_factory=dict)


def guest_results(lines, prefix, failed="reported failed in the guest"):
    """Each TAP line a guest program printed as a result `<prefix>: <description>` (a skip stays a
    skip, a failure gets `failed` as its reason), the `#` lines after it as its notes."""
    results = []
    for line in lines:
        tap = TAP_LINE.match(line.text)
        if tap:
            ok = tap.group(1) == "ok"
            description, _, why = (tap.group(3) or f"test {tap.group(2)}").partition(" # SKIP ")
            results.append(Result(f"{prefix}: {description}", ok, skip=why, reason="" if ok else failed))
        elif results and line.text.startswith("#"):
            results[-1].notes.append(line.text.lstrip("# "))
    return results


def skipped(name, why):
    """The Result of a check this host cannot run (no root for a network namespace, ...)."""
    return Result(name, True, skip=why)


@dataclasses.dataclass
class Job:
    """A unit of work for the pool. If it cannot boot, `name` and every name in `also` fail. An
    `alone` job measures latency against targets: it runs after the others, with no other QEMU
    beside it, so that what it measures is the guest's and not the neighbouring boot's."""
    name: str
    run: object  # callable(ctx) -> list[Result]
    also: list = dataclasses.field(default_factory=list)
    alone: bool = False


class Unbootable(Exception):
    """The host cannot boot this configuration (no QEMU, no image, no OVMF...)."""


class Context:
    """What every job may use: paths, the pool width, the timeout scale, and `long`: run the long
    levels too (`make test-long`: soak and repeat for minutes where a case has such a level)."""

    def __init__(self, build, jobs, timeout_scale, long=False):
        self.build = os.path.join(ROOT, build) if not os.path.isabs(build) else build
        self.log_dir = os.path.join(self.build, "e2e")
        self.jobs = jobs
        self.timeout_scale = timeout_scale
        self.long = long
        os.makedirs(self.log_dir, exist_ok=True)

    def image(self, name):
        """Path of an image in the build directory."""
        return os.path.join(self.build, name)

    def timeout(self, seconds):
        """A timeout in seconds, scaled by WARP_E2E_TIMEOUT_SCALE for slow machines."""
        return seconds * self.timeout_scale


_live_boots = set()
_live_lock = threading.Lock()
_stopping = False


def http_header(headers, name):
    """The value of header `name` in a curl -D dump, or None."""
    for line in headers.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def readable_site_image(tree, image):
    """Makes tree readable by others, as fs requires of what it serves (directories 0755, files
    0644), and its ext4 image with tools/mksite; raises CalledProcessError if that fails."""
    for top, _, files in os.walk(tree):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)
    subprocess.run([os.path.join(ROOT, "tools", "mksite"), tree, image], check=True, capture_output=True,
                   timeout=300)


def kill_all_boots():
    """Kills every QEMU this harness started and lets no new one start (used on Ctrl-C)."""
    global _stopping
    with _live_lock:
        _stopping = True
        boots = list(_live_boots)
    for boot in boots:
        boot.kill()


class Boot:
    """One QEMU run with COM1 captured line by line, each line stamped with ms since QEMU started.

    Use as a context manager: QEMU starts on entry and is killed on exit if still running.
    Options are those of tools/qemu.py command(); the serial port and monitor are chosen here.
    `baud=N` makes COM1 as slow as a real serial line at N baud (8N1: N / 10 bytes a second): QEMU's
    UART sends to a Unix socket that is read no faster than that. QEMU writes it a byte at a time
    and each byte waits as a buffer of its own, charged to QEMU's small send allowance, so after a
    few hundred bytes the guest's transmitter stays busy as a real one would (QEMU's 16550 otherwise
    sends every byte the moment it is written; a TCP socket would queue megabytes first).
    """

    PARTIAL_GRACE = 0.5  # seconds a matching unfinished line may wait for its end of line

    def __init__(self, ctx, name, image, baud=None, **options):
        options.setdefault("net", False)
        self.baud = baud
        self.serial_sock = None  # a `baud` boot's COM1, in serial_tmp
        self.serial_tmp = None
        if options["net"] and "port" not in options:
            options["port"] = qemu.free_port()
        self.name = name
        self.image = image
        self.options = options
        self.log_path = os.path.join(ctx.log_dir, slug(name) + ".log")
        self.lines = []
        self.partial = ""
        self.partial_ms = 0
        self.eof = False
        self.stderr = b""
        self.proc = None
        self.readers = []
        self.t0 = None
        self.argv = None
        self.cond = threading.Condition()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def start(self):
        """Starts QEMU; raises Unbootable when this host cannot run the configuration."""
        found = qemu.problems(self.image, **self.options)
        if found:
            raise Unbootable("; ".join(found))
        serial_path = os.path.join(self._serial_dir(), "com1") if self.baud else None
        serial = f"unix:{serial_path},server=on,wait=on" if self.baud else "stdio"
        self.argv = qemu.command(self.image, serial=serial, monitor="none", **self.options)
        with _live_lock:
            if _stopping:
                raise Unbootable("the harness is stopping")
            self.log = open(self.log_path, "wb")
            # Own session: QEMU gets no terminal signals, and we end exactly the process we started.
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL if self.baud else subprocess.PIPE,
                                         stderr=subprocess.PIPE, start_new_session=True)
            self.t0 = time.monotonic()
            _live_boots.add(self)
        if self.baud:
            try:
                self.serial_sock = self._connect_serial(serial_path)
            except Unbootable:
                self.kill()  # no context-manager exit follows a failed start
                raise
        self.readers = [threading.Thread(target=self._read_serial, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self.readers:
            reader.start()

    def elapsed_ms(self):
        """Milliseconds since QEMU started."""
        return int((time.monotonic() - self.t0) * 1000)

    def _serial_dir(self):
        """A fresh directory for a `baud` boot's socket (a socket path must stay under 108 bytes)."""
        self.serial_tmp = tempfile.TemporaryDirectory(prefix="warp-com1-")
        return self.serial_tmp.name

    def _connect_serial(self, path):
        """The socket of a `baud` boot's COM1: QEMU waits for it before it runs the guest."""
        deadline = time.monotonic() + 30
        while True:
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.connect(path)
                return sock
            except OSError:
                sock.close()
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise Unbootable(f"QEMU's serial socket {path} never answered")
                time.sleep(0.05)

    def _serial_chunks(self):
        """COM1's bytes as they come: QEMU's stdout, or a `baud` boot's socket read at the line's pace."""
        if not self.baud:
            fd = self.proc.stdout.fileno()
            while chunk := os.read(fd, 4096):
                yield chunk
            return
        rate = self.baud / 10
        while True:
            try:
                chunk = self.serial_sock.recv(16)  # a 16550's FIFO: room comes 16 bytes at a time
            except OSError:
                return
            if not chunk:
                return
            yield chunk
            time.sleep(len(chunk) / rate)  # a line idle meanwhile banks nothing: no burst after it

    def _read_serial(self):
        """Splits COM1's output into stamped lines until QEMU closes it."""
        pending = b""
        chunks = self._serial_chunks()
        while True:
            chunk = next(chunks, b"")
            now = self.elapsed_ms()
            with self.cond:
                if not chunk:
                    if pending:
                        self.lines.append(tagged_line(len(self.lines), now, pending))
                    self.partial = ""
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.log.write(chunk)
                pending += chunk
                while b"\n" in pending:
                    raw, pending = pending.split(b"\n", 1)
                    self.lines.append(tagged_line(len(self.lines), now, raw))
                self.partial = split_tag(clean_line(pending))[1]
                self.partial_ms = now
                self.cond.notify_all()

    def _read_stderr(self):
        """Keeps QEMU's own messages (errors, warnings) for failure reports."""
        data = self.proc.stderr.read()
        with self.cond:
            self.stderr = data

    def wait_for(self, pattern, timeout=None, deadline=None, after=0):
        """Waits for a line (index >= after) matching pattern (str = substring, or a regex).

        Returns (Line, match) or None on timeout or when QEMU ended first. A line still being
        received counts too, after PARTIAL_GRACE seconds without its end of line (a kernel that
        halts mid-line); it is returned with index len(lines), the index it will have.
        """
        regex = re.compile(re.escape(pattern)) if isinstance(pattern, str) else pattern
        if deadline is None:
            deadline = time.monotonic() + timeout
        scanned = after
        partial_hit = None
        with self.cond:
            while True:
                for line in self.lines[scanned:]:
                    match = regex.search(line.text)
                    if match:
                        return line, match
                scanned = max(scanned, len(self.lines))
                now = time.monotonic()
                match = regex.search(self.partial) if self.partial else None
                if match and partial_hit is None:
                    partial_hit = (Line(len(self.lines), self.partial_ms, self.partial), match, now)
                if partial_hit and (now - partial_hit[2] >= self.PARTIAL_GRACE or self.eof or
                                    now >= deadline):
                    return partial_hit[:2]
                if self.eof or now >= deadline:
                    return None
                wait = deadline - now
                if partial_hit:
                    wait = min(wait, partial_hit[2] + self.PARTIAL_GRACE - now)
                self.cond.wait(min(wait, 0.5))

    def wait_exit(self, timeout):
        """Waits for QEMU to end by itself; returns its exit status, or None on timeout."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self.readers:
            reader.join(5)
        return status

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """Ends QEMU (SIGTERM, then SIGKILL) if it still runs, and closes the log."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        for reader in self.readers:
            reader.join(5)
        if self.serial_sock is not None:
            self.serial_sock.close()
        if self.serial_tmp is not None:
            self.serial_tmp.cleanup()
        with _live_lock:
            _live_boots.discard(self)
        if not self.log.closed:
            self.log.close()

    def all_lines(self):
        """Every serial line so far, including one still being received."""
        with self.cond:
            lines = list(self.lines)
            if self.partial:
                lines.append(Line(len(lines), self.partial_ms, self.partial))
        return lines

    def tail(self, n=TAIL_LINES):
        """The last n serial lines (for failure reports)."""
        with self.cond:
            texts = [line.text for line in self.lines[-n:]]
            if self.partial:
                texts.append(self.partial)
        return texts[-n:]

    def stderr_tail(self):
        """QEMU's last message on stderr, or ""."""
        with self.cond:
            errors = self.stderr.decode(errors="replace").strip().splitlines()
        return errors[-1].strip() if errors else ""

    def state(self):
        """Says how QEMU ended, or that it still runs, with its last stderr line."""
        status = self.proc.poll()
        if status is None:
            return "QEMU still running"
        text = f"QEMU exited with status {status}"
        if self.stderr_tail():
            text += f" ({self.stderr_tail()})"
        return text

    def kernel_stamp_before(self, index):
        """The latest kernel log timestamp (seconds) on lines before `index`, or None."""
        with self.cond:
            for line in reversed(self.lines[:index]):
                stamp = KERNEL_STAMP.match(line.text)
                if stamp:
                    return float(stamp.group(1))
        return None

    def fail(self, name, reason, with_state=True):
        """A failed Result carrying QEMU's state, the serial tail and how to reproduce."""
        if with_state:
            reason = f"{reason}; {self.state()}"
        return Result(name, False, reason=reason,
                      notes=[f"serial log: {os.path.relpath(self.log_path, ROOT)}",
                             f"qemu: {qemu.shell_quote(self.argv)}"],
                      tail=self.tail())


def print_result(result, out=sys.stdout):
    """Prints one result as TAP, diagnostics as `#` lines (never mistaken for results)."""
    skip = f" # SKIP {result.skip}" if result.skip else ""
    out.write(f"{'ok' if result.ok else 'not ok'} - {result.name}{skip}\n")
    if result.reason:
        out.write(f"#   {result.reason}\n")
    for note in result.notes:
        out.write(f"#   {note}\n")
    if result.tail:
        out.write("#   serial tail:\n")
        for line in result.tail:
            out.write(f"#   | {line}\n")
    out.flush()


def _run_job(job, ctx):
    """Runs one job, turning a host problem or a harness bug into failed results."""
    try:
        return job.run(ctx)
    except Unbootable as e:
        reason = f"cannot boot: {e}"
    except Exception:  # a bug in a case must not hide the other results
        reason = "harness error: " + traceback.format_exc().strip().replace("\n", "\n#   ")
    return [Result(name, False, reason=reason) for name in [job.name] + job.also]


def run_jobs(ctx, jobs, out=sys.stdout):
    """Runs jobs ctx.jobs at a time, then the `alone` ones one by one; prints results in that order;
    returns every Result."""
    jobs = list(jobs)
    shared, alone = [j for j in jobs if not j.alone], [j for j in jobs if j.alone]
    results = _run_pool(ctx, shared, ctx.jobs, out)
    return results + _run_pool(ctx, alone, 1, out)


def _run_pool(ctx, jobs, width, out):
    """Runs jobs `width` at a time, prints results in plan order; returns them."""
    results = []
    with ThreadPoolExecutor(max_workers=width) as pool:
        futures = [pool.submit(_run_job, job, ctx) for job in jobs]
        try:
            for future in futures:
                for result in future.result():
                    print_result(result, out)
                    results.append(result)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            kill_all_boots()
            raise
    return results


def write_results(ctx, results):
    """Saves results (with timings) as JSON beside the serial logs."""
    path = os.path.join(ctx.log_dir, "results.json")
    with open(path, "w") as f:
        json.dump([dataclasses.asdict(r) for r in results], f, indent=1)
    return path
