"""tests/e2e/case_site.py: Warp serves a user's site from a disk: every file read back over HTTP, byte for byte.

The test builds a tree of files on the host (sizes from 0 B to 64 MiB, deep directories, a 255-byte
and a non-ASCII name, symlinks to a file and to a directory, a file with a hole, index.html pages,
a file others may not read), makes its ext4 image with tools/mksite (mke2fs -d, then e2fsck -fn,
which must find it clean), and boots the normal image, warp.iso, with it attached read-only. The
boot manifest's block service runs whichever driver the disk's controller needs, fs mounts it at /disk0
and http_server serves it. Each variant fetches every file with curl through QEMU's port forward and
compares its sha256 with the host's, and checks what a static web server answers: index.html for a
directory, 301 for a directory without its slash, 404, 403, Content-Type, HEAD.

Variants: the controller (virtio-blk, virtio-scsi, NVMe), the transport (modern, legacy) and the
firmware (SeaBIOS, OVMF), and "gce": the GCE image made with the site (tools/mkgce --site: the site
as a GPT partition of the boot disk) booted as GCE boots it, from a virtio-scsi disk. `make test` boots
five of them: virtio-blk modern under SeaBIOS with the whole tree, and virtio-blk legacy under OVMF,
virtio-scsi modern, NVMe and gce with the tree but for its 64 MiB file; `make test-long` boots all
eleven with the whole tree. The first variant
also checks the page cache (32 MiB, the boot manifest's): after one read of the 16 MiB file, the
stats lines around a second read show hits for all of it and no new miss, and read-ahead at work
during the cold reads, and 20 requests for a small file served before cause no fs OPEN (http_server
answers them from its copy). A last boot (warp-operator.iso: the same system plus an admin operator on
TCP port 82) has init kill the disk driver twice during a 64 MiB download, which must still complete
with the right bytes.
"""

import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

from case_adversary import command  # one command line to the operator, its answer
from harness import ROOT, Boot, Job, Result, http_header, qemu

GROUP = "site"
KILL_NAME = "site driver kill: a 64 MiB download survives two kills of the disk driver, byte for byte"
KILL_LINE = "init: operator asked to restart block:0"
KILL_RATE = "8M"  # curl's rate limit: the download lasts about 8 s, the kills come at 2 s and 5 s
BOOT_TIMEOUT = 60
FETCH_TIMEOUT = 300
STATS = re.compile(r"^fs: stats (.*)$")
STATS_PERIOD = 10  # fs logs its stats line this often (seconds) when it changed
STATS_WAIT = 25
SMALL_REPEATS = 20  # requests for a small file while the cache check runs
STATS_QUIET = STATS_PERIOD + 5  # seconds without a stats line after which fs's last one is current
BIG = "files/sixty-four-mib.bin"
CACHED = "files/sixteen-mib.bin"

# (name, controller, firmware, whole tree, quick[, a second disk's controller]): quick ones run in
# make test. With a second (blank) disk, each disk has its driver process: block:0 the site's,
# block:1 the other, each under its own name.
CACHE_VARIANT = "virtio-blk modern bios"  # the variant that also checks the cache counters
VARIANTS = [
    ("two disks bios", "virtio-blk", "bios", False, True, "nvme"),
    ("virtio-blk modern bios", "virtio-blk", "bios", True, True),
    ("virtio-blk legacy uefi", "virtio-blk-legacy", "uefi", False, True),
    ("virtio-scsi modern bios", "virtio-scsi", "bios", False, True),
    ("nvme bios", "nvme", "bios", False, True),
    ("gce disk uefi", "gce", "uefi", False, True),
    ("virtio-blk modern uefi", "virtio-blk", "uefi", True, False),
    ("virtio-blk legacy bios", "virtio-blk-legacy", "bios", True, False),
    ("virtio-scsi modern uefi", "virtio-scsi", "uefi", True, False),
    ("virtio-scsi legacy bios", "virtio-scsi-legacy", "bios", True, False),
    ("virtio-scsi legacy uefi", "virtio-scsi-legacy", "uefi", True, False),
    ("nvme uefi", "nvme", "uefi", True, False),
    ("gce disk bios", "gce", "bios", True, False),
]

NON_ASCII = "h\u00e9llo-\u65e5\u672c\u8a9e.txt"
LONG_NAME = "n" * 251 + ".txt"


def write_random(path, size, seed):
    """A file of `size` pseudo-random bytes (fixed by seed)."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n))
            left -= n


def make_tree(top, whole):
    """The site: {url path: host file} of everything served, plus the paths checked apart."""
    os.makedirs(os.path.join(top, "files"))
    os.makedirs(os.path.join(top, "sub"))
    deep = os.path.join(top, *[f"d{i}" for i in range(1, 21)])
    os.makedirs(deep)
    with open(os.path.join(top, "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<title>site</title>\n<p>Served from a disk.</p>\n")
    with open(os.path.join(top, "sub", "index.html"), "w") as f:
        f.write("<p>sub</p>\n")
    with open(os.path.join(top, "style.css"), "w") as f:
        f.write("body { color: black; }\n")
    with open(os.path.join(deep, "deep.txt"), "w") as f:
        f.write("twenty levels down\n")
    with open(os.path.join(top, NON_ASCII), "w") as f:
        f.write("non-ASCII name\n")
    with open(os.path.join(top, LONG_NAME), "w") as f:
        f.write("a 255-byte name\n")
    sizes = [0, 1, 4095, 4096, 4097, 65536, 65537, (1 << 20) + 7, 16 << 20] + ([64 << 20] if whole else [])
    names = {16 << 20: CACHED, 64 << 20: BIG}
    for i, size in enumerate(sizes):
        write_random(os.path.join(top, names.get(size, f"files/size-{size}.bin")), size, i)
    with open(os.path.join(top, "files", "hole.bin"), "wb") as f:
        f.write(b"start")
        f.seek(8 << 20)
        f.write(b"end")
    os.symlink("files/size-4096.bin", os.path.join(top, "link-to-file"))
    os.symlink("d1/d2/d3", os.path.join(top, "link-to-dir"))
    with open(os.path.join(top, "private.txt"), "w") as f:
        f.write("secret\n")
    os.chmod(os.path.join(top, "private.txt"), 0o600)
    served = {}
    for dirpath, _, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, top)
            if rel != "private.txt":
                served["/" + rel] = path
    served["/link-to-file"] = os.path.join(top, "files", "size-4096.bin")
    served["/link-to-dir/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/deep.txt"] = \
        os.path.join(deep, "deep.txt")
    return served


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def curl(port, path, *args):
    """(status, headers text, sha256 of the body, body length) of one request with curl."""
    url = f"http://127.0.0.1:{port}" + urllib.parse.quote(path, safe="/")
    with tempfile.NamedTemporaryFile() as body, tempfile.NamedTemporaryFile(mode="r") as head:
        run = subprocess.run(["curl", "-sS", "--max-time", str(FETCH_TIMEOUT), "-D", head.name, "-o", body.name,
                              "-w", "%{http_code}", *args, url], capture_output=True, text=True)
        if run.returncode != 0:
            return None, run.stderr.strip(), None, 0
        return int(run.stdout), head.read(), sha256_file(body.name), os.path.getsize(body.name)


def wait_serving(boot, port, ctx):
    """Waits until http_server answers /; None or why not."""
    deadline = time.monotonic() + ctx.timeout(BOOT_TIMEOUT)
    while time.monotonic() < deadline:
        status, _, _, _ = curl(port, "/", "--max-time", "3")
        if status == 200:
            return None
        if not boot.running():
            return "QEMU ended before http_server answered"
        time.sleep(0.5)
    return f"http_server did not answer / within {BOOT_TIMEOUT} s"


def parse_stats(match):
    """The numeric name=value fields of a STATS match."""
    fields = dict(kv.split("=", 1) for kv in match.group(1).split() if "=" in kv)
    return {k: int(v) for k, v in fields.items() if v.isdigit()}


def settled_stats(boot, index):
    """(fields, index after it) of fs's counters once they have settled: the last stats line from
    line `index` on after fs printed none for STATS_QUIET seconds, or, if it printed none at all, the
    last one before `index`. fs prints a line every 10 s when its counters changed, so once it has
    been quiet that long the last line is current; the first line after a transfer may have been
    printed in the middle of it. (None, index) if fs never printed one or never went quiet."""
    last, deadline = None, time.monotonic() + 2 * STATS_WAIT
    while time.monotonic() < deadline:
        found = boot.wait_for(STATS, timeout=STATS_QUIET, after=index)
        if found is None:
            return (last if last is not None else last_stats(boot)), index
        line, match = found
        last, index = parse_stats(match), line.index + 1
    return None, index


def last_stats(boot):
    """The fields of the last fs stats line so far, or None."""
    for line in reversed(boot.all_lines()):
        match = STATS.match(line.text)
        if match:
            return parse_stats(match)
    return None


def check_cache(boot, port, served):
    """After one read of CACHED (16 MiB, half the cache), a second is all hits: between the stats
    lines around it the misses stay and the hits grow by the file's pages at least. In the same
    window SMALL_REPEATS requests for index.html must reach fs with no OPEN: http_server answers
    them from its copy of the file (servers/http_server/filecache.h)."""
    name = "cache: a second read of a 16 MiB file is served from the page cache"
    status, _, digest, _ = curl(port, "/" + CACHED)
    before, index = settled_stats(boot, len(boot.all_lines()))
    if before is None:
        return [Result(name, False, f"no settled fs stats line within {2 * STATS_WAIT} s")]
    status, _, digest, _ = curl(port, "/" + CACHED)
    small = [curl(port, "/index.html")[:3] for _ in range(SMALL_REPEATS)]
    after, _ = settled_stats(boot, index)
    if status != 200 or digest != sha256_file(served["/" + CACHED]) or after is None:
        return [Result(name, False, f"GET -> {status}, stats line after it: {after}")]
    pages = (16 << 20) // 4096
    notes = [f"before: {before}", f"after: {after}"]
    ok = after.get("misses") == before.get("misses") and after.get("hits", 0) - before.get("hits", 0) >= pages
    ok = ok and before.get("readahead", 0) > 0
    results = [Result(name, ok, "" if ok else "misses moved, too few hits, or no read-ahead", notes=notes)]
    # index.html was served before (check_answers): http_server has its copy, so only the 16 MiB
    # file's OPEN reaches fs in this window, whatever the number of small requests.
    opens = after.get("opens", 0) - before.get("opens", 0)
    right = all(st == 200 and dg == sha256_file(served["/index.html"]) for st, _, dg in small)
    results.append(Result(f"http_server: {SMALL_REPEATS} requests for a small file it served before take "
                          "no fs OPEN (its copy answers them), byte for byte",
                          right and opens == 1, f"fs opens grew by {opens}; bodies right: {right}",
                          notes=[f"fs opens grew by {opens} (the 16 MiB file's)"]))
    return results


def head_request(port, path):
    """(status line, Content-Length, bytes after the head) of a HEAD request on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"HEAD {urllib.parse.quote(path)} HTTP/1.1\r\nHost: warp\r\nConnection: close\r\n\r\n"
                     .encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = http_header("\n".join(lines[1:]), "Content-Length")
    return lines[0], length, rest


def gce_disk(ctx, tmp, site):
    """disk.raw of the GCE image made with the site (tools/mkgce --site), unpacked; or raises."""
    tarball = os.path.join(tmp, "gce.tar.gz")
    subprocess.run([os.path.join(ROOT, "tools", "mkgce"), "--site", site, tarball, ctx.image("warp.iso")],
                   check=True, capture_output=True)
    subprocess.run(["tar", "-xzSf", tarball, "-C", tmp, "disk.raw"], check=True)
    return os.path.join(tmp, "disk.raw")


def second_disk(ctx, name, second_if):
    """QEMU arguments for a blank 8 MiB disk on controller second_if (nvme), made in the log dir."""
    path = os.path.join(ctx.log_dir, f"site-{name.replace(' ', '-')}-second.img")
    with open(path, "wb") as f:
        f.truncate(8 << 20)
    assert second_if == "nvme"
    return ("-drive", f"file={path},format=raw,if=none,id=second", "-device", "nvme,serial=warp-second,drive=second")


def check_instances(boot, name):
    """With two disks: a driver process for each, registered as block:0 and block:1."""
    lines = [line.text for line in boot.all_lines()]
    want = ["init: block:0 registered service/block:0", "init: block:1 registered service/block:1"]
    missing = [w for w in want if w not in lines]
    if not any(re.match(r"^nvme: .*, service block:1$", t) for t in lines):
        missing.append("nvme's start-up line naming service block:1")
    return Result(f"site {name}: one driver per disk, block:0 (the site) and block:1 (nvme)", not missing,
                  "; ".join(missing), tail=boot.tail() if missing else None)


def run_variant(ctx, name, site_if, firmware, whole, served, image, second_if=None):
    """Boots warp.iso with the site on `site_if` (or the GCE disk holding it) under `firmware`, and
    a second blank disk on second_if if given, and checks everything served."""
    results = []
    if site_if == "gce":
        boot_options = dict(image=image, boot="disk")
    else:
        boot_options = dict(image=ctx.image("warp.iso"), site=image, site_if=site_if)
    if second_if:
        boot_options["extra"] = second_disk(ctx, name, second_if)
    with Boot(ctx, f"site {name}", net=True, firmware=firmware, mem="256M", **boot_options) as boot:
        why = wait_serving(boot, boot.options["port"], ctx)
        if why:
            return [boot.fail(f"site {name}: serves the site", why)]
        port = boot.options["port"]
        mounted = boot.wait_for(re.compile(r"^fs: serving /disk0 \(ext4"), timeout=1)
        results.append(Result(f"site {name}: fs mounted the disk at /disk0", mounted is not None,
                              "" if mounted else "no fs line about /disk0", tail=boot.tail()))
        bad = []
        for path, host in sorted(served.items()):
            if not whole and path == "/" + BIG:
                continue
            status, head, digest, _ = curl(port, path)
            if status != 200 or digest != sha256_file(host):
                bad.append(f"{path[:60]}: {status} {head[:80] if status is None else ''}")
        results.append(Result(f"site {name}: every file reads back byte for byte over HTTP", not bad,
                              f"{len(bad)} wrong" if bad else "", notes=bad[:10] or [f"{len(served)} files"]))
        results += check_answers(name, port, served)
        if second_if:
            results.append(check_instances(boot, name))
        if name == CACHE_VARIANT:
            results += check_cache(boot, port, served)
    return results


def check_answers(name, port, served):
    """index.html, 301, 404, 403, Content-Type and HEAD, as a static web server answers them."""
    results = []
    status, head, digest, _ = curl(port, "/")
    results.append(Result(f"site {name}: / serves index.html", status == 200 and
                          digest == sha256_file(served["/index.html"]), f"status {status}"))
    status, head, _, _ = curl(port, "/sub")
    results.append(Result(f"site {name}: a directory without its slash is 301 to it",
                          status == 301 and (http_header(head, "Location") or "").endswith("/sub/"), f"status {status}"))
    checks = [("/missing.html", 404), ("/private.txt", 403), ("/files/size-1.bin/x", 404)]
    for path, want in checks:
        status, _, _, _ = curl(port, path)
        results.append(Result(f"site {name}: {path} is {want}", status == want, f"status {status}"))
    status, head, _, _ = curl(port, "/style.css")
    ctype = http_header(head, "Content-Type") or ""
    results.append(Result(f"site {name}: .css is text/css", status == 200 and ctype.startswith("text/css"), ctype))
    status, length, rest = head_request(port, "/" + CACHED)
    results.append(Result(f"site {name}: HEAD gives the length and no body",
                          status.endswith(" 200 OK") and length == str(16 << 20) and rest == b"",
                          f"{status}, Content-Length {length}, {len(rest)} bytes after the head"))
    return results


def run_kill(ctx, served, image):
    """warp-operator.iso (the normal system plus an admin operator on :82) serves the site; while
    curl downloads the 64 MiB file (twice the page cache, so it comes from the disk), the operator
    has init kill the disk driver twice. block_call in fs reopens the restarted driver and sends the
    cut READs again: the download must complete with the right bytes."""
    op = qemu.free_port()
    with Boot(ctx, "site driver kill", ctx.image("warp-operator.iso"), net=True, mem="256M", site=image,
              forward=[(op, 82)]) as boot:
        port = boot.options["port"]
        why = wait_serving(boot, port, ctx)
        if why is None and boot.wait_for("adversary: listening on :82", timeout=ctx.timeout(BOOT_TIMEOUT)) is None:
            why = "the operator never listened on :82"
        if why:
            return [boot.fail(KILL_NAME, why)]
        with tempfile.NamedTemporaryFile() as body:
            url = f"http://127.0.0.1:{port}/{BIG}"
            download = subprocess.Popen(["curl", "-sS", "--max-time", str(FETCH_TIMEOUT), "--limit-rate", KILL_RATE,
                                         "-o", body.name, "-w", "%{http_code}", url],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            answers = []
            for at in (2, 3):
                time.sleep(at)
                running = download.poll() is None
                answers.append((command(op, "restart block:0", ctx), running))
            out, err = download.communicate(timeout=FETCH_TIMEOUT)
            digest = sha256_file(body.name)
        time.sleep(STATS_PERIOD + 1)  # the stats line reflects the download by now
        stats = last_stats(boot)
    kills = sum(1 for line in boot.all_lines() if line.text == KILL_LINE)
    notes = [f"operator: {answers}", f"curl: {out.strip()} {err.strip()}", f"fs stats after: {stats}"]
    problems = []
    if out.strip() != "200" or digest != sha256_file(served["/" + BIG]):
        problems.append("the download did not complete with the right bytes")
    if kills != 2 or not all(a.startswith("ok") and running for a, running in answers):
        problems.append(f"{kills} kills logged; both must come while curl was still downloading")
    if not stats or stats.get("reopens", 0) < 1:
        problems.append("fs never reopened block:0")
    return [Result(KILL_NAME, not problems, "; ".join(problems), notes=notes, tail=boot.tail() if problems else [])]


def jobs(ctx):
    tmp = os.path.join(ctx.log_dir, "site")  # replaced at every run
    state = {}
    lock = threading.Lock()

    def prepare():
        """The tree and its image, made once for every variant (by the first job to need them)."""
        with lock:
            if "image" in state:
                return state
            shutil.rmtree(tmp, ignore_errors=True)
            served = make_tree(os.path.join(tmp, "tree"), True)
            image = os.path.join(tmp, "site.img")
            run = subprocess.run([os.path.join(ROOT, "tools", "mksite"), os.path.join(tmp, "tree"), image],
                                 capture_output=True, text=True)
            state["image"] = image if run.returncode == 0 else None
            state["why"] = run.stderr.strip()
            state["served"] = served
            state["gce"] = None
            if state["image"]:
                try:
                    state["gce"] = gce_disk(ctx, tmp, image)
                except subprocess.CalledProcessError as e:
                    state["why"] = f"tools/mkgce --site failed: {(e.stderr or b'').decode()[-300:]}"
            return state

    def job(name, site_if, firmware, whole, second_if=None):
        def run(ctx):
            s = prepare()
            image = s["gce"] if site_if == "gce" else s["image"]
            if not image:
                return [Result(f"site {name}: the image is made and e2fsck finds it clean", False, s["why"])]
            results = run_variant(ctx, name, site_if, firmware, whole, s["served"], image, second_if)
            check = subprocess.run(["e2fsck", "-fn", s["image"]], capture_output=True, text=True)
            results.append(Result(f"site {name}: e2fsck -n still finds the image clean", check.returncode == 0,
                                  check.stdout[-300:]))
            return results
        return run

    def kill(ctx):
        s = prepare()
        if not s["image"]:
            return [Result(KILL_NAME, False, s["why"])]
        return run_kill(ctx, s["served"], s["image"])

    picked = [v for v in VARIANTS if ctx.long or v[4]]
    return [Job(f"site {v[0]}", job(v[0], v[1], v[2], v[3], *v[5:])) for v in picked] + \
        [Job("site driver kill", kill)]
