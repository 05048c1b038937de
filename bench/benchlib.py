"""bench/benchlib.py: what bench/run (IPC) and bench/net (network) share. Standard library only.

- GuestBoot: a tests/e2e/harness.py Boot with a ready-made QEMU argv (the Linux guest boots with
  -kernel, not an image), COM1 captured line by line and stamped with ms since QEMU started
- rel_argv, tool_version, host_cpu, read_info: the bits of the generated docs sections
- write_section: replaces one generated section of docs/benchmarks.md between its markers
"""

import os
import subprocess
import sys
import threading
import time
import types

sys.dont_write_bytecode = True  # keep __pycache__ out of the tree

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402  (Boot: QEMU with COM1 captured line by line)
import qemu  # noqa: E402  (tools/qemu.py, put on the path by harness)

DOCS = os.path.join(ROOT, "docs", "benchmarks.md")


class GuestBoot(harness.Boot):
    """A harness Boot with a ready-made argv (the Linux guest boots with -kernel, not an image)."""

    def __init__(self, log_dir, name, argv):
        super().__init__(types.SimpleNamespace(log_dir=log_dir), name, image=None)
        self.fixed_argv = argv

    def start(self):
        self.argv = self.fixed_argv
        self.log = open(self.log_path, "wb")
        # Own session: QEMU gets no terminal signals, and kill() ends exactly what we started.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.t0 = time.monotonic()
        with harness._live_lock:
            harness._live_boots.add(self)  # so harness.kill_all_boots() ends it on Ctrl-C
        self.readers = [threading.Thread(target=self._read_serial, daemon=True),
                        threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self.readers:
            reader.start()


def rel_argv(argv):
    """argv with paths under the repository shown relative to it (for printing and the docs)."""
    return [os.path.relpath(a, ROOT) if a.startswith(ROOT + os.sep) else a for a in argv]


def tool_version(argv):
    """First line of a tool's version output (stdout, else stderr), or "unknown"."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        out = proc.stdout or proc.stderr
        return out.splitlines()[0].strip() if out else "unknown"
    except OSError:
        return "unknown"


def host_cpu():
    """The host CPU's model name (TCG figures depend on it)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def read_info(path):
    """tools/linux-guest's key=value record of the guest's packages."""
    info = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    info[k] = v
    return info


def write_section(begin, end, section, who):
    """Replaces the generated section of docs/benchmarks.md between `begin` and `end` (section
    includes both markers); appends it if the markers are missing."""
    text = ""
    if os.path.exists(DOCS):
        with open(DOCS) as f:
            text = f.read()
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "# Benchmarks\n\n") + section
    with open(DOCS + ".tmp", "w") as f:
        f.write(text)
    os.replace(DOCS + ".tmp", DOCS)
    print(f"{who}: wrote {os.path.relpath(DOCS, ROOT)}")
