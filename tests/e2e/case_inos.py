"""tests/e2e/case_inos.py: boots warp-test.iso and forwards the in-OS test process's verdict.

The in-OS test process prints TAP lines (`ok N - description` / `not ok N - description`) on COM1,
then `tests: N passed, M failed`; init then writes 0 (all passed) or 1 to isa-debug-exit, so QEMU
exits with status 1 (pass) or 3 (fail). Any other status is a crash, and no exit is a hang.
"""

import functools
import re

from harness import TAP_LINE, Boot, Job, Result, guest_results

GROUP = "in-os"
SUMMARY = re.compile(r"^tests: (\d+) passed, (\d+) failed")
PANIC = "KERNEL PANIC"
# tests/inos/t_console.c writes this line; the kernel must tag it with the writer's name.
FORGED = "kernel: forged by the in-OS tests"
# The kernel's line for an interrupt vector it has no handler for: no test makes one (a resumed
# fault of a supervised process once went on to the interrupt path and logged this).
UNEXPECTED = "trap: unexpected interrupt vector"
TIMEOUT = 120
QEMU_PASS, QEMU_FAIL = 1, 3  # isa-debug-exit statuses for the bytes 0 and 1
# Where the tests run: the first (QEMU's defaults) reports every test; the others (x2APIC and other
# paths of -cpu max, q35's chipset) only the verdict.
CONFIGS = [("bios", "pc", "qemu64", True), ("bios", "q35", "max", False)]


def jobs(ctx):
    for firmware, machine, cpu, forward in CONFIGS:
        name = f"in-os verdict {firmware}/{machine}/{cpu}"
        yield Job(name, functools.partial(run_tests, name=name, firmware=firmware,
                                          machine=machine, cpu=cpu, forward=forward))


def run_tests(ctx, name, firmware, machine, cpu, forward):
    """Boots the test image, waits for QEMU to exit, returns the forwarded results and the verdict."""
    with Boot(ctx, name, ctx.image("warp-test.iso"), firmware=firmware, machine=machine, cpu=cpu,
              mem="128M", net=False, debug_exit=True) as boot:
        # A panic halts the machine without exiting QEMU: stop waiting when one shows.
        panic = boot.wait_for(PANIC, ctx.timeout(TIMEOUT))
        if panic is not None:
            boot.wait_for("system halted", timeout=3, after=panic[0].index)
        status = boot.wait_exit(5 if panic is None else 0)
        lines = boot.all_lines()
        results = guest_results(lines, "in-os", "reported failed by the in-OS test process") if forward else []
        results.append(verdict(ctx, boot, name, lines, status))
        return results



def verdict(ctx, boot, name, lines, status):
    """Pass only with a `tests: N passed, 0 failed` line, N > 0, and QEMU exit status 1."""
    summary = next((SUMMARY.match(l.text) for l in reversed(lines) if SUMMARY.match(l.text)), None)
    taps = [TAP_LINE.match(l.text) for l in lines if TAP_LINE.match(l.text)]
    seen_ok = sum(1 for t in taps if t.group(1) == "ok")
    panicked = any(PANIC in l.text for l in lines)

    problems = []
    untagged = [l.text for l in lines if TAP_LINE.match(l.text) and not l.tag]
    if untagged:
        problems.append(f"a TAP line without its writer's tag: {untagged[0]!r}")
    forged = [l for l in lines if FORGED in l.text]
    if any(not l.tag for l in forged) or not forged:
        problems.append("the in-OS tests' forged kernel line is missing or shows untagged")
    unexpected = [l.text for l in lines if UNEXPECTED in l.text and not l.tag]
    if unexpected:
        problems.append(f"the kernel logged an unexpected interrupt: {unexpected[0]!r}")
    if panicked:
        problems.append("the kernel panicked")
    elif status is None:
        problems.append(f"QEMU did not exit within {ctx.timeout(TIMEOUT):.0f} s (hang)")
    elif status == QEMU_FAIL:
        problems.append("init reported failure (QEMU exit status 3)")
    elif status != QEMU_PASS:
        problems.append(f"QEMU exit status {status} (1 = pass, 3 = fail, else a crash)"
                        + (f": {boot.stderr_tail()}" if boot.stderr_tail() else ""))
    if summary is None:
        problems.append("no 'tests: N passed, M failed' line")
    else:
        passed, failed = int(summary.group(1)), int(summary.group(2))
        if failed:
            problems.append(f"{failed} in-OS test(s) failed")
        if passed + failed == 0:
            problems.append("the in-OS test process ran no test")

    notes = []
    data = {"exit_status": status, "ms": boot.elapsed_ms()}
    if summary is not None:
        notes.append(f"{summary.group(0)} (in {boot.elapsed_ms()} ms)")
        data.update(passed=int(summary.group(1)), failed=int(summary.group(2)))
        if seen_ok != int(summary.group(1)) or len(taps) - seen_ok != int(summary.group(2)):
            notes.append(f"note: serial shows {seen_ok} ok and {len(taps) - seen_ok} not ok lines")
    if not problems:
        return Result(name, True, notes=notes, data=data)
    failed = boot.fail(name, "; ".join(problems), with_state=False)
    failed.notes[:0] = notes
    failed.data = data
    return failed
