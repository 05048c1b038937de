"""tests/e2e/case_corrupt.py: a corrupted disk image gets error answers, never a crash or a hang, and intact files still serve.

The test makes a site of many small files in nested directories, a 1 MiB file and symlinks
(tools/mksite: ext4 with metadata_csum), then copies of it with bytes overwritten at random offsets:
a third inside inode slots and directory blocks (checksummed metadata), a third in the first 4 MiB,
where the group descriptors, the bitmaps, the inode tables and the first directories and files lie,
a third anywhere. Each copy boots in warp.iso (block:0 on virtio-blk, fs,
http_server) and every file is requested over HTTP. For each file debugfs says which blocks it
depends on (its data, its inode's place in the inode table, and the same for every directory on its
path); a file none of whose blocks was hit is intact. Then:

  answers  every request is answered (any status) within the timeout; an intact file is 200 with
           the right bytes. (ext4 has no data checksums: a file whose data was hit may come back
           200 with the wrong bytes; its metadata, checksummed, gives an error answer.)
  alive    fs and http_server never ended (no exit or restart line from init), and after all the
           requests an intact file still serves (when a hit on the root leaves none intact, the
           server still answers)
  mount    a copy whose super block or group descriptors were hit may be refused at mount: fs's
           log line says so, and the server then answers from its fallback (the initfs)

`make test` boots three copies (fixed seeds, so a failure repeats); `make test-long` ten more.
"""

import functools
import os
import random
import re
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request

from harness import ROOT, Boot, Job, Result

GROUP = "corrupt"
BOOT_TIMEOUT = 60
REQUEST_TIMEOUT = 20
HITS = 24          # overwritten ranges per copy
HIT_BYTES = 64     # bytes each
FRONT = 4 << 20    # half the hits land in this many first bytes
SEEDS = [11, 23, 37]
LONG_SEEDS = list(range(100, 110))
ENDED = re.compile(r"^init: (fs|http_server|block:0) (exited|was killed|crashed|faulted|ended)")
REFUSED = re.compile(r"^fs: /disk0 not mounted")


def make_tree(top):
    """The site: {url path: bytes}. Small files in nested directories, a 1 MiB file, symlinks."""
    rng = random.Random(5)
    files = {}
    for d in range(8):
        for sub in range(3):
            for f in range(6):
                path = f"dir{d}/sub{sub}/file{f}.txt"
                files[path] = rng.randbytes(rng.randrange(1, 20000))
    files["index.html"] = b"<p>corrupt test</p>\n"
    files["big.bin"] = rng.randbytes(1 << 20)
    for path, data in files.items():
        full = os.path.join(top, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    os.symlink("dir1/sub1/file1.txt", os.path.join(top, "link"))
    served = {"/" + p: d for p, d in files.items()}
    served["/link"] = files["dir1/sub1/file1.txt"]
    return served


def debugfs(image, *requests):
    """debugfs -R output of each request, read-only."""
    out = []
    for r in requests:
        run = subprocess.run(["debugfs", "-R", r, image], capture_output=True, text=True)
        out.append(run.stdout)
    return out


def block_size(image):
    """The file system's block size (mke2fs picks 1 KiB for small images)."""
    out = subprocess.run(["dumpe2fs", "-h", image], capture_output=True, text=True).stdout
    return int(re.search(r"^Block size:\s+(\d+)", out, re.M).group(1))


@functools.lru_cache(maxsize=None)
def node_ranges(image, p, block):
    """(the byte ranges of p's data blocks, the byte range of its inode slot or None), by debugfs.
    Cached: every file below a directory asks for it again."""
    blocks, imap = debugfs(image, f"blocks {p}", f"imap {p}")
    data = tuple((int(b) * block, (int(b) + 1) * block) for b in blocks.split())
    m = re.search(r"located at block (\d+), offset 0x([0-9a-f]+)", imap)
    start = int(m.group(1)) * block + int(m.group(2), 16) if m else None
    return data, (start, start + 256) if m else None


def depends(image, path, block):
    """The byte ranges (start, end) path's answer depends on: data blocks and inode slots of it and
    of every directory on its way, the symlink's target's too; and those of them that are metadata
    (inode slots, directories' blocks)."""
    ranges, meta = [], []
    parts = path.strip("/").split("/")
    walk = ["/"] + ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))]
    if path == "/link":
        walk += ["/dir1", "/dir1/sub1", "/dir1/sub1/file1.txt"]
    for p in walk:
        data, slot = node_ranges(image, p, block)
        ranges += data
        if p != walk[-1]:
            meta += data  # a directory's blocks (the fast symlink /link has none)
        if slot:
            ranges.append(slot)
            meta.append(slot)
    return ranges, meta


def corrupt(src, dst, seed, meta):
    """Copies src to dst with HITS ranges overwritten: a third inside the metadata ranges `meta`
    (inode slots, directory blocks: checksummed), a third in the first FRONT bytes, a third
    anywhere. Returns the (start, end) ranges."""
    shutil.copyfile(src, dst)
    size = os.path.getsize(dst)
    rng = random.Random(seed)
    hits = []
    with open(dst, "r+b") as f:
        for i in range(HITS):
            if i % 3 == 0:
                start, end = rng.choice(meta)
                at = rng.randrange(start, end - HIT_BYTES // 4)
            else:  # from 1024 on: block 0's boot area is never read
                at = rng.randrange(1024, (FRONT if i % 3 == 1 else size) - HIT_BYTES)
            f.seek(at)
            f.write(rng.randbytes(HIT_BYTES))
            hits.append((at, at + HIT_BYTES))
    return hits


def overlaps(ranges, hits):
    return any(a < d and c < b for a, b in ranges for c, d in hits)


def fetch(port, path):
    """(status, body) of GET path, or (None, why)."""
    url = f"http://127.0.0.1:{port}" + urllib.parse.quote(path)
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except Exception as e:  # a timeout or a reset: no answer
        return None, str(e)


def run_copy(ctx, seed, clean, served, deps, meta, tmp):
    name = f"corrupt seed {seed}"
    image = os.path.join(tmp, f"copy-{seed}.img")
    hits = corrupt(clean, image, seed, meta)
    with Boot(ctx, name, ctx.image("warp.iso"), net=True, mem="256M", site=image) as boot:
        port = boot.options["port"]
        up = boot.wait_for("http_server: listening on :80", timeout=ctx.timeout(BOOT_TIMEOUT))
        serving = boot.wait_for(re.compile(r"^http_server: serving "), timeout=ctx.timeout(BOOT_TIMEOUT))
        if up is None or serving is None:
            return [boot.fail(f"{name}: boots and serves", "http_server never listened")]
        refused = any(REFUSED.match(line.text) for line in boot.all_lines())
        problems, intact, hit_files, errors = [], [], 0, 0
        for path, data in sorted(served.items()):
            status, body = fetch(port, path)
            touched = overlaps(deps[path][0], hits)
            if status is None:
                problems.append(f"{path}: no answer ({body})")
            elif refused:
                errors += status != 200
            elif not touched:
                intact.append(path)
                if status != 200 or body != data:
                    problems.append(f"{path}: intact but {status}, {len(body)} bytes")
            else:
                hit_files += 1
                errors += status != 200
        # Still serving: an intact file again, or (none intact) any answer at all.
        again = intact[0] if intact else "/index.html"
        status, body = fetch(port, again)
        if status is None or (intact and (status != 200 or body != served[again])):
            problems.append(f"{again} again after all: {status}")
        ended = [line.text for line in boot.all_lines() if ENDED.match(line.text)]
        if ended:
            problems.append(f"a server ended: {ended[:3]}")
        notes = [f"{len(served)} files: {len(intact)} intact, {hit_files} hit, {errors} error answers"
                 + (", the mount refused" if refused else "")]
        return [Result(f"{name}: errors or right bytes, never a crash or a hang; intact files serve",
                       not problems, "; ".join(problems[:5]), notes=notes, tail=boot.tail() if problems else [])]


def jobs(ctx):
    tmp = os.path.join(ctx.log_dir, "corrupt")
    state = {}
    lock = threading.Lock()

    def prepare():
        with lock:
            if state:
                return state
            shutil.rmtree(tmp, ignore_errors=True)
            served = make_tree(os.path.join(tmp, "tree"))
            clean = os.path.join(tmp, "clean.img")
            subprocess.run([os.path.join(ROOT, "tools", "mksite"), os.path.join(tmp, "tree"), clean],
                           check=True, capture_output=True)
            block = block_size(clean)
            deps = {p: depends(clean, p, block) for p in served}
            meta = sorted({r for _, m in deps.values() for r in m})
            state.update(served=served, clean=clean, deps=deps, meta=meta)
            return state

    def job(seed):
        def run(ctx):
            s = prepare()
            return run_copy(ctx, seed, s["clean"], s["served"], s["deps"], s["meta"], tmp)
        return run

    seeds = SEEDS + (LONG_SEEDS if ctx.long else [])
    return [Job(f"corrupt seed {seed}", job(seed)) for seed in seeds]
