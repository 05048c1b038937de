"""tests/e2e/case_gce.py: the GCE image (build/warp-gce.tar.gz) and tools/deploy-gce, without Google.

(a) image: the tarball is what GCE's image import takes (gzip; one member, disk.raw; GNU oldgnu
    headers; a whole number of GiB; disk.raw = warp.iso plus zeros) and tools/mkgce is deterministic.
(b) boot: disk.raw boots the way a GCE VM sees it, on a virtio-scsi disk, under SeaBIOS and under OVMF
    (GCE's UEFI_COMPATIBLE), e2-micro sized (2 CPUs, 1 GiB), with virtio-net on QEMU user networking.
(c) network: disk.raw on a GCE-like network in a network namespace (tests/e2e/netns.py): DHCP gives
    a /32 with the gateway outside it and MTU 1460; a client that is not the gateway pings and fetches.
(d) deploy: tools/deploy-gce's --dry-run plans, its messages for missing settings and gcloud, and a run
    against a stand-in gcloud. The real gcloud is never run: PATH holds only the stand-in (or nothing).

(c) needs root for the namespace; without it its checks report `# SKIP` with the reason.
"""

import functools
import gzip
import hashlib
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request

import netns
import pcap
from harness import ROOT, Boot, Job, Result, Unbootable, skipped

GROUP = "gce"
TARBALL = "warp-gce.tar.gz"
GIB = 1 << 30
OLDGNU_MAGIC = b"ustar  \0"   # magic + version of GNU tar's old format (ustar's is "ustar\0" "00")
HELLO = "Hello, World!"
PANIC = "KERNEL PANIC"
GRUB_LINE = "grub: loading Warp"
BOOT_TIMEOUT = {"bios": 60, "uefi": 120}  # seconds to the boot marker under TCG
SERVICE_TIMEOUT = 60                       # seconds from the boot marker to DHCP / HTTP answers
# An e2-micro: 2 vCPUs (Warp runs on the first), 1 GiB. GCE's CPUs are recent: -cpu max.
VM = dict(machine="pc", cpu="max", mem="1G", smp=2, boot="disk")
# tools/deploy-gce asks for a 10 GB boot disk: GCE copies the 1 GiB image to its start, so the
# firmware sees a disk larger than the ISO's partition tables say. The boots use such a disk.
BOOT_DISK_GIB = 10
DHCP_LINE = re.compile(r"dhcp bound \S+")  # tcpip's log line for a lease (tests/e2e/case_tcpip.py)
MKGCE = os.path.join(ROOT, "tools", "mkgce")
DEPLOY = os.path.join(ROOT, "tools", "deploy-gce")


def jobs(ctx):
    yield Job("gce image: warp-gce.tar.gz is a GCE import tarball", check_format)
    yield Job("gce image: tools/mkgce is deterministic", check_deterministic)
    for firmware in ("bios", "uefi"):
        name = f"gce boot {firmware}/virtio-scsi"
        yield Job(f"{name}: disk.raw boots", functools.partial(boot_disk, name=name, firmware=firmware),
                  also=[f"{name}: HTTP"])
    yield Job(NET_NAMES[0], network, also=NET_NAMES[1:])
    yield Job("deploy-gce: --dry-run deploy plan", check_dry_run_deploy)
    yield Job("deploy-gce: --dry-run --serial and --delete", check_dry_run_other)
    yield Job("deploy-gce: missing settings, missing gcloud", check_messages)
    yield Job("deploy-gce: a run against a stand-in gcloud", check_fake_run)


# ---- the image ---------------------------------------------------------------------------------

_disk_lock = threading.Lock()
_disk = {}


def disk_raw(ctx):
    """Extracts disk.raw from the tarball once per run (sparse); returns its path."""
    tarball = ctx.image(TARBALL)
    if not os.path.exists(tarball):
        raise Unbootable(f"{tarball} does not exist (build it with make gce-image)")
    with _disk_lock:
        key = (tarball, os.stat(tarball).st_mtime_ns)
        if key not in _disk:
            out = os.path.join(ctx.log_dir, "gce")
            os.makedirs(out, exist_ok=True)
            path = os.path.join(out, "disk.raw")
            if os.path.exists(path):
                os.unlink(path)
            with tarfile.open(tarball, "r:gz") as tar:
                member = tar.getmember("disk.raw")
                if not member.isfile():
                    raise Unbootable("disk.raw in the tarball is not a regular file")
                tar.extract(member, out, set_attrs=False)
            _disk[key] = path
        return _disk[key]


def boot_disk_path(ctx):
    """disk.raw grown to the VM's boot disk size, as GCE makes the disk from the image (sparse)."""
    disk = disk_raw(ctx)
    with _disk_lock:
        path = os.path.join(os.path.dirname(disk), "boot-disk.raw")
        if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(disk):
            subprocess.run(["cp", "--sparse=always", disk, path + ".tmp"], check=True)
            os.truncate(path + ".tmp", BOOT_DISK_GIB * GIB)
            os.replace(path + ".tmp", path)
        return path


def data_after(path, start):
    """True when the file holds a non-zero byte at or after `start` (holes are skipped)."""
    with open(path, "rb") as f:
        try:
            pos = os.lseek(f.fileno(), start, os.SEEK_DATA)
        except OSError:
            return False  # only a hole up to the end
        f.seek(pos)
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return False
            if chunk.count(0) != len(chunk):
                return True


def sha256_prefix(path, size):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = size
        while left:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def check_format(ctx):
    name = "gce image: warp-gce.tar.gz is a GCE import tarball"
    tarball = ctx.image(TARBALL)
    if not os.path.exists(tarball):
        return [Result(name, False, reason=f"{tarball} does not exist (make gce-image)")]
    problems, notes = [], []
    with open(tarball, "rb") as f:
        head = f.read(10)
    if head[:2] != b"\x1f\x8b":
        problems.append("not gzip (no 1f 8b magic)")
    else:
        if head[3] & 0x08:
            problems.append("the gzip header stores a file name (not deterministic)")
        if struct.unpack("<I", head[4:8])[0] != 0:
            problems.append("the gzip header stores a time stamp (not deterministic)")
        with gzip.open(tarball) as f:
            header = f.read(512)
        if len(header) < 512 or header[257:265] != OLDGNU_MAGIC:
            problems.append(f"first tar header's magic is {header[257:265]!r}, not GNU oldgnu "
                            f"{OLDGNU_MAGIC!r}")
        if header[:100].rstrip(b"\0") != b"disk.raw":
            problems.append(f"first tar header names {header[:100].rstrip(bytes(1))!r}, not disk.raw "
                            f"(GCE wants disk.raw as the first and only member, no long-name header)")
        with tarfile.open(tarball, "r:gz") as tar:
            members = tar.getmembers()
        if [m.name for m in members] != ["disk.raw"]:
            problems.append(f"members are {[m.name for m in members]}, not just disk.raw")
        if members:
            m = members[0]
            kind = "sparse" if m.sparse is not None else "plain"
            notes.append(f"{m.name}: {m.size} bytes ({m.size / GIB:g} GiB), {kind} member, "
                         f"tarball {os.path.getsize(tarball)} bytes")
            if not m.isfile():
                problems.append("disk.raw is not a regular file")
            if m.size == 0 or m.size % GIB:
                problems.append(f"disk.raw is {m.size} bytes, not a whole number of GiB")
            if (m.uid, m.gid, m.mtime) != (0, 0, int(os.environ.get("SOURCE_DATE_EPOCH", "0"))):
                problems.append(f"owner/mtime not fixed: uid {m.uid} gid {m.gid} mtime {m.mtime}")
    if not problems:
        iso = ctx.image("warp.iso")
        disk = disk_raw(ctx)
        size = os.path.getsize(iso)
        with open(disk, "rb") as f:
            mbr = f.read(512)
        if mbr[510:512] != b"\x55\xaa":
            problems.append("disk.raw has no MBR boot signature")
        if sha256_prefix(disk, size) != sha256_prefix(iso, size):
            problems.append(f"disk.raw does not start with {os.path.relpath(iso, ROOT)} "
                            "(stale tarball? make gce-image)")
        elif data_after(disk, size):
            problems.append("disk.raw holds data after the ISO (the padding must be zeros)")
        else:
            pad = os.path.getsize(disk) - size
            notes.append(f"disk.raw = warp.iso ({size} bytes) + {pad} zero bytes")
    return [Result(name, not problems, reason="; ".join(problems), notes=notes)]


def check_deterministic(ctx):
    """Two runs of tools/mkgce on warp.iso give the same bytes, and the same as make's tarball."""
    name = "gce image: tools/mkgce is deterministic"
    iso = ctx.image("warp.iso")
    if not os.path.exists(iso):
        return [Result(name, False, reason=f"{iso} does not exist (make)")]
    digests = []
    with tempfile.TemporaryDirectory(dir=ctx.log_dir) as tmp:
        for i in range(2):
            out = os.path.join(tmp, f"{i}.tar.gz")
            env = dict(os.environ, TMPDIR=os.path.join(tmp))
            env.pop("SOURCE_DATE_EPOCH", None)
            done = subprocess.run([MKGCE, out, iso], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=300)
            if done.returncode != 0:
                return [Result(name, False, reason=f"tools/mkgce failed: {done.stdout.strip()}")]
            digests.append(sha256_prefix(out, os.path.getsize(out)))
            time.sleep(1.1)  # a time stamp that leaked in would now differ
    if digests[0] != digests[1]:
        return [Result(name, False, reason="two runs on the same ISO gave different tarballs")]
    notes = [f"sha256 {digests[0]}"]
    built = ctx.image(TARBALL)
    if os.path.exists(built) and "SOURCE_DATE_EPOCH" not in os.environ:
        if sha256_prefix(built, os.path.getsize(built)) != digests[0]:
            return [Result(name, False, notes=notes, reason=f"{os.path.relpath(built, ROOT)} differs "
                           "from a fresh tools/mkgce run on warp.iso (stale? make gce-image)")]
        notes.append(f"{os.path.relpath(built, ROOT)} is identical")
    return [Result(name, True, notes=notes)]


# ---- booting disk.raw ----------------------------------------------------------------------------

def wait_booted(boot, timeout):
    """Waits for the boot marker (hello's greeting) after GRUB's line. Returns (Line, None) or
    (None, reason)."""
    hit = boot.wait_for(re.compile(re.escape(HELLO) + "|" + re.escape(PANIC)), timeout)
    if hit is None:
        return None, f"no '{HELLO}' within {timeout:.0f} s"
    if PANIC in hit[0].text:
        boot.wait_for("system halted", timeout=3, after=hit[0].index)
        return None, f"the kernel panicked after {hit[0].ms} ms"
    if boot.wait_for(GRUB_LINE, timeout=0) is None:
        return None, f"no '{GRUB_LINE}' line before the kernel (GRUB's serial output missing?)"
    return hit[0], None


def http_get(url, deadline):
    """GETs url until it answers or the deadline passes; returns (status, body, error)."""
    error = "no attempt"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read(1 << 20), ""
        except urllib.error.HTTPError as e:
            return e.code, e.read(4096), ""
        except (OSError, ValueError) as e:  # refused/reset while the guest is not listening yet
            error = str(e)
        time.sleep(1)
    return None, b"", error


def boot_disk(ctx, name, firmware):
    """Boots disk.raw on virtio-scsi with virtio-net on user networking; hello, then HTTP."""
    disk = boot_disk_path(ctx)
    with Boot(ctx, name, disk, firmware=firmware, net=True, **VM) as boot:
        timeout = ctx.timeout(BOOT_TIMEOUT[firmware])
        line, why = wait_booted(boot, timeout)
        if line is None:
            return [boot.fail(f"{name}: disk.raw boots", why),
                    Result(f"{name}: HTTP", False, reason="disk.raw did not boot")]
        results = [Result(f"{name}: disk.raw boots", True, notes=[f"'{line.text}' after {line.ms} ms"],
                          data={"boot_ms": line.ms})]
        url = f"http://127.0.0.1:{boot.options['port']}/"
        status, body, error = http_get(url, time.monotonic() + ctx.timeout(SERVICE_TIMEOUT))
        if status != 200:
            why = f"GET {url} (guest :80): " + (f"status {status}" if status else f"no answer ({error})")
            results.append(boot.fail(f"{name}: HTTP", why))
        else:
            note = f"GET / -> 200, {len(body)} bytes, {boot.elapsed_ms()} ms after QEMU started"
            results.append(Result(f"{name}: HTTP", True, notes=[note]))
        return results


# ---- the GCE-like network --------------------------------------------------------------------------

NET_NAMES = ["gce network: dnsmasq offers a GCE-like lease",
             "gce network: disk.raw boots in the namespace",
             "gce network: DHCP lease acknowledged",
             "gce network: ping from a non-gateway host",
             "gce network: HTTP from a non-gateway host, MSS fits MTU 1460"]


def syn_ack_mss(frames, mac):
    """MSS options of the TCP SYN-ACKs that `mac` sent (IPv4), in order."""
    src = bytes.fromhex(mac.replace(":", ""))
    return [pcap.mss_option(s) for s in pcap.tcp_segments(frames)
            if s.src_mac == src and s.flags & (pcap.TCP_SYN | pcap.TCP_ACK) == pcap.TCP_SYN | pcap.TCP_ACK
            and pcap.mss_option(s) is not None]


def network(ctx):
    """The GCE-like network: offer, boot, lease, ping, HTTP."""
    found = netns.GceNetwork.problems()
    if found:
        return [skipped(n, "; ".join(found)) for n in NET_NAMES]
    disk = boot_disk_path(ctx)
    results = []
    with netns.GceNetwork(ctx.log_dir, label="gce") as net:
        notes = [f"namespace {net.name}, dnsmasq log {os.path.relpath(net.log_path, ROOT)}"]
        try:
            offer = net.probe_offer()
        except RuntimeError as e:
            return [Result(NET_NAMES[0], False, reason=str(e), notes=notes)] + \
                   [Result(n, False, reason="no DHCP offer") for n in NET_NAMES[1:]]
        want = {"yiaddr": netns.GUEST, "netmask": "255.255.255.255", "router": netns.GATEWAY,
                "mtu": netns.MTU}
        wrong = [f"{k} {offer.get(k)} (want {v})" for k, v in want.items() if offer.get(k) != v]
        results.append(Result(NET_NAMES[0], not wrong, reason="; ".join(wrong),
                              notes=notes + [f"offer: {json.dumps(offer)}"]))

        capture = os.path.join(net.dir, "guest.pcap")
        boot_name = NET_NAMES[1]
        with netns.NetnsBoot(ctx, boot_name, disk, net, pcap=capture, firmware="bios", **VM) as boot:
            line, why = wait_booted(boot, ctx.timeout(BOOT_TIMEOUT["bios"]))
            if line is None:
                return results + [boot.fail(boot_name, why)] + \
                       [Result(n, False, reason="disk.raw did not boot") for n in NET_NAMES[2:]]
            results.append(Result(boot_name, True, notes=[f"'{line.text}' after {line.ms} ms"]))
            results += guest_network(ctx, net, boot, capture)
    return results


def guest_network(ctx, net, boot, capture):
    """Lease, ping and HTTP checks against a booted guest in `net`."""
    ack = net.wait_lease(ctx.timeout(SERVICE_TIMEOUT))
    if ack is None:
        return [boot.fail(NET_NAMES[2], f"dnsmasq acknowledged no lease for {netns.GUEST}")] + \
               [Result(n, False, reason="no DHCP lease") for n in NET_NAMES[3:]]
    view = boot.wait_for(DHCP_LINE, timeout=5)  # tcpip's own view of the lease, when it logs one
    notes = [ack] + ([f"guest: {view[0].text.strip()}"] if view else [])
    results = [Result(NET_NAMES[2], True, notes=notes)]

    # CLIENT is neither the gateway nor on a /32 with the guest: only a guest that sends everything
    # through the gateway reaches it (netns.py explains the ARP set-up that makes this so).
    ping = None
    deadline = time.monotonic() + ctx.timeout(SERVICE_TIMEOUT / 2)
    while time.monotonic() < deadline:
        ping = net.run(["ping", "-n", "-c", "1", "-W", "2", "-I", netns.CLIENT, netns.GUEST],
                       timeout=10)
        if ping.returncode == 0:
            break
        time.sleep(0.5)
    if ping is not None and ping.returncode == 0:
        rtt = re.search(r"time=[\d.]+ ms", ping.stdout)
        results.append(Result(NET_NAMES[3], True, notes=[f"{netns.CLIENT} -> {netns.GUEST}: "
                                                         f"{rtt.group(0) if rtt else 'reply'}"]))
    else:
        out = (ping.stdout + ping.stderr).strip().splitlines()[-2:] if ping else ["no time left"]
        results.append(boot.fail(NET_NAMES[3], f"no echo reply from {netns.GUEST} to {netns.CLIENT}: "
                                 + " / ".join(out)))

    curl = None
    deadline = time.monotonic() + ctx.timeout(SERVICE_TIMEOUT / 2)
    while time.monotonic() < deadline:
        curl = net.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "--max-time", "5", "--interface", netns.CLIENT, f"http://{netns.GUEST}/"],
                       timeout=15)
        if curl.returncode == 0 and curl.stdout.startswith("200"):
            break
        time.sleep(1)
    if curl is None or curl.returncode != 0 or not curl.stdout.startswith("200"):
        out = " ".join(f"{curl.stdout} {curl.stderr}".split()) if curl else "no time left"
        results.append(boot.fail(NET_NAMES[4], f"GET / from the client failed: {out}"))
        return results
    mss = syn_ack_mss(pcap.read_frames(capture), netns.GUEST_MAC)
    limit = netns.MTU - 40
    notes = [f"GET / -> {curl.stdout.split()[0]}, {curl.stdout.split()[1]} bytes",
             f"SYN-ACK MSS from the guest: {mss}"]
    if not mss:
        results.append(Result(NET_NAMES[4], False, notes=notes,
                              reason=f"no SYN-ACK with an MSS option in {os.path.relpath(capture, ROOT)}"))
    elif max(mss) > limit:
        results.append(Result(NET_NAMES[4], False, notes=notes,
                              reason=f"the guest announced MSS {max(mss)} > {limit}: it ignored the "
                                     f"DHCP MTU {netns.MTU}"))
    else:
        results.append(Result(NET_NAMES[4], True, notes=notes))
    return results


# ---- tools/deploy-gce ------------------------------------------------------------------------------

SETTINGS = ("PROJECT", "BUCKET", "ZONE", "MACHINE_TYPE", "IMAGE_NAME", "INSTANCE")
VALID_GUEST_OS_FEATURES = {"MULTI_IP_SUBNET", "SECURE_BOOT", "SEV_CAPABLE", "SEV_SNP_CAPABLE",
                           "SEV_LIVE_MIGRATABLE", "SEV_LIVE_MIGRATABLE_V2", "UEFI_COMPATIBLE",
                           "VIRTIO_SCSI_MULTIQUEUE", "WINDOWS", "GVNIC", "IDPF", "TDX_CAPABLE",
                           "SUSPEND_RESUME_COMPATIBLE"}
# The stand-in gcloud: logs its arguments; "describe"/"storage ls" find things when FAKE_EXISTS=1;
# the external address is 127.0.0.1 (contacted only from inside a private namespace, by
# check_fake_wait; the other runs pass --wait 0); FAKE_FAIL="<words>" fails the command starting so.
FAKE_GCLOUD = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps(args) + "\\n")
words = " ".join(a for a in args if not a.startswith("-"))
if os.environ.get("FAKE_FAIL") and words.startswith(os.environ["FAKE_FAIL"]):
    print("ERROR: (gcloud) simulated failure", file=sys.stderr)
    sys.exit(1)
if args[:2] == ["auth", "list"]:
    print("tester@example.invalid")
elif any(a.startswith("--format=get(networkInterfaces") for a in args):
    print("127.0.0.1")
elif "describe" in args or args[:2] == ["storage", "ls"]:
    if os.environ.get("FAKE_EXISTS") != "1":
        print("ERROR: (gcloud) The resource was not found", file=sys.stderr)
        sys.exit(1)
    print(args[3] if len(args) > 3 else "x")
"""


def deploy(args, path_dirs, settings=None, extra_env=None, timeout=60, ns=None):
    """Runs tools/deploy-gce with PATH = path_dirs only (so no real gcloud), and the given settings.

    With ns (a netns.Namespace) it runs inside that namespace.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in SETTINGS and not k.startswith("CLOUDSDK_") and k != "BUILD"}
    env["PATH"] = os.pathsep.join(path_dirs)
    env.update(settings or {})
    env.update(extra_env or {})
    prefix = ([shutil.which("ip")] + ns.prefix()[1:]) if ns else []
    return subprocess.run(prefix + [sys.executable, "-B", DEPLOY] + args, cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def plan_lines(stdout):
    """The commands of a --dry-run output: argv lists (comments dropped), in order."""
    return [shlex.split(line, comments=True) for line in stdout.splitlines()
            if line.strip() and not line.startswith("#")]


def expect_plan(got, expected, project):
    """Checks commands against (leading words, required arguments) pairs; returns problems."""
    problems = []
    if len(got) != len(expected):
        problems.append(f"{len(got)} commands, expected {len(expected)}: "
                        + " | ".join(" ".join(a[:4]) for a in got))
    for i, (argv, (words, required)) in enumerate(zip(got, expected)):
        if argv[:len(words)] != words:
            problems.append(f"command {i + 1} is `{' '.join(argv[:len(words)])}`, expected "
                            f"`{' '.join(words)}`")
            continue
        missing = [r for r in required if r not in argv]
        if missing:
            problems.append(f"`{' '.join(words)}` lacks {missing}")
        if argv[0] == "gcloud" and words[1:3] != ["auth", "list"] and f"--project={project}" not in argv:
            problems.append(f"`{' '.join(words)}` lacks --project={project}")
    return problems


def deploy_expected(project, bucket, zone, tarball):
    uri = f"gs://{bucket}/warp-gce.tar.gz"
    z = f"--zone={zone}"
    return [
        (["gcloud", "auth", "list"], []),
        (["gcloud", "storage", "cp"], [tarball, uri]),
        (["gcloud", "compute", "instances", "describe", "warp-1"], [z]),
        (["gcloud", "compute", "instances", "delete", "warp-1"], [z, "--quiet"]),
        (["gcloud", "compute", "images", "describe", "warp"], []),
        (["gcloud", "compute", "images", "delete", "warp"], ["--quiet"]),
        (["gcloud", "compute", "images", "create", "warp"], [f"--source-uri={uri}"]),
        (["gcloud", "compute", "firewall-rules", "describe", "warp-allow-http"], []),
        (["gcloud", "compute", "firewall-rules", "create", "warp-allow-http"],
         ["--rules=tcp:80", "--direction=INGRESS", "--action=ALLOW", "--target-tags=warp-http",
          "--source-ranges=0.0.0.0/0"]),
        (["gcloud", "compute", "instances", "create", "warp-1"],
         [z, "--machine-type=e2-micro", "--image=warp", f"--image-project={project}",
          f"--boot-disk-size={BOOT_DISK_GIB}GB",
          "--metadata=serial-port-enable=TRUE", "--tags=warp-http"]),
        (["gcloud", "compute", "instances", "describe", "warp-1"],
         [z, "--format=get(networkInterfaces[0].accessConfigs[0].natIP)"]),
        (["curl"], ["http://EXTERNAL_IP/", "--max-time"]),
    ]


class Bins:
    """Temporary PATH directories: `fake` has only the stand-in gcloud, `empty` has nothing."""

    def __init__(self, ctx):
        self.tmp = tempfile.TemporaryDirectory(dir=ctx.log_dir, prefix="deploy-")
        self.fake = os.path.join(self.tmp.name, "fakebin")
        self.empty = os.path.join(self.tmp.name, "emptybin")
        self.log = os.path.join(self.tmp.name, "gcloud.log")
        os.makedirs(self.fake)
        os.makedirs(self.empty)
        gcloud = os.path.join(self.fake, "gcloud")
        with open(gcloud, "w") as f:
            f.write(FAKE_GCLOUD.replace("{python}", sys.executable))
        os.chmod(gcloud, 0o755)
        self.tarball = os.path.join(self.tmp.name, "warp-gce.tar.gz")
        open(self.tarball, "wb").close()

    def calls(self):
        try:
            with open(self.log) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def reset(self):
        if os.path.exists(self.log):
            os.unlink(self.log)

    def close(self):
        self.tmp.cleanup()


def check_dry_run_deploy(ctx):
    name = "deploy-gce: --dry-run deploy plan"
    bins = Bins(ctx)
    try:
        project, bucket, zone = "test-project-1", "test-bucket-1", "europe-west1-b"
        done = deploy(["--dry-run", "--tarball", bins.tarball], [bins.fake],
                      {"PROJECT": project, "BUCKET": f"gs://{bucket}", "ZONE": zone},
                      {"FAKE_LOG": bins.log})
        problems = []
        if done.returncode != 0:
            problems.append(f"exit status {done.returncode}: {done.stderr.strip()}")
        got = plan_lines(done.stdout)
        problems += expect_plan(got, deploy_expected(project, bucket, zone, bins.tarball), project)
        for argv in got:
            for a in argv:
                if a.startswith("--guest-os-features="):
                    bad = set(a.split("=", 1)[1].split(",")) - VALID_GUEST_OS_FEATURES
                    if bad:
                        problems.append(f"invalid guest OS feature(s) {sorted(bad)}")
                    if "UEFI_COMPATIBLE" not in a:
                        problems.append("the image is not marked UEFI_COMPATIBLE")
        if bins.calls():
            problems.append(f"--dry-run ran gcloud: {bins.calls()}")
        notes = [f"{len(got)} commands"]
        return [Result(name, not problems, reason="; ".join(problems), notes=notes,
                       tail=done.stdout.splitlines() if problems else [])]
    finally:
        bins.close()


def check_dry_run_other(ctx):
    name = "deploy-gce: --dry-run --serial and --delete"
    bins = Bins(ctx)
    try:
        problems = []
        project = "test-project-2"
        serial = deploy(["--serial", "--dry-run"], [bins.fake], {"PROJECT": project},
                        {"FAKE_LOG": bins.log})
        expected = [(["gcloud", "compute", "instances", "get-serial-port-output", "warp-1"],
                     ["--zone=us-central1-a", "--port=1"])]  # the default zone
        problems += [f"--serial: {p}" for p in
                     expect_plan(plan_lines(serial.stdout), expected, project)]
        delete = deploy(["--delete", "--dry-run"], [bins.fake],
                        {"PROJECT": project, "BUCKET": "test-bucket-2", "ZONE": "asia-east1-c",
                         "INSTANCE": "warp-7", "IMAGE_NAME": "warp-img"}, {"FAKE_LOG": bins.log})
        z = "--zone=asia-east1-c"
        uri = "gs://test-bucket-2/warp-gce.tar.gz"
        expected = [(["gcloud", "compute", "instances", "describe", "warp-7"], [z]),
                    (["gcloud", "compute", "instances", "delete", "warp-7"], [z, "--quiet"]),
                    (["gcloud", "compute", "images", "describe", "warp-img"], []),
                    (["gcloud", "compute", "images", "delete", "warp-img"], ["--quiet"]),
                    (["gcloud", "compute", "firewall-rules", "describe", "warp-allow-http"], []),
                    (["gcloud", "compute", "firewall-rules", "delete", "warp-allow-http"], ["--quiet"]),
                    (["gcloud", "storage", "ls", uri], []),
                    (["gcloud", "storage", "rm", uri], [])]
        problems += [f"--delete: {p}" for p in
                     expect_plan(plan_lines(delete.stdout), expected, project)]
        for what, done in (("--serial", serial), ("--delete", delete)):
            if done.returncode != 0:
                problems.append(f"{what} --dry-run: exit status {done.returncode}: "
                                f"{done.stderr.strip()}")
        if bins.calls():
            problems.append(f"--dry-run ran gcloud: {bins.calls()}")
        return [Result(name, not problems, reason="; ".join(problems),
                       tail=(serial.stdout + delete.stdout).splitlines() if problems else [])]
    finally:
        bins.close()


def one_clear_line(done, must_contain):
    """Problems unless `done` failed with exactly one stderr line containing every given word."""
    lines = done.stderr.strip().splitlines()
    problems = []
    if done.returncode == 0:
        problems.append("exit status 0")
    if len(lines) != 1 or "Traceback" in done.stderr:
        problems.append(f"stderr is not one line: {done.stderr.strip()[:300]!r}")
    for word in must_contain:
        if word not in done.stderr:
            problems.append(f"message lacks {word!r}: {done.stderr.strip()[:200]!r}")
    return problems


def check_messages(ctx):
    name = "deploy-gce: missing settings, missing gcloud"
    bins = Bins(ctx)
    try:
        notes, problems = [], []
        cases = [
            ("deploy, nothing set", [], {}, ["PROJECT", "BUCKET"]),
            ("deploy, no BUCKET", [], {"PROJECT": "test-project-3"}, ["BUCKET"]),
            ("--serial, no PROJECT", ["--serial"], {}, ["PROJECT"]),
            ("--delete --dry-run, no PROJECT", ["--delete", "--dry-run"], {}, ["PROJECT"]),
            ("deploy, no gcloud", ["--tarball", bins.tarball],
             {"PROJECT": "test-project-3", "BUCKET": "test-bucket-3"}, ["gcloud not found"]),
            ("--serial, no gcloud", ["--serial"], {"PROJECT": "test-project-3"}, ["gcloud not found"]),
            ("malformed zone", ["--dry-run"],
             {"PROJECT": "test-project-3", "BUCKET": "b-3", "ZONE": "Mars 1"}, ["ZONE"]),
        ]
        for label, args, settings, words in cases:
            done = deploy(args, [bins.empty], settings)
            found = one_clear_line(done, words)
            problems += [f"{label}: {p}" for p in found]
            if not found:
                notes.append(f"{label}: {done.stderr.strip()}")
        return [Result(name, not problems, reason="; ".join(problems), notes=notes)]
    finally:
        bins.close()


def check_fake_run(ctx):
    """A real run (no --dry-run) against the stand-in: the commands it runs follow the dry-run plan."""
    name = "deploy-gce: a run against a stand-in gcloud"
    bins = Bins(ctx)
    try:
        settings = {"PROJECT": "test-project-4", "BUCKET": "test-bucket-4"}
        problems, notes = [], []
        dry = deploy(["--dry-run", "--wait", "0", "--tarball", bins.tarball], [bins.fake], settings,
                     {"FAKE_LOG": bins.log})
        lines = [line for line in dry.stdout.splitlines() if line.strip() and not line.startswith("#")]
        plan = [(shlex.split(line, comments=True), line) for line in lines]
        if any(argv[0] == "curl" for argv, _ in plan):
            problems.append("--wait 0 still plans a curl")
        for exists in ("0", "1"):
            bins.reset()
            done = deploy(["--wait", "0", "--tarball", bins.tarball], [bins.fake], settings,
                          {"FAKE_LOG": bins.log, "FAKE_EXISTS": exists})
            ran = [["gcloud"] + c for c in bins.calls()]
            # Existing things are deleted, missing ones are not; the firewall rule is created only
            # when missing (its create is the one "only if ... does not exist" step).
            want = [argv for argv, line in plan if "# only if" not in line
                    or (exists == "1") == ("does not exist" not in line)]
            label = "everything exists" if exists == "1" else "first run"
            if done.returncode != 0:
                problems.append(f"{label}: exit status {done.returncode}: {done.stderr.strip()}")
            if ran != want:
                problems.append(f"{label}: ran {[' '.join(c[:4]) for c in ran]}, expected "
                                f"{[' '.join(c[:4]) for c in want]}")
            last = done.stdout.strip().splitlines()[-1:] or [""]
            if last[0] != "http://127.0.0.1/":
                problems.append(f"{label}: last line {last[0]!r}, not the URL")
            notes.append(f"{label}: {len(ran)} gcloud commands, as planned" if ran == want else label)
        # A failing step stops the run with one message; nothing after it runs.
        bins.reset()
        done = deploy(["--wait", "0", "--tarball", bins.tarball], [bins.fake], settings,
                      {"FAKE_LOG": bins.log, "FAKE_FAIL": "compute images create"})
        after = [c for c in bins.calls() if c[:3] == ["compute", "instances", "create"]]
        found = one_clear_line(done, ["failed"])
        # gcloud's own message goes to stderr too: allow it plus our one line.
        found = [p for p in found if not p.startswith("stderr is not one line")]
        last_err = (done.stderr.strip().splitlines() or [""])[-1]
        if "Traceback" in done.stderr or not last_err.startswith("deploy-gce:"):
            found.append(f"stderr does not end with deploy-gce's message: "
                         f"{done.stderr.strip()[-200:]!r}")
        if after:
            found.append("the VM was created after the image failed")
        problems += [f"failing step: {p}" for p in found]
        if not found:
            notes.append(f"failing step: {done.stderr.strip().splitlines()[-1]}")
        problems += check_fake_wait(ctx, bins, settings, notes)
        return [Result(name, not problems, reason="; ".join(problems), notes=notes)]
    finally:
        bins.close()


def check_fake_wait(ctx, bins, settings, notes):
    """The wait for the page, for real: deploy-gce runs in a private namespace whose 127.0.0.1:80
    (the stand-in's "external address") is a Python HTTP server, then again with no server."""
    found = netns.Namespace.problems()
    if found or shutil.which("curl") is None:
        notes.append("the wait for the page was not tried: " + "; ".join(found or ["no curl"]))
        return []
    problems = []
    os.symlink(shutil.which("curl"), os.path.join(bins.fake, "curl"))
    env = {"FAKE_LOG": bins.log}
    with netns.Namespace(ctx.log_dir, label="deploy-wait") as ns:
        server = subprocess.Popen(ns.prefix() + [sys.executable, "-m", "http.server", "--bind",
                                                 "127.0.0.1", "--directory", bins.tmp.name, "80"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            done = deploy(["--wait", "30", "--tarball", bins.tarball], [bins.fake], settings, env, ns=ns)
        finally:
            server.terminate()
            server.wait(10)
        last = done.stdout.strip().splitlines()[-1:] or [""]
        answered = [line.strip() for line in done.stderr.splitlines() if "answered after" in line]
        if done.returncode != 0 or not answered or last[0] != "http://127.0.0.1/":
            problems.append(f"waiting for a page that answers: status {done.returncode}, "
                            f"{(done.stdout + done.stderr).strip()[-300:]!r}")
        else:
            notes.append(f"wait: {answered[0]}")
        done = deploy(["--wait", "6", "--tarball", bins.tarball], [bins.fake], settings, env, ns=ns)
        if done.returncode == 0 or "did not answer within 6 s" not in done.stderr \
                or "--serial" not in done.stderr:
            problems.append(f"waiting for a page that never answers: status {done.returncode}, "
                            f"{done.stderr.strip()[-300:]!r}")
        else:
            notes.append("no answer: " + done.stderr.strip().splitlines()[-1])
    return [f"wait: {p}" for p in problems]
