"""tests/e2e/case_ipc.py: warp.iso runs the IPC demo: ping opens service/pong through init and passes.

ping (servers/ping) logs `ping: ok (N round trips)` after WRITE/READ/GETATTR/ECHO calls with
out-of-line buffers on a channel init handed out; `ping: FAILED: ...` or a kernel panic fail the case.
"""

import re

from harness import Boot, Job, Result

GROUP = "ipc"
NAME = "ipc demo: ping/pong through init"
TIMEOUT = 60
OUTCOME = re.compile(r"ping: ok \((\d+) round trips\)|ping: FAILED: .*|KERNEL PANIC")


def jobs(ctx):
    yield Job(NAME, ping_pong)


def ping_pong(ctx):
    """Boots warp.iso and waits for ping's verdict."""
    with Boot(ctx, NAME, ctx.image("warp.iso"), mem="128M", net=False) as boot:
        timeout = ctx.timeout(TIMEOUT)
        hit = boot.wait_for(OUTCOME, timeout)
        if hit is None:
            return [boot.fail(NAME, f"no 'ping: ok' within {timeout:.0f} s")]
        line, match = hit
        if match.group(1) is None:
            return [boot.fail(NAME, line.text.strip())]
        return [Result(NAME, True, notes=[f"{line.text.strip()} after {line.ms} ms"],
                       data={"ping_ms": line.ms, "round_trips": int(match.group(1))})]
