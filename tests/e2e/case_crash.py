"""tests/e2e/case_crash.py: the crash images make the kernel fail on purpose; check the panic reports.

warp-crash.iso writes through a bad pointer: the report must say KERNEL PANIC, then `backtrace:`, then
frame lines `<symbol>+0x<offset>`, one of which names the deliberately faulting function
(crashtest_fault): proof that the symbolizer works. warp-crash-stack.iso recurses until the boot
stack overflows: the guard page below it must turn that into a double fault whose report names the
overflowed stack, with a backtrace through the recursion (crashtest_recurse).
"""

import re
import time

from harness import Boot, Job, Result

GROUP = "crash"
TIMEOUT = 60
FRAME = re.compile(r"\b(crashtest[\w.]*)\+0x[0-9a-fA-F]+")
CASES = [
    # (name, image, what the panic line must say, the line naming the cause)
    ("crash report", "warp-crash.iso", "KERNEL PANIC", None),
    ("crash report: kernel stack overflow", "warp-crash-stack.iso", "KERNEL PANIC: double fault",
     "kernel stack overflow: the boot (idle) stack"),
]


def jobs(ctx):
    for name, image, panic, cause in CASES:
        yield Job(name, lambda c, n=name, i=image, p=panic, w=cause: crash_report(c, n, i, p, w))


def crash_report(ctx, name, image, panic_text, cause_text):
    """Boots a crash image and waits for the parts of the report, in order."""
    with Boot(ctx, name, ctx.image(image), mem="128M", net=False) as boot:
        deadline = time.monotonic() + ctx.timeout(TIMEOUT)
        panic = boot.wait_for(panic_text, deadline=deadline)
        if panic is None:
            return [boot.fail(name, f"no '{panic_text}' within {ctx.timeout(TIMEOUT):.0f} s")]
        after = panic[0].index
        if cause_text:
            cause = boot.wait_for(cause_text, deadline=deadline, after=after)
            if cause is None:
                return [boot.fail(name, f"'{panic_text}' but no '{cause_text}' after it")]
            after = cause[0].index
        backtrace = boot.wait_for("backtrace:", deadline=deadline, after=after)
        if backtrace is None:
            return [boot.fail(name, f"'{panic_text}' but no 'backtrace:' line after it")]
        frame = boot.wait_for(FRAME, deadline=deadline, after=backtrace[0].index + 1)
        if frame is None:
            return [boot.fail(name, "no backtrace frame naming crashtest (<symbol>+0x<offset>)")]
        return [Result(name, True,
                       notes=[f"panic after {panic[0].ms} ms: {panic[0].text.strip()}",
                              f"frame: {frame[0].text.strip()}"],
                       data={"panic_ms": panic[0].ms})]
