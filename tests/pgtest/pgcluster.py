"""tests/pgtest/pgcluster.py: a throw-away PostgreSQL 15 cluster for the tests (tests/pgtest/run, the
persistent mount's end-to-end case): initdb into a fresh directory, owned by and run as an unprivileged
user (`nobody` when the tests run as root), listening on 127.0.0.1 at a given port and on a Unix socket
in that directory; two login roles (warp_scram with a SCRAM password, warp_md5 with an md5 one) and the
database warp. Standard library only.
"""

import os
import pwd
import signal
import socket
import subprocess
import time

PGBIN = "/usr/lib/postgresql/15/bin"
HBA = """\
local all all trust
host warp warp_scram 127.0.0.1/32 scram-sha-256
host warp warp_md5 127.0.0.1/32 md5
"""
SETUP = """\
SET password_encryption = 'scram-sha-256';
CREATE ROLE warp_scram LOGIN PASSWORD 'scram-secret';
SET password_encryption = 'md5';
CREATE ROLE warp_md5 LOGIN PASSWORD 'md5-secret';
CREATE DATABASE warp OWNER warp_scram;
"""


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_user(cmd, user):
    """cmd run as user (through runuser when we are root, as is)."""
    return ["runuser", "-u", user, "--"] + cmd if os.geteuid() == 0 else cmd


def fail(msg):
    """One failing TAP line."""
    print(f"not ok - pg: {msg}", flush=True)


def start_cluster(base, port, user):
    """initdb, configure and start postgres; returns the server process or None (after a failing line)."""
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock)
    if os.geteuid() == 0:
        pw = pwd.getpwnam(user)
        for d in (base, sock):
            os.chown(d, pw.pw_uid, pw.pw_gid)
    init = subprocess.run(as_user([f"{PGBIN}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                                   "-E", "UTF8", "--no-sync"], user),
                          capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        fail(f"initdb failed: {init.stderr.strip()[-300:]}")
        return None
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write(HBA)
    return start_server(base, port, user)


def start_server(base, port, user):
    """Starts postgres on an initialized cluster and waits until it is ready; returns the process."""
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    log = open(os.path.join(base, "postgres.log"), "a")
    server = subprocess.Popen(as_user([f"{PGBIN}/postgres", "-D", data, "-k", sock, "-h", "127.0.0.1",
                                       "-p", str(port), "-c", "password_encryption=scram-sha-256",
                                       "-c", "fsync=off"], user),
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        ready = subprocess.run([f"{PGBIN}/pg_isready", "-h", sock, "-p", str(port)], capture_output=True)
        if ready.returncode == 0:
            return server
        if server.poll() is not None:
            break
        time.sleep(0.1)
    fail("postgres did not become ready (see postgres.log)")
    return server


def create_roles(base, port):
    """The two login roles and the database, over the trusted local socket."""
    psql = subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", os.path.join(base, "sock"),
                           "-p", str(port), "-U", "postgres", "-d", "postgres"],
                          input=SETUP, capture_output=True, text=True, timeout=60)
    if psql.returncode != 0:
        fail(f"creating the roles failed: {psql.stderr.strip()[-300:]}")
    return psql.returncode == 0


def stop_cluster(server, sig=signal.SIGINT):
    """Stops postgres: sig (SIGINT: fast shutdown; SIGQUIT: immediate, like a crash) to its group (runuser
    passes nothing on), then SIGKILL."""
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, sig)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
