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
           the test stops PostgreSQL: a cached file still reads right, a sync fails
           within the 3-second lease (fs gives up the lease it cannot renew) instead of waiting for
           ever, and a later write is refused (PostgreSQL is started again after)

Then the database is asked directly: the volume's names are there, and the copy's chunks are stored
once (the chunk rows are fewer than the chunk map's rows). Last, uploads kept in the database
(warp-pgweb.iso: http_server's /uploads/ into /data/uploads, volume pgweb): PUTs of 0 B to 64 MiB
(201), one replaced (204) and one deleted (204), then QEMU killed (SIGKILL) at once; a new machine
serves every upload byte for byte (sha256) and 404 for the deleted one. Then two machines on that
volume at once: the one holding the lease takes uploads, the other is read-only (its PUT refused)
and, refreshing its tree every 2 s, serves a new upload, a replaced one's new bytes and a deletion's
404 within 10 s. The cluster is always stopped.
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
UPLOADS = [("empty", 0), ("one", 1), ("dir/page", 4096), ("mib", 1 << 20), ("nine", (9 << 20) + 77),
           ("big", 64 << 20)]
SUMMARY = re.compile(r"^pgfstest: (\d+) passed, (\d+) failed")


def jobs(ctx):
    names = ["pgfs write: verdict", "pgfs verify: verdict", "pgfs: the database holds the tree",
             "pgfs uploads: PUT, the machine killed", "pgfs uploads: a new machine serves them",
             "pgfs replicas: a writer and a read-only machine on one volume"]
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
        results += upload_phases(ctx, names[3:5])
        results.append(replicas(ctx, names[5]))
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
            first = Result(names[0], True, notes=[f"{len(UPLOADS)} PUTs (0 B to 64 MiB), a replace, a DELETE"])
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


WRITER = re.compile(r"^fs: /data: (volume 'pgweb' served \(\d+ nodes, writer\)|took the lease)")
READ_ONLY = re.compile(r"^fs: /data: volume 'pgweb' served \(\d+ nodes, read-only")
REPLICA_BOUND = 10  # seconds the read-only machine may take to show a change


def until_replica(port, path, want_status, want_body, bound):
    """Polls path on the replica until it answers want_status (with want_body's bytes): seconds taken,
    or None after bound seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < bound:
        try:
            status, body = request(port, "GET", path, token=False)
            if status == want_status and (want_body is None or body == want_body):
                return time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            pass  # a file replaced while it streams ends short: its old inode is gone from the database
        time.sleep(0.2)
    return None


def replicas(ctx, name):
    """A writer and a read-only machine on volume pgweb at once."""
    fresh, mib = os.urandom(300000), os.urandom(1 << 20)
    with Boot(ctx, name + " (writer)", ctx.image("warp-pgweb.iso"), mem="256M", net=True) as w:
        why = wait_mount(ctx, w, w.options["port"])
        if not why and w.wait_for(WRITER, ctx.timeout(30)) is None:
            why = "the first machine never became the writer"
        with Boot(ctx, name + " (replica)", ctx.image("warp-pgweb.iso"), mem="256M", net=True) as r:
            why = why or wait_mount(ctx, r, r.options["port"])
            if not why and r.wait_for(READ_ONLY, 1) is None:
                why = "the second machine is not read-only"
            wp, rp = w.options["port"], r.options["port"]
            steps = []
            if not why:
                steps.append(("PUT fresh on the writer", request(wp, "PUT", "/uploads/fresh", fresh)[0], 201))
                steps.append(("fresh on the replica", until_replica(rp, "/uploads/fresh", 200, fresh,
                                                                    REPLICA_BOUND), "seconds"))
                steps.append(("PUT on the replica", request(rp, "PUT", "/uploads/other", b"x")[0] >= 400, True))
                steps.append(("PUT mib again on the writer", request(wp, "PUT", "/uploads/mib", mib)[0], 204))
                steps.append(("mib's new bytes on the replica", until_replica(rp, "/uploads/mib", 200, mib,
                                                                             REPLICA_BOUND), "seconds"))
                steps.append(("DELETE fresh on the writer", request(wp, "DELETE", "/uploads/fresh")[0], 204))
                steps.append(("fresh gone on the replica", until_replica(rp, "/uploads/fresh", 404, None,
                                                                        REPLICA_BOUND), "seconds"))
            bad = [f"{what}: {got}" for what, got, want in steps
                   if (want == "seconds" and got is None) or (want != "seconds" and got != want)]
            if why or bad:
                return r.fail(name, why or "; ".join(bad), with_state=False)
            return Result(name, True, notes=[f"{what}: {got:.1f} s" for what, got, want in steps
                                             if want == "seconds"])
