"""tests/e2e/case_debug.py: `make debug` (tools/debug): gdb on QEMU's gdb stub, with symbols, in batch mode.

(a) kernel: gdb breaks at kernel_main of a booting warp.iso; the backtrace names kernel_main at
    kernel/main.c:LINE and, below it, its caller in kernel/arch/ with file and line.
(b) server: with --server virtio_net (SERVER=virtio_net), gdb stops in that program's main (at
    servers/virtio_net/...), and the kernel's own record of the running process, read through the
    kernel's symbols, is the service whose manifest entry runs bin/virtio_net. All user programs share
    their addresses, and today another program (ping) runs code at virtio_net's main first: a stop in
    the wrong process fails here.
"""

import os
import re
import subprocess

import qemu
from harness import ROOT, Job, Result

GROUP = "debug"
DEBUG = os.path.join(ROOT, "tools", "debug")
TIMEOUT = 120  # seconds for one gdb session: boot to the breakpoint under TCG
SERVER = "virtio_net"
KERNEL_NAME = "debug: gdb breaks at kernel_main, symbolized backtrace"
SERVER_NAME = f"debug: SERVER={SERVER} breaks in its main, in its own process"
KERNEL_STOP = re.compile(r"^Breakpoint \d+, kernel_main \(", re.M)
KERNEL_FRAMES = re.compile(r"^#0\s+kernel_main \(.*\) at kernel/main\.c:\d+\n"
                           r"#1\s+0x[0-9a-f]+ in (\w+) \(.*\) at (kernel/arch/\S+):\d+$", re.M)
SERVER_STOP = re.compile(rf"^Breakpoint \d+, main \(.*\) at servers/{SERVER}/\S+:\d+$", re.M)
PROC_NAME = re.compile(r'^\$\d+ = "([^"]*)"', re.M)


def jobs(ctx):
    yield Job(KERNEL_NAME, kernel_breakpoint)
    yield Job(SERVER_NAME, server_breakpoint)


def debug_session(ctx, label, options, commands):
    """Runs tools/debug in batch mode with gdb commands; returns (gdb's output, serial log, problem).
    Its files (serial.log, gdbinit, qemu.log, and gdb.log here) go to build/e2e/debug-<label>/."""
    work = os.path.join(ctx.log_dir, f"debug-{label}")
    serial = os.path.join(work, "serial.log")
    argv = [DEBUG, "--batch", "--gdb-port", str(qemu.free_port()), "--port", str(qemu.free_port()),
            "--kernel", ctx.image("kernel.elf"), "--dir", work] + options + \
           [ctx.image("warp.iso"), "--"] + [arg for c in commands for arg in ("-ex", c)]
    env = dict(os.environ, BUILD=ctx.build)
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    problem = ""
    try:
        out, _ = proc.communicate(timeout=ctx.timeout(TIMEOUT))
    except subprocess.TimeoutExpired:
        proc.terminate()  # tools/debug then ends gdb and QEMU
        out, _ = proc.communicate()
        problem = f"gdb did not finish within {ctx.timeout(TIMEOUT):.0f} s"
    with open(os.path.join(work, "gdb.log"), "w") as f:
        f.write(out)
    return out, serial, problem


def failure(name, why, out, serial):
    """A failed result with the tail of gdb's output."""
    return Result(name, False, reason=why, notes=[f"serial log: {os.path.relpath(serial, ROOT)}"],
                  tail=out.strip().splitlines()[-15:])


def kernel_breakpoint(ctx):
    """(a): break kernel_main, continue, bt."""
    out, serial, problem = debug_session(ctx, "kernel", [], ["break kernel_main", "continue", "bt"])
    if problem or not KERNEL_STOP.search(out):
        return [failure(KERNEL_NAME, problem or "no 'Breakpoint N, kernel_main (' in gdb's output",
                        out, serial)]
    frames = KERNEL_FRAMES.search(out)
    if not frames:
        return [failure(KERNEL_NAME, "backtrace lacks '#0 kernel_main ... at kernel/main.c:N' and a "
                        "caller '#1 ... in f (...) at kernel/arch/...:N'", out, serial)]
    return [Result(KERNEL_NAME, True, notes=[f"caller: {frames.group(1)} at {frames.group(2)}"])]


def service_of(binary):
    """The service name boot.manifest gives the program bin/<binary> (the process's name)."""
    with open(os.path.join(ROOT, "servers", "init", "boot.manifest")) as f:
        text = f.read()
    for section, body in re.findall(r"^\[service\s+([\w.-]+)\]\s*\n((?:(?!\[).*\n?)*)", text, re.M):
        if re.search(rf"^\s*binary\s*=\s*bin/{re.escape(binary)}\s*(#.*)?$", body, re.M):
            return section
    return None


def server_breakpoint(ctx):
    """(b): --server virtio_net, continue, then where gdb stopped and which process runs."""
    want = service_of(SERVER)
    if want is None:
        return [Result(SERVER_NAME, False, reason=f"boot.manifest starts no bin/{SERVER}")]
    out, serial, problem = debug_session(ctx, "server", ["--server", SERVER],
                                         ["continue", "bt", "info symbol $pc",
                                          "print cpus[0].current->proc->name"])
    if problem or not SERVER_STOP.search(out):
        return [failure(SERVER_NAME, problem or f"no 'Breakpoint N, main (...) at servers/{SERVER}/...' "
                        "in gdb's output", out, serial)]
    if not re.search(rf"^main in section \.text of \S*/{SERVER}\.elf$", out, re.M):
        return [failure(SERVER_NAME, f"$pc is not main of {SERVER}.elf", out, serial)]
    running = PROC_NAME.search(out)
    if not running or running.group(1) != want:
        got = running.group(1) if running else "no answer"
        return [failure(SERVER_NAME, f"stopped in process {got!r}, want {want!r}", out, serial)]
    return [Result(SERVER_NAME, True, notes=[f"stopped in main of process {want!r} (bin/{SERVER})"])]
