"""tests/e2e/case_fuzzos.py: the in-OS system-call fuzzer (tests/fuzzos) must find the kernel standing.

Boots warp-fuzzos.iso (FUZZ_OS_TEST_CALLS fuzzed calls, part of make test) and, at the long level
(make test-long, make fuzz-os), warp-fuzzos-long.iso (FUZZ_OS_CALLS, 10^6 by default). The fuzzer
prints its seed first, then TAP lines and `fuzzos: P passed, F failed`, and init powers off with its
exit code: QEMU exits with status 1 when it passed, 3 when a check failed. Any kernel panic or
backtrace on the serial line fails the run, as do a hang and any other exit status. The seed, the
call count and the rate go to the result's notes and data (results.json). WARP_FUZZOS=long (make
fuzz-os) runs the long level alone.
"""

import functools
import os
import re

from harness import TAP_LINE, Boot, Job, Result

GROUP = "fuzzos"
SEED = re.compile(r"^# fuzzos: seed (0x[0-9a-f]+)")
RATE = re.compile(r"^# fuzzos: (\d+) calls in (\d+) ms \((\d+) calls/s\)")
PAGES = re.compile(r"free pages back to the baseline afterwards \(before (\d+), after (\d+)\)")
SUMMARY = re.compile(r"^fuzzos: (\d+) passed, (\d+) failed")
KERNEL_TROUBLE = re.compile(r"KERNEL PANIC|^backtrace:|^\[\s*\d+\.\d+\] backtrace:")
QEMU_PASS = 1
# Small enough that the fuzzer's workers run the kernel out of memory (tests/fuzzos op_hog), so the
# kernel's own allocation failures happen too, with every process still running.
MEM = "64M"
# (name, image, seconds allowed under TCG, long level only)
RUNS = [("fuzz-os: short run", "warp-fuzzos.iso", 240, False),
        ("fuzz-os: long run", "warp-fuzzos-long.iso", 3600, True)]


def jobs(ctx):
    only_long = os.environ.get("WARP_FUZZOS") == "long"
    for name, image, timeout, long_only in RUNS:
        if (long_only and not ctx.long) or (only_long and not long_only):
            continue
        yield Job(name, functools.partial(fuzz, name=name, image=image, timeout=timeout))


def fuzz(ctx, name, image, timeout):
    """Boots one fuzzing image to its end and judges the run."""
    with Boot(ctx, name, ctx.image(image), mem=MEM, net=False, debug_exit=True) as boot:
        trouble = boot.wait_for(KERNEL_TROUBLE, ctx.timeout(timeout))
        status = boot.wait_exit(5 if trouble is None else 3)
        return [judge(ctx, boot, name, boot.all_lines(), status, timeout)]


def judge(ctx, boot, name, lines, status, timeout):
    """Pass: no kernel panic or backtrace, every TAP line ok, a summary with 0 failed, status 1."""
    texts = [line.text for line in lines]
    find = lambda regex: next((m for m in map(regex.search, texts) if m), None)  # noqa: E731
    seed, rate, pages, summary = find(SEED), find(RATE), find(PAGES), find(SUMMARY)
    problems = []
    if any(KERNEL_TROUBLE.search(t) for t in texts):
        problems.append("the kernel panicked (serial shows a panic or a backtrace)")
    if status is None:
        problems.append(f"QEMU did not exit within {ctx.timeout(timeout):.0f} s (hang)")
    elif status != QEMU_PASS:
        problems.append(f"QEMU exit status {status} (1 = passed, 3 = a check failed, else a crash)")
    failed = [t for t in texts if TAP_LINE.match(t) and t.startswith("not ok")]
    problems += [f"fuzzer: {t}" for t in failed]
    problems += [t.lstrip("# ") for t in texts if t.startswith("# fuzzos: FAILED") or "ended with reason" in t][:5]
    if summary is None:
        problems.append("no 'fuzzos: P passed, F failed' line")
    elif int(summary.group(2)) or not int(summary.group(1)):
        problems.append(f"the fuzzer reported {summary.group(0)!r}")
    notes, data = [], {"exit_status": status, "ms": boot.elapsed_ms()}
    if seed:
        notes.append(f"seed {seed.group(1)}")
        data["seed"] = seed.group(1)
    if rate:
        # The guest's clock under TCG runs behind the host's: give the rate by both.
        wall = int(rate.group(1)) * 1000 // max(1, boot.elapsed_ms())
        notes.append(f"{rate.group(1)} calls in {rate.group(2)} ms: {rate.group(3)} calls/s by the guest's "
                     f"clock, {wall} per second of the whole boot (host clock), under TCG")
        data.update(calls=int(rate.group(1)), calls_per_s=int(rate.group(3)), calls_per_wall_s=wall)
    if pages:
        notes.append(f"free pages before {pages.group(1)}, after {pages.group(2)}")
        data.update(pages_before=int(pages.group(1)), pages_after=int(pages.group(2)))
    if not problems:
        return Result(name, True, notes=notes, data=data)
    result = boot.fail(name, "; ".join(problems))
    result.notes[:0] = notes
    result.data = data
    return result
