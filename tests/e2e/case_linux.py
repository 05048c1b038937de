"""tests/e2e/case_linux.py: the linux server runs static Linux binaries as the host does.

warp-linux.iso starts the linux server with the Linux programs of tests/linuxbin/linux.manifest
(its [linux NAME] sections), static musl binaries built into build/linuxbin/. Each program is also
run here, on the host, with the same argv (argv[0] is the manifest's path), environment, stdin
from /dev/null (read-only) and stdout and stderr to pipes, which is what the server gives it: what
it wrote to stdout and stderr and its exit code must be the same under Warp, where the server
logs each line as `NAME/1: text` (stdout) or `NAME/2: text` (stderr) and the end as `linux:
NAME exited with code N` or `linux: NAME killed by signal N (...)` (abort, a null pointer write).
The file programs (files, dupfd, direrr) work under $LXTEST_DIR: /tmp (fs's tmpfs) under Warp, a
fresh directory here for each host run; the host run's descriptor limit is Warp's (256).
The hostile programs are checked by what the server says instead: a binary cut short, a file
that is no ELF, a dynamically linked binary and one whose bss is past its quota are refused, an unimplemented system call is ENOSYS and logged once by name, 20,000
random system calls (tests/linuxbin/
chaos.c) are all answered, and a program started after them all runs.
"""

import os
import re
import resource
import shutil
import subprocess
import tempfile

from harness import ROOT, Boot, Job, Result, readable_site_image

GROUP = "linux"
NAME = "linux server"
TIMEOUT = 120
MANIFEST = os.path.join(ROOT, "tests", "linuxbin", "linux.manifest")
DONE = "linux: no Linux process left"
BEFORE = re.compile(r"^linux: (\d+) pages free before the programs$")
AFTER = re.compile(r"^linux: no Linux process left \((\d+) pages free\)$")
# The pages the system may have taken meanwhile: the server's event loop tables grow on its heap (a
# 128 KiB arena and its page tables), and the kernel's own heap (call records, queued messages)
# keeps what it grew to; the count is the whole machine's. 35 to 70 pages were seen. One Linux
# process that was not given back holds far more (its 1 MiB stack alone is 256 pages).
SERVER_SLACK = 128
FATAL = re.compile(r"KERNEL PANIC|init: linux (exited|faulted|was killed)")
# Programs whose outcome is the server's refusal or log, not a comparison with the host.
HOSTILE = {"truncated", "garbage", "dynamic", "bigbss", "enosys", "enosys2", "chaos", "rlimit", "sysinfo"}
# rlimit's lines under Warp: the limits it enforces, a change that changes nothing taken, any other EPERM.
RLIMIT_LINES = ["getrlimit NOFILE: 0 errno 0", "NOFILE 256 256", "STACK 1048576 1048576", "FSIZE infinite 1",
                "setrlimit NOFILE to what it is: 0 errno 0", "setrlimit NOFILE lower: -1 errno 1",
                "setrlimit NOFILE soft above hard: -1 errno 22", "getrlimit resource 99: -1 errno 22",
                "getrlimit to NULL: -1 errno 14", "getrlimit to a bad address: -1 errno 14",
                "prlimit64 of pid 12345: -1 errno 3", "prlimit64 of itself: 0 errno 0"]
# sysinfo's lines under Warp: the machine's figures, no load averages.
SYSINFO_LINES = ["sysinfo: 0", "uptime at least a second: 1", "mem_unit 1, some RAM: 1, free at most total: 1",
                 "processes: 1, loads 0 0 0, swap 0", "sysinfo to a bad address: -1 errno 14"]


def read_programs():
    """The [linux NAME] sections of the manifest: {name: {"linux": path, "args": [...], "env": {...}}}."""
    progs, cur = {}, None
    with open(MANIFEST, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            section = re.match(r"^\[(\w+)\s+([^\]]+)\]$", line)
            if section:
                cur = progs.setdefault(section.group(2).strip(), {"args": [], "env": {}}) \
                    if section.group(1) == "linux" else None
            elif cur is not None and "=" in line:
                key, value = (s.strip() for s in line.split("=", 1))
                if key == "linux":
                    cur["linux"] = value
                elif key == "args":
                    cur["args"] = value.split()
                elif key == "env":
                    cur["env"] = dict(w.split("=", 1) for w in value.split())
                elif key == "cwd":
                    cur["cwd"] = value
    return progs


# The descriptor limit a Linux process has under Warp (servers/linux/lxfd.h, LXFD_MAX).
FD_LIMIT = 256
# A program's scratch directory: /tmp under Warp (fs's tmpfs), a fresh directory on the host.
SCRATCH_ENV = "LXTEST_DIR"


def host_limits():
    """In the host's child: the descriptor limit the server gives (EMFILE at the same count)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def host_cwd(prog, scratch):
    """The host run's working directory: its scratch directory where the manifest's cwd is the
    scratch directory under Warp ($LXTEST_DIR's value there), else this one."""
    cwd = prog.get("cwd")
    if cwd is None:
        return None
    if scratch is None or cwd != prog["env"].get(SCRATCH_ENV):
        raise ValueError(f"cwd = {cwd}: the host run can only start in the scratch directory")
    return scratch


def host_run(ctx, prog):
    """Runs the binary on the host as the server runs it: (stdout lines, stderr lines, exit code)."""
    binary = os.path.join(ctx.build, "linuxbin", os.path.basename(prog["linux"]))
    env = dict(prog["env"])
    scratch = tempfile.mkdtemp(prefix="warp-lxtest-") if SCRATCH_ENV in env else None
    if scratch:
        env[SCRATCH_ENV] = scratch
    try:
        with open(os.devnull, "rb") as null:  # read-only, as a shell's `< /dev/null` (DEVNULL is read-write)
            done = subprocess.run([prog["linux"]] + prog["args"], executable=binary, env=env, stdin=null,
                                  capture_output=True, timeout=60, check=False, preexec_fn=host_limits,
                                  cwd=host_cwd(prog, scratch))
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return (done.stdout.decode(errors="replace").splitlines(),
            done.stderr.decode(errors="replace").splitlines(), done.returncode)


def guest_run(lines, name):
    """What the server logged of one program: (stdout lines, stderr lines, exit code or None; minus
    the signal for a program a signal ended, as subprocess gives the host's)."""
    out, err, code = [], [], None
    for line in lines:
        if line.tag != "linux":
            continue
        if line.text.startswith(f"{name}/1: "):
            out.append(line.text[len(name) + 4:])
        elif line.text.startswith(f"{name}/2: "):
            err.append(line.text[len(name) + 4:])
        ended = re.match(rf"^linux: {re.escape(name)} (exited with code|killed by signal) (\d+)\b", line.text)
        if ended:  # as Python reports the host run: the code, or minus the signal
            code = int(ended.group(2)) * (1 if ended.group(1).startswith("exited") else -1)
    return out, err, code


def compare(ctx, lines, name, prog):
    """One program's differential result."""
    title = f"linux: {name} ({prog['linux']}) matches the host run"
    want = host_run(ctx, prog)
    got = guest_run(lines, name)
    for what, w, g in zip(("stdout", "stderr", "exit code"), want, got):
        if w != g:
            return Result(title, False, reason=f"{what} differs: host {w!r}, Warp {g!r}")
    return Result(title, True, notes=[f"{len(want[0])} stdout lines, exit code {want[2]}"])


def hostile(lines):
    """The server's answers to the hostile programs."""
    texts = [line.text for line in lines if line.tag == "linux"]
    checks = [
        ("a binary cut short is refused", "linux: cannot start truncated (linux/truncated): malformed data"),
        ("a file that is no ELF is refused", "linux: cannot start garbage (linux/garbage): malformed data"),
        ("a dynamically linked binary is refused", "linux: cannot start dynamic (linux/dynamic): not supported"),
        ("a binary past its memory quota is refused", "linux: cannot start bigbss (linux/bigbss): out of memory"),
        ("an unimplemented call is ENOSYS to the program", "enosys/1: vhangup: -1 errno 38, again: -1 errno 38"),
        ("and to a second process of its binary", "enosys2/1: vhangup: -1 errno 38, again: -1 errno 38"),
        ("20,000 random system calls are all answered", "linux: chaos exited with code 0"),
    ]
    results = []
    for title, text in checks:
        ok = text in texts
        results.append(Result(f"linux: {title}", ok, reason="" if ok else f"no line {text!r}"))
    for name, want, title in (("rlimit", RLIMIT_LINES,
                               "resource limits read as enforced; a change that changes nothing is taken"),
                              ("sysinfo", SYSINFO_LINES, "sysinfo gives the machine's uptime, memory and processes")):
        got = [t[len(name) + 4:] for t in texts if t.startswith(f"{name}/1: ")]
        results.append(Result(f"linux: {title}", got == want, reason=f"{name} printed {got!r}"))
    logged = [t for t in texts if re.match(r"linux: enosys2? \(linux/enosys\): system call vhangup \(153\) "
                                           r"is not implemented: ENOSYS$", t)]
    results.append(Result("linux: the unimplemented call is logged once per binary, by name", len(logged) == 1,
                          reason=f"logged {len(logged)} times"))
    return results


def memory_back(lines):
    """Every Linux process's memory is back once they all ended (up to the server's own growth)."""
    texts = [line.text for line in lines if line.tag == "linux"]
    before = [int(m.group(1)) for m in map(BEFORE.match, texts) if m]
    after = [int(m.group(1)) for m in map(AFTER.match, texts) if m]
    title = "linux: the memory of every Linux process is back when they have ended"
    if not before or not after:
        return Result(title, False, reason="no free-page counts in the log")
    lost = before[0] - after[-1]
    return Result(title, lost <= SERVER_SLACK, reason=f"{lost} pages fewer than before",
                  notes=[f"{before[0]} pages free before, {after[-1]} after"])


def jobs(ctx):
    yield Job(NAME, run)
    yield Job(APP_NAME, run_app)
    if ctx.long:
        yield Job(CHAOS_NAME, run_chaos)


CHAOS_NAME = "linux: system-call fuzzer, long run"
CHAOS_TIMEOUT = 3600
CHAOS_SEED = re.compile(r"^(chaos\d+)/1: chaos: seed (0x[0-9a-f]+)$")
CHAOS_DONE = re.compile(r"^(chaos\d+)/1: chaos: (\d+) calls, (\d+) refused$")


def run_chaos(ctx):
    """Boots warp-linux-chaos.iso (tests/linuxbin/build.mk: LINUX_CHAOS_PROCS fuzzers at once, then
    hello): every fuzzer makes all its calls and exits 0, hello runs after them, the server and the
    kernel stand, and the memory of every process is back."""
    with Boot(ctx, CHAOS_NAME, ctx.image("warp-linux-chaos.iso"), mem="256M", net=False) as boot:
        timeout = ctx.timeout(CHAOS_TIMEOUT)
        hit = boot.wait_for(re.compile(f"{re.escape(DONE)}|{FATAL.pattern}"), timeout)
        if hit is None or not hit[0].text.startswith(DONE):
            return [boot.fail(CHAOS_NAME, hit[0].text if hit else f"no '{DONE}' within {timeout:.0f} s")]
        lines = boot.all_lines()
        texts = [line.text for line in lines if line.tag == "linux"]
        seeds = dict(m.groups() for m in map(CHAOS_SEED.match, texts) if m)
        done = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in map(CHAOS_DONE.match, texts) if m}
        exited = {name for name in seeds if f"linux: {name} exited with code 0" in texts}
        problems = [f"{name} (seed {seed}) did not finish its calls and exit 0"
                    for name, seed in sorted(seeds.items()) if name not in done or name not in exited]
        if not seeds:
            problems.append("no fuzzer printed its seed")
        if "linux: last exited with code 0" not in texts:
            problems.append("hello, started after the fuzzers, did not exit 0")
        back = memory_back(lines)
        if not back.ok:
            problems.append(back.reason)
        calls = sum(c for c, _ in done.values())
        notes = [f"{calls} calls by {len(done)} processes in {boot.elapsed_ms() / 1000:.0f} s, "
                 f"{sum(r for _, r in done.values())} refused; seeds {', '.join(sorted(seeds.values()))}"] + back.notes
        return [Result(CHAOS_NAME, not problems, reason="; ".join(problems), notes=notes,
                       tail=boot.tail() if problems else [])]


APP_NAME = "linux: make run APP= SITE="
APP_FILES = {"hello.txt": b"hello from the site\n", "big.bin": bytes(range(256)) * 1200}
# readfile's arguments, relative to the site: two files, one missing, a directory (read: EISDIR)
APP_PATHS = ["hello.txt", "big.bin", "missing.txt", "sub"]


def app_site(tmp):
    """The site of the APP job in tmp/site (readable by others, as fs requires), and its ext4 image."""
    site = os.path.join(tmp, "site")
    os.makedirs(os.path.join(site, "sub"))
    for name, data in APP_FILES.items():
        with open(os.path.join(site, name), "wb") as f:
            f.write(data)
    image = os.path.join(tmp, "site.img")
    readable_site_image(site, image)
    return site, image


def run_app(ctx):
    """Builds warp-app.iso as `make run APP=... ARGS=... SITE=...` does and boots it with the site's
    disk: the program reads the site's files under /disk0 as the host run reads the same tree."""
    app = os.path.join(ctx.build, "linuxbin", "readfile")
    args = [f"/disk0/{p}" for p in APP_PATHS]
    built = subprocess.run(["make", "--no-print-directory", f"BUILD={ctx.build}",
                            os.path.join(ctx.build, "warp-app.iso"), f"APP={app}", f"ARGS={' '.join(args)}"],
                           cwd=ROOT, capture_output=True, timeout=300, check=False)
    if built.returncode != 0:
        return [Result(APP_NAME, False, reason="make failed: " + built.stderr.decode(errors="replace")[-300:])]
    with tempfile.TemporaryDirectory(prefix="warp-app-site-") as tmp:
        site, image = app_site(tmp)
        with Boot(ctx, APP_NAME, ctx.image("warp-app.iso"), mem="256M", net=False, site=image,
                  site_if="virtio-blk") as boot:
            timeout = ctx.timeout(TIMEOUT)
            hit = boot.wait_for(re.compile(f"{re.escape(DONE)}|{FATAL.pattern}"), timeout)
            if hit is None or not hit[0].text.startswith(DONE):
                return [boot.fail(APP_NAME, hit[0].text if hit else f"no '{DONE}' within {timeout:.0f} s")]
            host_args = [os.path.join(site, p) for p in APP_PATHS]
            result = compare(ctx, boot.all_lines(), "readfile",
                             {"linux": "linux/readfile", "args": host_args, "env": {}})
            result.name = f"{APP_NAME}dir: the program reads the site under /disk0 as the host reads it"
            if not result.ok:
                result.tail = boot.tail()
            return [result]


def run(ctx):
    """Boots warp-linux.iso, waits until every Linux program ended, compares each with the host."""
    progs = read_programs()
    with Boot(ctx, NAME, ctx.image("warp-linux.iso"), mem="256M", net=False) as boot:
        timeout = ctx.timeout(TIMEOUT)
        hit = boot.wait_for(re.compile(f"{re.escape(DONE)}|{FATAL.pattern}"), timeout)
        if hit is None or not hit[0].text.startswith(DONE):
            why = hit[0].text if hit else f"no '{DONE}' within {timeout:.0f} s"
            return [boot.fail(NAME, why)]
        lines = boot.all_lines()
        if any(FATAL.search(line.text) for line in lines):
            return [boot.fail(NAME, "the server or the kernel failed")]
        results = [compare(ctx, lines, name, prog) for name, prog in progs.items() if name not in HOSTILE]
        results += hostile(lines)
        results.append(memory_back(lines))
        diagnostics = [line.text for line in lines if line.text.startswith("linux: manifest line")]
        results.append(Result("linux: every [linux] section of the manifest is taken", not diagnostics,
                              reason="; ".join(diagnostics)))
        bad = [r for r in results if not r.ok]
        if bad:
            for r in bad:
                r.tail = boot.tail()
        return results
