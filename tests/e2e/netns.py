"""tests/e2e/netns.py: a GCE-like network for one QEMU, inside a private network namespace.

GCE's DHCP server hands a VM a /32 address whose gateway lies outside it, with MTU 1460. GceNetwork
rebuilds that in a namespace `warp-gce-<pid>[-<n>]` that nothing else sees:

    namespace warp-gce-<pid>
      tap0  198.18.0.1/16, MTU 1460   QEMU's NIC is the other end; dnsmasq serves DHCP here: GUEST
                                      198.18.0.2, netmask 255.255.255.255, router 198.18.0.1, MTU 1460
                                      (and, given names=, DNS for them on 198.18.0.1:53)
      lo    198.18.0.3/32             CLIENT: a host that is neither the gateway nor the guest, standing
                                      in for the rest of the world; tests connect from it

tap0 answers ARP only for its own address (arp_ignore=1) and asks with the gateway's (arp_announce=2).
So a guest that honours the /32 sends everything through the gateway and reaches CLIENT, as on GCE,
while one that took the lease as a wider subnet (198.18.0.0/16 or /24 would hold CLIENT) ARPs for
CLIENT directly and never hears back.

Every address is in 198.18.0.0/15 (RFC 2544's benchmarking range) and exists only in the namespace; the
host's own interfaces and routes are never touched.

Use:
    with GceNetwork(log_dir) as net:                   # namespace, tap0, dnsmasq; removed on exit
        with NetnsBoot(ctx, name, image, net) as boot:  # a harness.Boot whose QEMU runs in net
            net.wait_lease(timeout)                     # dnsmasq acknowledged GUEST
            net.run(["ping", "-c", "1", GUEST])         # any command inside the namespace
    with GceNetwork(log_dir, names={"echo.test.warp": CLIENT}) as net:  # DNS on, those names only
        ...
    with GceNetwork(log_dir) as net:
        offer = net.probe_offer()                      # before QEMU attaches: what dnsmasq offers
    NetnsBoot(..., pcap=PATH)                          # also record every frame (QEMU filter-dump)
    with Namespace(log_dir) as ns:                     # just a namespace with lo up (a private
        ns.run([...])                                  # 127.0.0.1, e.g. for a server on port 80)

Needs root (CAP_NET_ADMIN), iproute2, dnsmasq (dnsmasq-base) and /dev/net/tun: GceNetwork.problems()
says what is missing. Standard library only.
"""

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import harness
import qemu

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dhcpprobe.py")

GATEWAY = "198.18.0.1"
GUEST = "198.18.0.2"
CLIENT = "198.18.0.3"
MTU = 1460
TAP = "tap0"
GUEST_MAC = "52:54:00:67:63:65"  # fixed, so the dnsmasq log and packet captures can name the guest
PREFIX = "warp-gce-"
_counter = itertools.count()
_counter_lock = threading.Lock()


def _run(argv, timeout=20, check=True):
    """Runs a setup command; raises RuntimeError with its output when it fails."""
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stdout.strip()}")
    return done


def _delete(name):
    """Deletes namespace `name` after killing what still runs in it (a leftover dnsmasq or QEMU
    of a test that was itself killed): every process there was started by this module's users."""
    for pid in _run(["ip", "netns", "pids", name], check=False).stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass
    _run(["ip", "netns", "del", name], check=False)


def remove_stale():
    """Deletes namespaces named warp-gce-<pid>... whose process is gone (a run that was SIGKILLed)."""
    if shutil.which("ip") is None:
        return
    listing = _run(["ip", "netns", "list"], check=False).stdout
    for name, pid in re.findall(rf"^({re.escape(PREFIX)}(\d+)(?:-\d+)?)\b", listing, re.M):
        if not os.path.exists(f"/proc/{pid}"):
            _delete(name)


class Namespace:
    """A private network namespace warp-gce-<pid>[-<n>] with lo up; deleted on exit. A context manager.

    Subclasses add to start() and stop(). Everything created inside goes away with the namespace.
    """

    def __init__(self, log_dir, label="ns"):
        with _counter_lock:
            n = next(_counter)
        self.name = f"{PREFIX}{os.getpid()}" + (f"-{n}" if n else "")
        # Logs go to a fixed place, like the harness's serial logs: each run overwrites the last.
        self.dir = os.path.join(log_dir, label + (f"-{n}" if n else ""))
        self.created = False

    @staticmethod
    def problems():
        """Reasons this host cannot make a namespace (empty list = it can)."""
        found = []
        if os.geteuid() != 0:
            found.append("not root (network namespaces and tap devices need CAP_NET_ADMIN)")
        if shutil.which("ip") is None:
            found.append("ip not found (install iproute2: tools/setup)")
        return found

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def prefix(self):
        """The argv prefix that runs a command inside the namespace."""
        return ["ip", "netns", "exec", self.name]

    def start(self):
        """Creates the namespace (first removing those of dead test runs) and brings lo up."""
        remove_stale()
        os.makedirs(self.dir, exist_ok=True)
        _run(["ip", "netns", "add", self.name])
        self.created = True
        _run(["ip", "-n", self.name, "link", "set", "lo", "up"])

    def stop(self):
        """Deletes the namespace. Safe to call twice."""
        if self.created:
            _delete(self.name)
            self.created = False

    def run(self, argv, timeout=30, env=None):
        """Runs a command inside the namespace; returns the CompletedProcess (text output)."""
        return subprocess.run(self.prefix() + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, text=True, env=env)


class GceNetwork(Namespace):
    """A namespace with tap0 and a dnsmasq that leases GUEST as GCE would. A context manager."""

    def __init__(self, log_dir, label="net", names=None):
        super().__init__(log_dir, label)
        self.log_path = os.path.join(self.dir, "dnsmasq.log")
        self.dnsmasq = None
        self.names = names  # {name: address} dnsmasq answers, with DNS on; None: DNS off

    def dns_args(self):
        """dnsmasq's DNS arguments: off, or the names in self.names on GATEWAY:53, announced in the
        lease (option 6), and NXDOMAIN for any other name in their domains (--local: never forwarded)."""
        if self.names is None:
            return ["--port=0"]
        domains = sorted({name.split(".", 1)[1] for name in self.names if "." in name})
        return [f"--dhcp-option=option:dns-server,{GATEWAY}", "--log-queries"] + \
            [f"--local=/{d}/" for d in domains] + \
            [f"--address=/{name}/{addr}" for name, addr in sorted(self.names.items())]

    @staticmethod
    def problems():
        """Reasons this host cannot build the network (empty list = it can)."""
        found = Namespace.problems()
        if shutil.which("dnsmasq") is None:
            found.append("dnsmasq not found (install dnsmasq-base: tools/setup)")
        if not os.path.exists("/dev/net/tun"):
            found.append("/dev/net/tun is missing")
        return found

    def start(self):
        """Creates the namespace, tap0, the CLIENT address and starts dnsmasq."""
        super().start()
        ns = ["ip", "-n", self.name]
        _run(ns + ["addr", "add", f"{CLIENT}/32", "dev", "lo"])
        _run(ns + ["tuntap", "add", "dev", TAP, "mode", "tap"])
        _run(ns + ["link", "set", TAP, "mtu", str(MTU), "up"])
        _run(ns + ["addr", "add", f"{GATEWAY}/16", "dev", TAP])
        # ARP on tap0 as on GCE, where only the gateway answers and asks: reply only for the gateway's
        # own address (arp_ignore=1), and ask with it as the sender (arp_announce=2), not with CLIENT.
        conf = f"/proc/sys/net/ipv4/conf/{TAP}"
        _run(self.prefix() + ["sh", "-c", f"echo 1 > {conf}/arp_ignore && echo 2 > {conf}/arp_announce"])
        leases = os.path.join(self.dir, "leases")
        argv = self.prefix() + [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            *self.dns_args(), f"--interface={TAP}", "--bind-interfaces", "--user=root", "--group=root",
            f"--dhcp-range={GUEST},{GUEST},255.255.0.0,1h",
            "--dhcp-option=option:netmask,255.255.255.255",
            f"--dhcp-option=option:router,{GATEWAY}",
            f"--dhcp-option=option:mtu,{MTU}",
            "--dhcp-authoritative", "--no-ping", "--log-dhcp", f"--log-facility={self.log_path}",
            f"--dhcp-leasefile={leases}",
            f"--pid-file={os.path.join(self.dir, 'dnsmasq.pid')}"]
        for fresh in (self.log_path, leases):  # no lease or log line left from an earlier run
            open(fresh, "w").close()
        self.dnsmasq = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while "started, version" not in self.log():
            if self.dnsmasq.poll() is not None or time.monotonic() > deadline:
                err = self.dnsmasq.stderr.read().decode(errors="replace").strip() \
                    if self.dnsmasq.poll() is not None else "no start line within 10 s"
                raise RuntimeError(f"dnsmasq did not start: {err}")
            time.sleep(0.05)

    def stop(self):
        """Ends dnsmasq and deletes the namespace (and with it tap0). Safe to call twice."""
        if self.dnsmasq is not None and self.dnsmasq.poll() is None:
            self.dnsmasq.terminate()
            try:
                self.dnsmasq.wait(5)
            except subprocess.TimeoutExpired:
                self.dnsmasq.kill()
                self.dnsmasq.wait()
        self.dnsmasq = None
        super().stop()

    def log(self):
        """dnsmasq's log so far."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_lease(self, timeout):
        """Waits until dnsmasq has acknowledged GUEST; returns the DHCPACK line, or None."""
        ack = re.compile(rf"DHCPACK\({TAP}\) {re.escape(GUEST)} \S+")
        deadline = time.monotonic() + timeout
        while True:
            match = ack.search(self.log())
            if match:
                return match.group(0)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.2)

    def probe_offer(self, timeout=5):
        """Sends a DHCPDISCOVER on tap0 (before QEMU owns it); returns the OFFER as a dict.

        Keys: yiaddr, netmask, router, mtu, lease (None for an option not offered). Raises
        RuntimeError when no offer comes.
        """
        done = self.run([sys.executable, "-B", PROBE, TAP, GUEST_MAC, str(timeout)],
                        timeout=timeout + 10)
        if done.returncode != 0:
            raise RuntimeError(f"no DHCP offer: {(done.stderr or done.stdout).strip()}")
        return json.loads(done.stdout)

    def qemu_nic(self, pcap=None):
        """QEMU arguments for a virtio-net NIC on tap0 (optionally recording every frame to pcap)."""
        # vnet_hdr=off: no virtio-net header before each frame, so a capture holds plain Ethernet
        # frames (with it, filter-dump writes the 12-byte header in front of every frame).
        argv = ["-netdev", f"tap,id=n0,ifname={TAP},script=no,downscript=no,vnet_hdr=off",
                "-device", f"virtio-net-pci,netdev=n0,mac={GUEST_MAC}"]
        if pcap:
            argv += ["-object", f"filter-dump,id=f0,netdev=n0,file={pcap}"]
        return argv


# harness.Boot builds QEMU's argv with qemu.command(); NetnsBoot needs `ip netns exec NS` in front of
# it. The wrapper below adds the prefix its thread asked for, so concurrent boots are unaffected.
_local = threading.local()
_plain_command = qemu.command


def _command_with_prefix(*args, **kwargs):
    return list(getattr(_local, "prefix", [])) + _plain_command(*args, **kwargs)


qemu.command = _command_with_prefix


class NetnsBoot(harness.Boot):
    """A harness.Boot whose QEMU runs inside `net` with its NIC on the namespace's tap0."""

    def __init__(self, ctx, name, image, net, pcap=None, **options):
        options["net"] = False  # no user-mode NIC: ours comes in through extra
        options["extra"] = list(options.get("extra", ())) + net.qemu_nic(pcap)
        super().__init__(ctx, name, image, **options)
        self.net = net

    def start(self):
        _local.prefix = self.net.prefix()
        try:
            super().start()
        finally:
            _local.prefix = []

