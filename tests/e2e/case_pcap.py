"""tests/e2e/case_pcap.py: `make run PCAP=file` records the guest's network traffic as a pcap.

tools/run-qemu --pcap puts QEMU's filter-dump on the NIC (checked on its --dry-run command). Then one
boot of warp.iso with that capture (the same tools/qemu.py option), curl fetches / over the forwarded
port, QEMU stops, and the file is read back (tests/e2e/pcap.py, no packet library): it must hold, as
the guest saw it, curl's `GET / HTTP/1.1` to port 80 and, on that same connection, http_server's
`HTTP/1.1 200` answer.
"""

import os
import subprocess
import time

import pcap
from harness import ROOT, Boot, Job, Result

GROUP = "pcap"
NAME = "pcap: make run PCAP=file holds the HTTP request and its 200"
LISTENING = "http_server: listening on :80"
BOOT_TIMEOUT = 90    # seconds to the listening line (TCG)
FETCH_TIMEOUT = 60   # seconds for curl's first 200 once listening (DHCP may still run)
RUN_QEMU = os.path.join(ROOT, "tools", "run-qemu")


def jobs(ctx):
    yield Job(NAME, capture)


def run_qemu_wires_it(ctx, path):
    """Problem with `tools/run-qemu --pcap` (what `make run PCAP=` calls), or ""."""
    done = subprocess.run([RUN_QEMU, "--dry-run", "--pcap", path, ctx.image("warp.iso")],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0 or f"filter-dump,id=pcap0,netdev=n0,file={path}" not in done.stdout:
        return f"tools/run-qemu --pcap: no filter-dump of the NIC in {done.stdout.strip()!r}"
    return ""


def fetch(port, deadline):
    """curl http://127.0.0.1:port/ until it answers 200; returns (ok, what curl said last)."""
    last = "no attempt"
    while time.monotonic() < deadline:
        done = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                               f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=20)
        last = (done.stdout + " " + done.stderr).strip()
        if done.returncode == 0 and done.stdout == "200":
            return True, last
        time.sleep(1)
    return False, last


def exchange(segments):
    """(request, response) segments of one connection to port 80: curl's GET / and a 200, or Nones."""
    requests = [s for s in segments if s.dport == 80 and s.payload.startswith(b"GET / HTTP/1.1\r\n")
                and b"\r\nUser-Agent: curl/" in s.payload]
    for request in requests:
        for s in segments:
            if (s.sport, s.src, s.dport, s.dst) == (80, request.dst, request.sport, request.src) and \
                    s.payload.startswith(b"HTTP/1.1 200 "):
                return request, s
    return (requests[0] if requests else None), None


def capture(ctx):
    """Boots with a capture, fetches /, stops QEMU, reads the capture back."""
    path = os.path.join(ctx.log_dir, "pcap-http.pcap")
    if os.path.exists(path):
        os.unlink(path)
    problem = run_qemu_wires_it(ctx, path)
    if problem:
        return [Result(NAME, False, reason=problem)]
    with Boot(ctx, NAME, ctx.image("warp.iso"), net=True, pcap=path) as boot:
        if boot.wait_for(LISTENING, ctx.timeout(BOOT_TIMEOUT)) is None:
            return [boot.fail(NAME, f"no '{LISTENING}' within {ctx.timeout(BOOT_TIMEOUT):.0f} s")]
        ok, said = fetch(boot.options["port"], time.monotonic() + ctx.timeout(FETCH_TIMEOUT))
        if not ok:
            return [boot.fail(NAME, f"curl got no 200 from the forwarded port: {said}")]
        boot.kill()  # QEMU closes the capture file
    try:
        frames = pcap.read_frames(path)
    except (OSError, ValueError) as e:
        return [Result(NAME, False, reason=f"capture unreadable: {e}")]
    request, response = exchange(pcap.tcp_segments(frames))
    where = f"{len(frames)} frames in {os.path.relpath(path, ROOT)}"
    if request is None:
        return [Result(NAME, False, reason=f"no 'GET / HTTP/1.1' from curl to port 80 among {where}")]
    if response is None:
        return [Result(NAME, False, reason=f"a GET / from {request.src}:{request.sport} but no "
                                           f"'HTTP/1.1 200' back on that connection among {where}")]
    status = response.payload.split(b"\r\n", 1)[0].decode(errors="replace")
    return [Result(NAME, True, notes=[where, f"{request.src}:{request.sport} -> {request.dst}:80 "
                                             f"GET /, answered '{status}'"])]
