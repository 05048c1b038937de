"""tests/e2e/case_crash.py: warp-crash.iso makes the kernel fault on purpose; check the panic report.

The report must say KERNEL PANIC, then `backtrace:`, then frame lines `<symbol>+0x<offset>`, one of
which names the deliberately faulting function (crashtest_fault): proof that the symbolizer works.
"""

import re
import time

from harness import Boot, Job, Result

GROUP = "crash"
NAME = "crash report"
TIMEOUT = 60
FRAME = re.compile(r"\b(crashtest\w*)\+0x[0-9a-fA-F]+")


def jobs(ctx):
    yield Job(NAME, crash_report)


def crash_report(ctx):
    """Boots the crash image and waits for the three parts of the report, in order."""
    with Boot(ctx, NAME, ctx.image("warp-crash.iso"), mem="128M", net=False) as boot:
        deadline = time.monotonic() + ctx.timeout(TIMEOUT)
        panic = boot.wait_for("KERNEL PANIC", deadline=deadline)
        if panic is None:
            return [boot.fail(NAME, f"no 'KERNEL PANIC' within {ctx.timeout(TIMEOUT):.0f} s")]
        backtrace = boot.wait_for("backtrace:", deadline=deadline, after=panic[0].index)
        if backtrace is None:
            return [boot.fail(NAME, "'KERNEL PANIC' but no 'backtrace:' line after it")]
        frame = boot.wait_for(FRAME, deadline=deadline, after=backtrace[0].index + 1)
        if frame is None:
            return [boot.fail(NAME, "no backtrace frame naming crashtest (<symbol>+0x<offset>)")]
        return [Result(NAME, True,
                       notes=[f"panic after {panic[0].ms} ms: {panic[0].text.strip()}",
                              f"frame: {frame[0].text.strip()}"],
                       data={"panic_ms": panic[0].ms})]
