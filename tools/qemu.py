"""tools/qemu.py: builds the QEMU command line that boots a Warp image (shared by run-qemu and tests).

Everything that decides how Warp meets QEMU lives here, so `make run`, the end-to-end tests and the
benchmarks boot the same virtual machine. Standard library only.
"""

import os
import shutil
import socket

QEMU = "qemu-system-x86_64"
OVMF_CANDIDATES = ("/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd")
FIRMWARES = ("bios", "uefi")
MACHINES = ("pc", "q35")
ACCELS = ("tcg", "kvm")
BOOTS = ("cdrom", "disk")
# How a site disk (`site`) is attached: the controller and, for virtio, the transport.
SITE_INTERFACES = ("virtio-blk", "virtio-blk-legacy", "virtio-scsi", "virtio-scsi-legacy", "nvme")
# OVMF needs room for itself and its page tables; below this it hangs or resets without a word.
UEFI_MIN_MEM_MIB = 128
# isa-debug-exit: a byte V written to this port ends QEMU with exit status (V << 1) | 1.
DEBUG_EXIT_PORT = 0xF4


def ovmf_path():
    """Returns the OVMF firmware file, or None when the ovmf package is missing."""
    for path in OVMF_CANDIDATES:
        if os.path.exists(path):
            return path
    return None


def mem_mib(mem):
    """Parses a QEMU memory size (`128M`, `1G`, `512`) into MiB."""
    text = str(mem).strip().upper().removesuffix("B")
    scale = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    if text and text[-1] in scale:
        return int(float(text[:-1]) * scale[text[-1]])
    return int(text)


def free_port():
    """Returns a TCP port on 127.0.0.1 that is free right now (for host forwarding in tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(image, *, firmware="bios", machine="pc", cpu="qemu64", mem="128M", smp=1,
            accel="tcg", boot="cdrom", port=30080, net=True, pcap=None, serial="mon:stdio",
            monitor=None, debug_exit=True, forward=(), site=None, site_if="virtio-blk", extra=()):
    """Returns the QEMU argv that boots `image`.

    firmware  "bios" (SeaBIOS, QEMU's default) or "uefi" (OVMF)
    boot      "cdrom": the ISO in the machine's CD drive; "disk": the same file as a raw disk on
              virtio-scsi, which is how a GCE VM sees its boot disk
    net       attach a virtio-net NIC on QEMU user networking, forwarding 127.0.0.1:port to guest
              port 80; False gives a machine with no NIC at all
    forward   more (host port, guest port) pairs to forward from 127.0.0.1 (with net)
    pcap      with net: a file that receives every frame of the NIC, both ways, as a pcap
              (QEMU's filter-dump; tcpdump -r FILE, Wireshark)
    serial    QEMU -serial backend for COM1 ("mon:stdio" = stdio with the monitor on Ctrl-A C)
    monitor   QEMU -monitor backend, or None for QEMU's default
    site      a raw disk image (tools/mksite's ext4) attached read-only, which the fs server mounts
              at /disk0 and http_server serves
    site_if   its controller, one of SITE_INTERFACES: virtio-blk (modern, the default), virtio-scsi
              or their legacy-only transports, or nvme
    """
    if firmware not in FIRMWARES:
        raise ValueError(f"firmware must be one of {FIRMWARES}, not {firmware!r}")
    if machine not in MACHINES:
        raise ValueError(f"machine must be one of {MACHINES}, not {machine!r}")
    if accel not in ACCELS:
        raise ValueError(f"accel must be one of {ACCELS}, not {accel!r}")
    if boot not in BOOTS:
        raise ValueError(f"boot must be one of {BOOTS}, not {boot!r}")

    argv = [QEMU, "-machine", machine, "-cpu", cpu, "-m", str(mem), "-smp", str(smp),
            "-accel", accel]
    if firmware == "uefi":
        ovmf = ovmf_path()
        if ovmf is None:
            raise FileNotFoundError("OVMF firmware not found (install the ovmf package: tools/setup)")
        argv += ["-bios", ovmf]

    if boot == "cdrom":
        argv += ["-drive", f"file={image},media=cdrom,readonly=on,if=none,id=cd0",
                 "-device", "ide-cd,drive=cd0,bootindex=0"]
    else:
        argv += ["-device", "virtio-scsi-pci,id=scsi0",
                 "-drive", f"file={image},format=raw,if=none,id=disk0,snapshot=on",
                 "-device", "scsi-hd,drive=disk0,bus=scsi0.0,bootindex=0"]

    if site:
        argv += site_args(site, site_if)

    if debug_exit:
        argv += ["-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"]
    argv += ["-display", "none", "-vga", "none", "-serial", serial]
    if monitor is not None:
        argv += ["-monitor", monitor]

    if net:
        more = "".join(f",hostfwd=tcp:127.0.0.1:{host}-:{guest}" for host, guest in forward)
        argv += ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:80{more}",
                 "-device", "virtio-net-pci,netdev=n0"]
        if pcap:
            argv += ["-object", f"filter-dump,id=pcap0,netdev=n0,file={pcap}"]
    elif pcap:
        raise ValueError("a packet capture needs the network card (net=True)")
    else:
        argv += ["-nic", "none"]

    argv += ["-no-reboot"]
    argv += list(extra)
    return argv


def site_args(site, site_if):
    """The QEMU arguments that attach disk image `site` read-only through controller `site_if`."""
    if site_if not in SITE_INTERFACES:
        raise ValueError(f"site_if must be one of {SITE_INTERFACES}, not {site_if!r}")
    argv = ["-drive", f"file={site},format=raw,if=none,id=site,readonly=on"]
    transport = ",disable-legacy=on,disable-modern=off" if not site_if.endswith("-legacy") else \
        ",disable-legacy=off,disable-modern=on"
    if site_if.startswith("virtio-blk"):
        return argv + ["-device", f"virtio-blk-pci,drive=site{transport}"]
    if site_if.startswith("virtio-scsi"):
        return argv + ["-device", f"virtio-scsi-pci,id=sitescsi{transport}",
                       "-device", "scsi-hd,drive=site,bus=sitescsi.0"]
    return argv + ["-device", "nvme,serial=warp-site,drive=site"]


def problems(image, *, firmware="bios", mem="128M", accel="tcg", site=None, **_):
    """Returns a list of reasons why `command(image, ...)` cannot boot on this host (empty = fine)."""
    found = []
    if shutil.which(QEMU) is None:
        found.append(f"{QEMU} not found (install qemu-system-x86: tools/setup)")
    if not os.path.exists(image):
        found.append(f"image {image} does not exist (build it with make)")
    if site and not os.path.exists(site):
        found.append(f"site image {site} does not exist (tools/mksite DIR IMG makes one)")
    if firmware == "uefi":
        if ovmf_path() is None:
            found.append("OVMF firmware not found (install ovmf: tools/setup)")
        if mem_mib(mem) < UEFI_MIN_MEM_MIB:
            found.append(f"UEFI firmware needs at least {UEFI_MIN_MEM_MIB}M of guest memory, not {mem}")
    if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        found.append("ACCEL=kvm but /dev/kvm is not usable here")
    return found


def shell_quote(argv):
    """Returns argv as one line a user can paste into a shell."""
    import shlex
    return " ".join(shlex.quote(a) for a in argv)
