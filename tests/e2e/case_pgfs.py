"""tests/e2e/case_pgfs.py: the persistent mount keeps a tree in PostgreSQL across machines.

The test starts its own PostgreSQL 15 (tests/pgtest/pgcluster.py: a fresh cluster run as an
unprivileged user on 127.0.0.1:30543, the port tests/pgfstest/pgfs-test.manifest names as
10.0.2.2:30543 through QEMU's user networking). warp-pgfs.iso then boots twice:

  write    fs connects, creates the schema and the volume, takes the lease and mounts /data;
           pgfstest makes a tree (files from 0 bytes to 3 MiB, one rewritten in place, one cut, a copy
           of another, a subdirectory), renames, unlinks, syncs every file and leaves a mark. When it
           says it is syncing the 3 MiB file, the test stops PostgreSQL at once (SIGQUIT, as a
           crash) and starts it again: the commit must come through on the new connection. When it
           says the mark is synced, the test kills QEMU (SIGKILL): nothing after the acknowledged
           syncs may be needed
  verify   a new machine with an empty cache: pgfstest finds the mark and reads every file back
           from the database byte for byte (fs's pgstats show them fetched), then renames the mark,
           which only the lease holder may: the first machine's 3-second lease has run out. Then
           the test stops PostgreSQL: a cached file still reads right, and a sync fails after the
           mount's 5-second timeout instead of waiting for ever (PostgreSQL is started again after)

Then the database is asked directly: the volume's names are there, and the copy's chunks are stored
once (the chunk rows are fewer than the chunk map's rows). Last, uploads kept in the database
(warp-pgweb.iso: http_server's /uploads/ into /data/uploads, volume pgweb): PUTs of 0 B to 9 MiB
(201), one replaced (204) and one deleted (204), then QEMU killed (SIGKILL) at once; a new machine
serves every upload byte for byte (sha256) and 404 for the deleted one. The cluster is always
stopped.
"""

import functools
import hashlib
import http.client
import os
import time
import re
import shutil
import signal
import subprocess
import sys

from harness import ROOT, Boot, Job, Result, guest_results

sys.path.insert(0, os.path.join(ROOT, "tests", "pgtest"))
import pgcluster  # noqa: E402

GROUP = "pgfs"
TIMEOUT = 300
PORT = 30543  # as tests/pgfstest/pgfs-test.manifest says
PANIC = "KERNEL PANIC"
TOKEN = "e2e-pgweb-token-0123456789abcdef"  # tests/pgfstest/pgweb.manifest
SERVED = re.compile(r"^fs: /data: volume 'pgweb' served")
UPLOADS = [("empty", 0), ("one", 1), ("dir/page", 4096), ("mib", 1 << 20), ("nine", (9 << 20) + 77)]
SUMMARY = re.compile(r"^pgfstest: (\d+) passed, (\d+) failed")


def jobs(ctx):
    names = ["pgfs write: verdict", "pgfs verify: verdict", "pgfs: the database holds the tree",
             "pgfs uploads: PUT, the machine killed", "pgfs uploads: a new machine serves them"]
    yield Job(names[0], functools.partial(run, names=names), also=names[1:])


def psql(base, sql):
    """One query's rows as text (psql -At on the cluster's socket), or None if it failed."""
    r = subprocess.run([f"{pgcluster.PGBIN}/psql", "-X", "-q", "-At", "-h", os.path.join(base, "sock"), "-p",
                        str(PORT), "-U", "postgres", "-d", "warp", "-c", sql],
                       capture_output=True, text=True, timeout=60)
    return r.stdout.strip() if r.returncode == 0 else None


def write_phase(ctx, name, base, state):
    """The first boot: the database restarted under the big file's commit, QEMU killed right after the
    mark's sync; its TAP lines and a verdict (every line so far ok, the restart done, the mark)."""
    with Boot(ctx, name, ctx.image("warp-pgfs.iso"), mem="256M", net=True, debug_exit=True) as boot:
        syncing = boot.wait_for(re.compile(r"^pgfstest: syncing big$|" + PANIC), ctx.timeout(TIMEOUT))
        restarted = syncing is not None and PANIC not in syncing[1].group(0)
        if restarted:
            pgcluster.stop_cluster(state["server"], signal.SIGQUIT)
            state["server"] = pgcluster.start_server(base, PORT, "nobody")
        end = boot.wait_for(re.compile(r"^pgfstest: written$|^pgfstest: \d+ passed|" + PANIC),
                            ctx.timeout(TIMEOUT))
        if boot.proc.poll() is None:
            os.killpg(boot.proc.pid, signal.SIGKILL)  # a machine lost right after its acknowledged syncs
        lines = boot.all_lines()
        texts = [l.text for l in lines]
        results = guest_results(lines, name.split(":")[0])
        problems = [f"'{t}'" for t in texts if t.startswith("not ok")][:1]
        if any(PANIC in t for t in texts):
            problems.append("the kernel panicked")
        if not restarted:
            problems.append("no 'pgfstest: syncing big' line: the database was not restarted")
        if end is None or end[1].group(0) != "pgfstest: written":
            problems.append("no 'pgfstest: written' line")
        if problems:
            return results + [boot.fail(name, "; ".join(problems), with_state=False)]
        return results + [Result(name, True, notes=[f"killed after {boot.elapsed_ms()} ms"])]


def verify_phase(ctx, name, base, state):
    """The second boot, the database stopped when it asks and started again after: its TAP lines and a
    verdict (QEMU status 1, no failure, the verified and offline lines)."""
    with Boot(ctx, name, ctx.image("warp-pgfs.iso"), mem="256M", net=True, debug_exit=True) as boot:
        stop = boot.wait_for(re.compile(r"^pgfstest: stop the database$|^pgfstest: \d+ passed|" + PANIC),
                             ctx.timeout(TIMEOUT))
        if stop is not None and stop[1].group(0).endswith("database"):
            pgcluster.stop_cluster(state["server"])
        end = boot.wait_for(re.compile(r"^pgfstest: \d+ passed|" + PANIC), ctx.timeout(TIMEOUT))
        state["server"] = pgcluster.start_server(base, PORT, "nobody")
        status = boot.wait_exit(10 if end is not None and PANIC not in end[1].group(0) else 0)
        lines = boot.all_lines()
        texts = [l.text for l in lines]
        results = guest_results(lines, name.split(":")[0])
        summary = next((m for m in (SUMMARY.match(t) for t in texts) if m), None)
        problems = []
        if any(PANIC in t for t in texts):
            problems.append("the kernel panicked")
        if summary is None:
            problems.append("no 'pgfstest: N passed, M failed' line in time")
        elif int(summary.group(2)):
            problems.append(summary.group(0))
        for want in ("pgfstest: verified", "pgfstest: offline checked"):
            if want not in texts:
                problems.append(f"no '{want}' line")
        if status != 1:
            problems.append(f"QEMU exit status {status} (1 = pass)")
        if problems:
            results.append(boot.fail(name, "; ".join(problems), with_state=False))
        else:
            results.append(Result(name, True, notes=[summary.group(0), f"{boot.elapsed_ms()} ms"]))
        return results


def database_check(base, name):
    """The names the machines left, and chunks stored once."""
    names = psql(base, "SELECT string_agg(name, ',' ORDER BY name) FROM pgs_dirent")
    chunks = psql(base, "SELECT (SELECT count(*) FROM pgs_chunk) || ' ' || (SELECT count(*) FROM pgs_chunkmap)")
    problems = []
    for want in ("pgfstest", "renamed", "verified", "big", "copy"):
        if names is None or want not in names.split(","):
            problems.append(f"no name '{want}' in pgs_dirent")
    if names and ("one" in names.split(",") or "gone" in names.split(",")):
        problems.append("a renamed or unlinked name is still in pgs_dirent")
    rows, maps = (int(x) for x in chunks.split()) if chunks else (0, 0)
    if not rows or rows >= maps:
        problems.append(f"{rows} chunk rows for {maps} chunk map rows: the copy is not stored once")
    return Result(name, not problems, reason="; ".join(problems),
                  notes=[f"{rows} chunks, {maps} chunk map rows"])


def run(ctx, names):
    """The cluster, the two boots, the database's view; the cluster is stopped whatever happens."""
    if not os.path.exists(f"{pgcluster.PGBIN}/postgres"):
        return [Result(n, False, reason="no PostgreSQL 15 (tools/setup installs postgresql-15)") for n in names]
    base = os.path.join(ctx.log_dir, "pgfs-cluster")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    state = {"server": None}
    try:
        state["server"] = server = pgcluster.start_cluster(base, PORT, "nobody")
        if server is None or server.poll() is not None or not pgcluster.create_roles(base, PORT):
            return [Result(n, False, reason=f"PostgreSQL did not start on 127.0.0.1:{PORT} (see {base})")
                    for n in names]
        results = write_phase(ctx, names[0], base, state)
        results += verify_phase(ctx, names[1], base, state)
        results.append(database_check(base, names[2]))
        results += upload_phases(ctx, names[3:])
        return results
    finally:
        pgcluster.stop_cluster(state["server"])
        shutil.rmtree(base, ignore_errors=True)


def request(port, method, path, body=None, token=True):
    """(status, body) of one request to the guest on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request(method, path, body=body, headers={"Authorization": "Bearer " + TOKEN} if token else {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_mount(ctx, boot, port):
    """Waits for fs to serve /data and http_server to answer; None or why not."""
    if boot.wait_for(SERVED, ctx.timeout(TIMEOUT)) is None:
        return "fs never served /data"
    deadline = time.monotonic() + ctx.timeout(60)
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/", token=False)[0] == 200:
                return None
        except OSError:
            pass
        time.sleep(0.2)
    return "http_server never answered"


def upload_phases(ctx, names):
    """PUTs and a DELETE on one machine, killed at once; a new one serves what was acknowledged."""
    files = {name: os.urandom(size) for name, size in UPLOADS}
    files["one"] = os.urandom(1)
    with Boot(ctx, names[0], ctx.image("warp-pgweb.iso"), mem="256M", net=True) as boot:
        port = boot.options["port"]
        why = wait_mount(ctx, boot, port)
        got = []
        for name, size in UPLOADS:
            got.append((name, request(port, "PUT", "/uploads/" + name, os.urandom(1) if name == "one" else
                                      files[name])[0] if not why else None))
        if not why:
            got.append(("one again", request(port, "PUT", "/uploads/one", files["one"])[0]))
            got.append(("delete dir/page", request(port, "DELETE", "/uploads/dir/page")[0]))
        if boot.proc.poll() is None:
            os.killpg(boot.proc.pid, signal.SIGKILL)  # right after the last acknowledgement
        want = [(n, 201) for n, _ in UPLOADS] + [("one again", 204), ("delete dir/page", 204)]
        if why or got != want:
            first = boot.fail(names[0], why or f"statuses {got}, not {want}", with_state=False)
        else:
            first = Result(names[0], True, notes=[f"{len(UPLOADS)} PUTs (0 B to 9 MiB), a replace, a DELETE"])
    with Boot(ctx, names[1], ctx.image("warp-pgweb.iso"), mem="256M", net=True) as boot:
        port = boot.options["port"]
        why = wait_mount(ctx, boot, port)
        bad = []
        for name, _ in UPLOADS:
            if why:
                break
            status, body = request(port, "GET", "/uploads/" + name, token=False)
            want = (404, None) if name == "dir/page" else (200, hashlib.sha256(files[name]).hexdigest())
            if status != want[0] or (want[1] and hashlib.sha256(body).hexdigest() != want[1]):
                bad.append(f"{name}: {status}, {len(body)} bytes")
        if why or bad:
            second = boot.fail(names[1], why or "; ".join(bad), with_state=False)
        else:
            second = Result(names[1], True, notes=["every upload byte for byte (sha256), the deleted one 404"])
    return [first, second]
