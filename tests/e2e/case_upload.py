"""tests/e2e/case_upload.py: PUT and DELETE under /uploads/ with a bearer token, in a booted Warp.

warp-upload.iso is the normal system whose manifest configures uploads (tests/e2e/upload.manifest:
/uploads/ into fs's /tmp/uploads, bodies up to 6 MiB). Two boots, each driven from the host through
QEMU's port forward with python's http.client and raw sockets:

- "upload tmpfs" (no disk: http_server serves its embedded page and keeps fs's session for uploads):
  PUTs of 0 B, 1 B, 100 KiB and 5 MiB read back by sha256 (201), a PUT over an existing name (204)
  then the new bytes, PUTs into new nested directories, DELETE (204) then GET 404, DELETE of a
  missing name (404) and of a directory (409), no token (401 with WWW-Authenticate: Bearer), a wrong
  token (403), a body over the limit (413 before any body byte), no Content-Length and chunked
  (411), traversal and hidden names (400/404, never written), a PUT outside the prefix (405),
  Expect: 100-continue (100 before the body; 413 instead when over the limit), four
  5 MiB bodies cut short by the client (no file under the name, and no temporary file left: /tmp
  holds 16 MiB, so leaked ones would make the next 5 MiB PUT fail with 507), pipelined PUTs on one
  connection, and the server still serving / at the end.
- "upload with a site disk" (a small ext4 site at /disk0, whose small files http_server keeps in
  its cache): GET of an upload, PUT of a new version, GET again gives the new bytes; a file the
  site has under uploads/ is not what /uploads/ serves (that is /tmp/uploads); the site's own
  files still read back.
"""

import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import time

from harness import ROOT, Boot, Job, Result

GROUP = "upload"
TOKEN = "e2e-upload-token-0123456789abcdef"  # tests/e2e/upload.manifest
MAX_BODY = 6 << 20
BOOT_TIMEOUT = 90
AUTH = {"Authorization": "Bearer " + TOKEN}


def conn(port):
    """A keep-alive connection to the guest."""
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def request(port, method, path, body=None, headers=None):
    """(status, headers dict (lower-case names), body bytes) of one request on a fresh connection."""
    c = conn(port)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def raw(port, data, timeout=20):
    """Sends raw bytes and returns what comes back until the server closes or stays quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        s.settimeout(3)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def wait_serving(boot, port, ctx):
    """Waits until / answers 200; None or why not."""
    deadline = time.monotonic() + ctx.timeout(BOOT_TIMEOUT)
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/")[0] == 200:
                return None
        except OSError:
            pass
        if not boot.running():
            return "QEMU ended before http_server answered"
        time.sleep(0.5)
    return f"http_server did not answer / within {BOOT_TIMEOUT} s"


def check(results, name, ok, why="", notes=None):
    """Appends one result."""
    results.append(Result(f"upload {name}", bool(ok), "" if ok else str(why), notes=notes or []))


def sizes_round_trip(port, results):
    """PUTs of 0 B, 1 B, 100 KiB, 5 MiB: 201, then GET gives the same sha256."""
    bad = []
    for size in (0, 1, 100 << 10, 5 << 20):
        data = os.urandom(size)
        st, _, _ = request(port, "PUT", f"/uploads/sizes/f{size}.bin", data, AUTH)
        gst, _, got = request(port, "GET", f"/uploads/sizes/f{size}.bin")
        if st != 201 or gst != 200 or hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
            bad.append(f"{size} B: PUT {st}, GET {gst}, {len(got)} bytes back")
    check(results, "tmpfs: PUTs of 0 B, 1 B, 100 KiB and 5 MiB read back byte for byte (201)", not bad,
          "; ".join(bad))


def replace_and_delete(port, results):
    """204 over an existing name and the new bytes; DELETE 204 then 404; missing 404; a directory 409."""
    p = "/uploads/a/b/c/r.txt"
    st1 = request(port, "PUT", p, b"first version\n", AUTH)[0]
    st2, head2, body2 = request(port, "PUT", p, b"second\n", AUTH)
    got = request(port, "GET", p)
    ok = st1 == 201 and st2 == 204 and body2 == b"" and "content-length" not in head2 and got[2] == b"second\n"
    check(results, "tmpfs: a PUT over an existing name is 204 (no body) and GET gives the new bytes", ok,
          f"PUT {st1}, PUT {st2} {head2}, GET {got[0]} {got[2][:40]!r}")
    d = request(port, "DELETE", p, headers=AUTH)[0]
    g = request(port, "GET", p)[0]
    again = request(port, "DELETE", p, headers=AUTH)[0]
    folder = request(port, "DELETE", "/uploads/a/b", headers=AUTH)[0]
    check(results, "tmpfs: DELETE is 204, then GET 404; a missing name 404, a directory 409",
          (d, g, again, folder) == (204, 404, 404, 409), f"DELETE {d}, GET {g}, DELETE again {again}, dir {folder}")


def refusals(port, results):
    """401, 403, 413, 411, 405 and traversal attempts; nothing of them is written."""
    st, head, _ = request(port, "PUT", "/uploads/n.txt", b"x")
    check(results, "tmpfs: no token is 401 with WWW-Authenticate: Bearer",
          st == 401 and head.get("www-authenticate") == "Bearer", f"{st} {head}")
    st = request(port, "PUT", "/uploads/n.txt", b"x", {"Authorization": "Bearer wrong-token-0123456789"})[0]
    st_basic = request(port, "DELETE", "/uploads/sizes/f1.bin", headers={"Authorization": "Basic dTpw"})[0]
    st_del = request(port, "DELETE", "/uploads/sizes/f1.bin", headers={"Authorization": "Bearer nope"})[0]
    still = request(port, "GET", "/uploads/sizes/f1.bin")[0]
    check(results, "tmpfs: a wrong token is 403 (another scheme 401), and nothing changes",
          (st, st_basic, st_del, still) == (403, 401, 403, 200), f"PUT {st}, Basic {st_basic}, DELETE {st_del}, GET {still}")
    head = (f"PUT /uploads/big.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Length: {MAX_BODY + 1}\r\n\r\n").encode()
    out = raw(port, head)
    check(results, "tmpfs: a Content-Length over the limit is 413 before any body byte is sent",
          out.startswith(b"HTTP/1.1 413 "), repr(out[:80]))
    out = raw(port, f"PUT /uploads/c.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".encode())
    out2 = raw(port, f"PUT /uploads/c.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    check(results, "tmpfs: chunked and length-less PUTs are 411",
          out.startswith(b"HTTP/1.1 411 ") and out2.startswith(b"HTTP/1.1 411 "), f"{out[:40]} {out2[:40]}")
    st = request(port, "PUT", "/elsewhere.txt", b"x", AUTH)
    check(results, "tmpfs: a PUT outside the prefix is 405 with Allow: GET, HEAD",
          st[0] == 405 and st[1].get("allow") == "GET, HEAD", f"{st[0]} {st[1]}")
    bad = []
    for target, want in (("/uploads/../etc/x", (400,)), ("/uploads/%2e%2e/x", (400,)),
                         ("/uploads/a%2f..%2f..%2fx", (400,)), ("/uploads/x%00y", (400,)),
                         ("/uploads/.hidden", (400,)), ("/uploads/", (400,)), ("/uploads/d/", (400,)),
                         ("/uploads//x//y", (201,))):
        out = raw(port, f"PUT {target} HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                        "Content-Length: 3\r\n\r\nabc".encode())
        status = int(out[9:12]) if out.startswith(b"HTTP/1.1 ") else None
        if status not in want:
            bad.append(f"{target}: {out[:40]!r}")
    hidden = request(port, "GET", "/uploads/.hidden")[0]
    normal = request(port, "GET", "/uploads/x/y")
    check(results, "tmpfs: traversal, NUL, hidden and directory names are 400; // collapses inside the prefix",
          not bad and hidden == 404 and normal[0] == 200 and normal[2] == b"abc",
          f"{bad} GET hidden {hidden}, /uploads/x/y {normal[0]}")


def expect_continue(port, results):
    """Expect: 100-continue: 100 before the body, then 201; over the limit 413 and no 100."""
    body = os.urandom(200 << 10)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"PUT /uploads/expect.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                  f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode())
        first = s.recv(4096)
        s.sendall(body)
        final = b""
        while b"\r\n\r\n" not in final:
            chunk = s.recv(4096)
            if not chunk:
                break
            final += chunk
    back = request(port, "GET", "/uploads/expect.bin")[2]
    over = raw(port, (f"PUT /uploads/expect.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                      f"Content-Length: {MAX_BODY + 1}\r\nExpect: 100-continue\r\n\r\n").encode())
    check(results, "tmpfs: Expect: 100-continue gets 100 before the body, then 201; over the limit 413 and no 100",
          first == b"HTTP/1.1 100 Continue\r\n\r\n" and final.startswith(b"HTTP/1.1 201 ") and back == body
          and over.startswith(b"HTTP/1.1 413 ") and b" 100 " not in over,
          f"first {first[:40]!r}, final {final[:20]!r}, {len(back)} bytes back, over {over[:20]!r}")


def cut_short(port, results):
    """Four 5 MiB bodies stopped one byte short: no file under the name, no temporary file left."""
    n = 5 << 20
    for _ in range(4):
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(f"PUT /uploads/cut.bin HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                      f"Content-Length: {n}\r\n\r\n".encode())
            s.sendall(b"c" * (n - 1))
            time.sleep(0.5)
    time.sleep(1)
    g = request(port, "GET", "/uploads/cut.bin")[0]
    data = os.urandom(n)
    st = request(port, "PUT", "/uploads/after-cut.bin", data, AUTH)[0]
    back = request(port, "GET", "/uploads/after-cut.bin")[2]
    request(port, "DELETE", "/uploads/after-cut.bin", headers=AUTH)
    check(results, "tmpfs: bodies cut short leave no file (GET 404) and no temporary file (a 5 MiB PUT still fits)",
          g == 404 and st == 201 and back == data, f"GET {g}, PUT after {st}")


def pipelined(port, results):
    """Two PUTs and a GET in one write on one connection: each answered in order."""
    req = b""
    for name, body in (("p1", b"one"), ("p2", b"two!")):
        req += (f"PUT /uploads/{name} HTTP/1.1\r\nHost: w\r\nAuthorization: Bearer {TOKEN}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    req += b"GET /uploads/p2 HTTP/1.1\r\nHost: w\r\nConnection: close\r\n\r\n"
    out = raw(port, req)
    ok = out.count(b"HTTP/1.1 201 ") == 2 and out.rstrip().endswith(b"two!") and b"HTTP/1.1 200 " in out
    check(results, "tmpfs: pipelined PUTs and a GET on one connection are answered in order", ok, out[-200:])


def run_tmpfs(ctx):
    """The boot without a disk: every check of the tmpfs uploads."""
    results = []
    with Boot(ctx, "upload tmpfs", ctx.image("warp-upload.iso"), net=True, mem="256M") as boot:
        port = boot.options["port"]
        why = wait_serving(boot, port, ctx)
        if why:
            return [boot.fail("upload tmpfs: http_server serves", why)]
        configured = boot.wait_for("http_server: PUT and DELETE under /uploads/", timeout=1)
        leaked = [line.text for line in boot.all_lines() if TOKEN in line.text]
        check(results, "tmpfs: the configuration is logged, the token never", configured and not leaked,
              f"configured line: {configured is not None}; lines with the token: {leaked[:2]}")
        for step in (sizes_round_trip, replace_and_delete, refusals, expect_continue, cut_short, pipelined):
            try:
                step(port, results)
            except OSError as e:
                results.append(boot.fail(f"upload tmpfs: {step.__name__}", f"{type(e).__name__}: {e}"))
        st = request(port, "GET", "/")[0]
        check(results, "tmpfs: the server still serves / after all of it", st == 200 and boot.running(), f"{st}")
        leaked = [line.text for line in boot.all_lines() if TOKEN in line.text]
        check(results, "tmpfs: no log line ever holds the token", not leaked, f"{leaked[:2]}")
    return results


def make_site(tmp):
    """A small site with a file where /uploads/ would be on the disk; its image, or None."""
    tree = os.path.join(tmp, "tree")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tree, "uploads"))
    with open(os.path.join(tree, "index.html"), "w") as f:
        f.write("<p>site</p>\n")
    with open(os.path.join(tree, "page.txt"), "w") as f:
        f.write("a page of the site\n")
    with open(os.path.join(tree, "uploads", "v.txt"), "w") as f:
        f.write("the disk's own, never served\n")
    image = os.path.join(tmp, "site.img")
    run = subprocess.run([os.path.join(ROOT, "tools", "mksite"), tree, image], capture_output=True, text=True)
    return image if run.returncode == 0 else None


def run_disk(ctx):
    """The boot with a site disk: uploads beside /disk0 and the small-file cache."""
    results = []
    image = make_site(os.path.join(ctx.log_dir, "upload-site"))
    if not image:
        return [Result("upload disk: tools/mksite made the site", False, "mksite failed")]
    with Boot(ctx, "upload with a site disk", ctx.image("warp-upload.iso"), net=True, mem="256M", site=image) as boot:
        port = boot.options["port"]
        why = wait_serving(boot, port, ctx)
        if why:
            return [boot.fail("upload disk: http_server serves", why)]
        page = [request(port, "GET", "/page.txt") for _ in range(3)]  # the second and third from the cache
        check(results, "disk: the site's files read back (and from the cache)",
              all(p[0] == 200 and p[2] == b"a page of the site\n" for p in page), f"{[p[0] for p in page]}")
        g0 = request(port, "GET", "/uploads/v.txt")[0]
        check(results, "disk: /uploads/ is fs's /tmp/uploads, not the disk's uploads/", g0 == 404, f"GET {g0}")
        versions = []
        for text in (b"version one\n", b"version two, longer\n", b"3\n"):
            st = request(port, "PUT", "/uploads/v.txt", text, AUTH)[0]
            got = [request(port, "GET", "/uploads/v.txt")[2] for _ in range(2)]
            versions.append((st, got == [text, text]))
        check(results, "disk: GET, PUT a new version, GET again gives the new bytes every time",
              [v[0] for v in versions] == [201, 204, 204] and all(v[1] for v in versions), f"{versions}")
        d = request(port, "DELETE", "/uploads/v.txt", headers=AUTH)[0]
        g = request(port, "GET", "/uploads/v.txt")[0]
        site = request(port, "GET", "/page.txt")[0]
        check(results, "disk: DELETE then 404; the site still serves", (d, g, site) == (204, 404, 200), f"{d} {g} {site}")
    return results


def jobs(ctx):
    return [Job("upload tmpfs", run_tmpfs), Job("upload with a site disk", run_disk)]
