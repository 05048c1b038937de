"""tests/e2e/case_busybox.py: Debian's busybox sh forks, pipes and execs under the linux server.

warp-busybox.iso (ports/busybox/busybox.manifest) starts /disk0/bin/busybox (Debian bookworm's
busybox-static, a static glibc binary: tools/fetch-busybox) from a disk made here: bin/busybox,
applet symlinks (bin/sh, bin/cat, bin/ls, ...), a data directory and script.sh, which runs
subshells, command substitution, pipelines of applets (exec'd through /proc/self/exe, as Debian's
standalone shell does), execs of /disk0/bin/* through the symlinks, a failing command's $?, a
command not found (127) and a file that is not executable (126), a background child killed and
waited for (143), a child killed by SIGKILL (137), waits for several children, 30,000 lines
through a pipe (more than its 64 KiB: the writer waits for the reader), a `while read` loop, a
here-document, and ends with `exit 3` and its EXIT trap. The same binary runs the same script on
the host in a copy of the tree: stdout (the script's, `sh/1:` lines under Warp) and the exit code
must be the same.
"""

import os
import re
import shutil
import subprocess
import tempfile

from harness import ROOT, Boot, Job, Result

GROUP = "busybox"
NAME = "busybox sh: fork, pipes, exec and wait"
TIMEOUT = 240
BUSYBOX = os.path.join(ROOT, "build", "busybox", "busybox")
APPLETS = ["sh", "cat", "ls", "echo", "tr", "wc", "seq", "tail"]
END = re.compile(r"^linux: sh exited with code (\d+)$|^linux: sh killed by signal")
FATAL = re.compile(r"KERNEL PANIC|init: linux (exited|faulted|was killed)")
SCRIPT = r"""echo start
x=$(echo sub; exit 4); echo "x=$x st=$?"
echo a b c | tr a-z A-Z | wc -c
echo hello world | ./bin/cat | tr o 0
./bin/ls data
./bin/cat data/hello.txt
./bin/echo exec of a symlink
false; echo "false=$?"
nosuchcmd 2>/dev/null; echo "notfound=$?"
./bin/nosuch 2>/dev/null; echo "nofile=$?"
./data/hello.txt 2>/dev/null; echo "noexec=$?"
sleep 5 & pid=$!; kill $pid; wait $pid; echo "killed=$?"
sh -c 'kill -9 $$'; echo "sigkill=$?"
sh -c 'exit 9'; echo "sh=$?"
( exit 7 ); echo "sub=$?"
( echo in a subshell; ./bin/echo exec in a pipe ) | wc -l
for i in 1 2 3; do (exit $i) & done; wait; echo "waited for three"
y=$(./bin/cat data/hello.txt | tr a-z A-Z); echo "y=$y"
seq 1 30000 | wc -l
seq 1 30000 | tail -n 1
n=0; seq 1 5 | while read v; do n=$((n + v)); echo "line $v sum $n"; done
cat <<END | tr a-z A-Z
a here-document through a pipe
END
trap 'echo trap on exit' EXIT
exit 3
"""


def make_tree(tmp):
    """The disk's tree: busybox, its applet links, data and the script."""
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "bin"))
    os.makedirs(os.path.join(tree, "data"))
    shutil.copy(BUSYBOX, os.path.join(tree, "bin", "busybox"))
    os.chmod(os.path.join(tree, "bin", "busybox"), 0o755)
    for name in APPLETS:
        os.symlink("busybox", os.path.join(tree, "bin", name))
    with open(os.path.join(tree, "data", "hello.txt"), "w", encoding="utf-8") as f:
        f.write("hello from the disk\n")
    with open(os.path.join(tree, "data", "other.txt"), "w", encoding="utf-8") as f:
        f.write("x\n")
    with open(os.path.join(tree, "script.sh"), "w", encoding="utf-8") as f:
        f.write(SCRIPT)
    for top, dirs, files in os.walk(tree):
        os.chmod(top, 0o755)
        for name in files:
            path = os.path.join(top, name)
            if name != "busybox" and not os.path.islink(path):
                os.chmod(path, 0o644)
    return tree


def host_run(tree):
    """(stdout lines, exit code) of the script under the same busybox on the host."""
    run = subprocess.run([os.path.join(tree, "bin", "busybox"), "sh", "script.sh"], cwd=tree, env={},
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False)
    return run.stdout.decode(errors="replace").splitlines(), run.returncode


def run(ctx):
    """Boots warp-busybox.iso with the tree as its disk; compares with the host's run."""
    if not os.access(BUSYBOX, os.X_OK):
        return [Result(NAME, False, reason=f"no {BUSYBOX}: run tools/fetch-busybox (make images does)")]
    with tempfile.TemporaryDirectory(prefix="warp-busybox-") as tmp:
        tree = make_tree(tmp)
        want, want_code = host_run(tree)
        image = os.path.join(tmp, "disk.img")
        subprocess.run([os.path.join(ROOT, "tools", "mksite"), tree, image], check=True, capture_output=True,
                       timeout=300)
        with Boot(ctx, NAME, ctx.image("warp-busybox.iso"), mem="256M", site=image, site_if="virtio-blk") as boot:
            hit = boot.wait_for(END, timeout=ctx.timeout(TIMEOUT))
            if not hit:
                return [boot.fail(NAME, "sh did not end")]
            got = [line.text.split("sh/1: ", 1)[1] for line in boot.all_lines() if line.text.startswith("sh/1: ")]
            code = int(hit[1].group(1)) if hit[1].group(1) else None
            fatal = next((line.text for line in boot.all_lines() if FATAL.search(line.text)), None)
            results = [
                Result("busybox: the script's output is the host's", got == want,
                       reason=f"got {got!r}, want {want!r}"),
                Result("busybox: its exit code is the host's", code == want_code,
                       reason=f"got {code}, want {want_code}"),
                Result("busybox: the system stands", not fatal, reason=fatal or ""),
            ]
            for r in results:
                if not r.ok:
                    r.tail = boot.tail(80)
            return results


def jobs(ctx):
    yield Job(NAME, run)
