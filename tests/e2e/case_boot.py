"""tests/e2e/case_boot.py: warp.iso says hello on every firmware, machine and CPU; boot time."""

import functools
import os
import re

from harness import KERNEL_STAMP, Boot, Job, Result

GROUP = "boot"
HELLO = "Hello, World!"
PANIC = "KERNEL PANIC"
HELLO_OR_PANIC = re.compile(re.escape(HELLO) + "|" + re.escape(PANIC))
GRUB_LINE = "grub: loading Warp"  # echoed by the grub.cfg that tools/build.mk writes
MATRIX = [(firmware, machine, cpu)
          for firmware in ("bios", "uefi")
          for machine in ("pc", "q35")
          for cpu in ("qemu64", "max")]
# The configuration whose boot time is reported: QEMU's defaults, as `make run` uses them.
TIMED = ("bios", "pc", "qemu64")
# Seconds to wait for hello under TCG; OVMF alone takes several seconds to reach GRUB.
TIMEOUT = {"bios": 60, "uefi": 120}
# Budget for the timed boot (ms from QEMU start to hello); generous, it only catches regressions
# like a boot that waits for a timeout. Override with WARP_BOOT_BUDGET_MS.
BOOT_BUDGET_MS = int(os.environ.get("WARP_BOOT_BUDGET_MS", "30000"))


def jobs(ctx):
    """One boot per matrix entry; the TIMED one also reports the boot time."""
    for firmware, machine, cpu in MATRIX:
        name = f"boot {firmware}/{machine}/{cpu}"
        timed = (firmware, machine, cpu) == TIMED
        yield Job(name, functools.partial(boot_hello, name=name, firmware=firmware,
                                          machine=machine, cpu=cpu, timed=timed),
                  also=[boot_time_name()] if timed else [])


def boot_time_name():
    return "boot time " + "/".join(TIMED)


def boot_hello(ctx, name, firmware, machine, cpu, timed):
    """Boots warp.iso and waits for hello on COM1 (with a NIC attached, as `make run` has)."""
    with Boot(ctx, name, ctx.image("warp.iso"), firmware=firmware, machine=machine, cpu=cpu,
              mem="128M", net=True) as boot:
        timeout = ctx.timeout(TIMEOUT[firmware])
        hit = boot.wait_for(HELLO_OR_PANIC, timeout)
        if hit is None or hit[1].group(0) == PANIC:
            if hit is None:
                reason = f"no '{HELLO}' within {timeout:.0f} s"
            else:  # stop waiting at once, but let the report (registers, backtrace) arrive
                boot.wait_for("system halted", timeout=3, after=hit[0].index)
                reason = f"the kernel panicked after {hit[0].ms} ms, before '{HELLO}'"
            results = [boot.fail(name, reason)]
            if timed:
                results.append(Result(boot_time_name(), False, reason=f"{name} did not say hello"))
            return results
        line, _ = hit
        result = Result(name, True, notes=[f"'{HELLO}' after {line.ms} ms"],
                        data={"hello_ms": line.ms})
        results = [result]
        if timed:
            results.append(boot_time(boot, line))
        return results


def boot_time(boot, hello):
    """Reports the wall-clock ms to hello, split at GRUB's line, and the kernel's own clock."""
    data = {"hello_ms": hello.ms}
    notes = [f"QEMU start to '{HELLO}': {hello.ms} ms (wall clock, TCG)"]
    grub = boot.wait_for(GRUB_LINE, timeout=0)
    if grub is not None and grub[0].index <= hello.index:
        data["grub_ms"] = grub[0].ms
        notes.append(f"QEMU start to GRUB loading the kernel: {grub[0].ms} ms (firmware + GRUB)")
    first_log = next((line for line in boot.lines[:hello.index] if KERNEL_STAMP.match(line.text)),
                     None)
    if first_log is not None:
        data["first_kernel_line_ms"] = first_log.ms
        notes.append(f"QEMU start to the first kernel log line: {first_log.ms} ms")
    stamp = KERNEL_STAMP.match(hello.text)
    if stamp:
        data["kernel_stamp_s"] = float(stamp.group(1))
        notes.append(f"kernel timestamp on the hello line: {stamp.group(1)} s")
    else:
        before = boot.kernel_stamp_before(hello.index)
        if before is not None:
            data["kernel_stamp_s"] = before
            notes.append(f"the hello line has no timestamp; the last kernel timestamp before it: "
                         f"{before:.6f} s")
    ok = hello.ms <= BOOT_BUDGET_MS
    return Result(boot_time_name(), ok,
                  reason="" if ok else f"{hello.ms} ms is over the {BOOT_BUDGET_MS} ms budget",
                  notes=notes, data=data)
