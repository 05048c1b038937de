"""tests/e2e/case_linuxnet.py: a Linux program serves TCP through the linux server and tcpip.

warp-linuxnet.iso runs virtio_net, tcpip, fs and the linux server (`uses = fs tcpip`, `ports = 80
81`) with tests/linuxbin/netserv twice: with epoll (edge-triggered connections) on guest port 80
and with poll on port 81, both with non-blocking sockets and accept4. The host connects only to
127.0.0.1, through QEMU's forwarded ports, and checks every byte of each answer: one written with
writev, one sent with sendfile from a file netserv made in /tmp, 300,000 bytes of write()s taken in
part, the addresses getpeername and getsockname give (QEMU's user network: the peer 10.0.2.2, the
guest 10.0.2.15), a 404, a request arriving in two pieces, three connections at once, and a
connection the client resets while netserv writes (its write fails with ECONNRESET or EPIPE, and
it goes on serving). Each netserv exits 0 after its connections.

tests/linuxbin/netdial connects out (its section says `connect = yes`, and the linux server's does):
to an echo server this test runs on the host's 127.0.0.1:ECHO_PORT, which the guest reaches as
QEMU's 10.0.2.2, blocking and non-blocking (EINPROGRESS, poll, SO_ERROR), and to a closed port
(ECONNREFUSED both ways); each of its lines is a result. netdial-denied, without the key, gets EACCES.
"""

import re
import socket
import struct
import threading
import time

from harness import Boot, Job, Result, qemu

GROUP = "linuxnet"
NAME = "linux sockets"
TIMEOUT = 120
FILE_SIZE = 100000
BIG_SIZE = 300000
SMALL = b"hello from a Linux program on Warp\n"


def pattern(n):
    """netserv's bytes for /file and /big."""
    return bytes(ord("a") + (i * 7 + i // 251) % 26 for i in range(n))


def ok_answer(body):
    return b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def fetch(port, path, pieces=1, timeout=60):
    """One request to 127.0.0.1:port (sent in `pieces` writes), the whole answer up to netserv's close."""
    req = f"GET {path} HTTP/1.0\r\nHost: warp\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        if pieces == 1:
            s.sendall(req)
        else:
            s.sendall(req[:7])
            time.sleep(0.5)
            s.sendall(req[7:])
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def reset_midway(port):
    """Asks for /endless, reads 100 KB of it, then resets the connection (SO_LINGER 0)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"GET /endless HTTP/1.0\r\n\r\n")
        got = 0
        while got < 100000:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("/endless ended early")
            got += len(chunk)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


ECHO_PORT = 30777  # fixed in tests/linuxbin/linuxnet.manifest (netdial's args), with 30778 closed


def jobs(ctx):
    yield Job(NAME, run)


class EchoServer:
    """Echoes every connection on 127.0.0.1:ECHO_PORT in threads, until stopped. A context manager."""

    def __enter__(self):
        self.srv = socket.create_server(("127.0.0.1", ECHO_PORT))
        threading.Thread(target=self.serve, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.srv.close()
        return False

    def serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(conn,), daemon=True).start()

    @staticmethod
    def echo(conn):
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)


def dial_results(ctx, boot):
    """netdial's lines as results, its exit, and netdial-denied's EACCES."""
    results = []
    for prog in ("netdial", "netdial-denied"):
        hit = boot.wait_for(re.compile(rf"linux: {prog} (exited|killed)"), ctx.timeout(60))
        text = hit[0].text if hit else "no end"
        lines = [l.text for l in boot.all_lines() if re.match(rf"{re.escape(prog)}/\d+: netdial: (ok|FAIL) ", l.text)]
        for line in lines:
            verdict, _, what = line.split(": ", 2)[2].partition(" ")
            check_name, _, errno_text = what.rpartition(" (")
            results.append(Result(f"linuxnet: {prog}: {check_name}", verdict == "ok",
                                  notes=[f"errno: {errno_text.rstrip(')')}"]))
        results.append(Result(f"linuxnet: {prog} checked connect() and exited 0",
                              text.endswith("exited with code 0") and bool(lines), reason=text))
    return results


def check(results, title, got, want):
    if got == want:
        results.append(Result(title, True, notes=[f"{len(got)} bytes"]))
    else:
        results.append(Result(title, False, reason=f"got {len(got)} bytes {got[:120]!r}, want {len(want)} "
                                                   f"bytes {want[:120]!r}"))


def run(ctx):
    """Boots warp-linuxnet.iso and talks to both netserv processes."""
    p81 = qemu.free_port()
    with EchoServer(), Boot(ctx, NAME, ctx.image("warp-linuxnet.iso"), mem="256M", net=True,
                            forward=[(p81, 81)]) as boot:
        p80 = boot.options["port"]
        timeout = ctx.timeout(TIMEOUT)
        for mode in ("epoll", "poll"):
            if not boot.wait_for(re.compile(rf"netserv-{mode}/1: netserv: listening on port \d+ with {mode}"),
                                 timeout):
                return [boot.fail(NAME, f"netserv ({mode}) did not start listening")]
        results = []
        file_body, big_body = pattern(FILE_SIZE), pattern(BIG_SIZE)
        try:
            check(results, "linuxnet: writev answer (epoll)", fetch(p80, "/small"), ok_answer(SMALL))
            check(results, "linuxnet: getpeername and getsockname (epoll)", fetch(p80, "/peer"),
                  ok_answer(b"peer 10.0.2.2 me 10.0.2.15:80\n"))
            got = {}
            threads = [threading.Thread(target=lambda p=p: got.__setitem__(p, fetch(p80, p)))
                       for p in ("/file", "/big", "/nope")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout)
            check(results, "linuxnet: sendfile answer, three connections at once (epoll)", got.get("/file", b""),
                  ok_answer(file_body))
            check(results, "linuxnet: 300,000 bytes of partial writes (epoll)", got.get("/big", b""),
                  ok_answer(big_body))
            check(results, "linuxnet: 404 (epoll)", got.get("/nope", b""),
                  b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            check(results, "linuxnet: a request in two pieces (epoll)", fetch(p80, "/small", pieces=2),
                  ok_answer(SMALL))
            reset_midway(p80)
            hit = boot.wait_for(re.compile(r"netserv-epoll/1: netserv: the peer went away"), ctx.timeout(30))
            results.append(Result("linuxnet: a connection the client resets: ECONNRESET or EPIPE (epoll)",
                                  bool(hit) and hit[0].text.endswith("ECONNRESET or EPIPE"),
                                  reason=hit[0].text if hit else "netserv said nothing"))
            check(results, "linuxnet: the next connection after a reset (epoll)", fetch(p80, "/small"),
                  ok_answer(SMALL))
            check(results, "linuxnet: writev answer (poll)", fetch(p81, "/small"), ok_answer(SMALL))
            check(results, "linuxnet: sendfile answer (poll)", fetch(p81, "/file"), ok_answer(file_body))
            check(results, "linuxnet: partial writes (poll)", fetch(p81, "/big"), ok_answer(big_body))
            check(results, "linuxnet: getsockname on port 81 (poll)", fetch(p81, "/peer"),
                  ok_answer(b"peer 10.0.2.2 me 10.0.2.15:81\n"))
        except OSError as e:
            results.append(Result("linuxnet: the host's connections", False, reason=str(e)))
        for mode in ("epoll", "poll"):
            hit = boot.wait_for(re.compile(rf"linux: netserv-{mode} (exited|killed)"), ctx.timeout(30))
            text = hit[0].text if hit else "no end"
            results.append(Result(f"linuxnet: netserv ({mode}) served every connection and exited 0",
                                  text.endswith("exited with code 0"), reason=text))
        hit = boot.wait_for(re.compile(r"netserv-denied/1: netserv: "), ctx.timeout(30))
        results.append(Result("linuxnet: bind of a port the program's manifest section does not grant: EACCES",
                              bool(hit) and hit[0].text.endswith("bind and listen: Permission denied"),
                              reason=hit[0].text if hit else "netserv said nothing"))
        results += dial_results(ctx, boot)
        bad = [r for r in results if not r.ok]
        for r in bad:
            r.tail = boot.tail()
        return results
