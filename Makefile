# Makefile: builds Warp. Each component declares its sources in its own build.mk, discovered below.
#
# Targets
#   make            build build/warp.iso (kernel + initfs, GRUB hybrid BIOS/UEFI image)
#   make run        boot build/warp.iso in QEMU, COM1 on stdio (PCAP=file records the network)
#   make debug      boot build/warp.iso paused under QEMU's gdb stub and attach gdb with the kernel's
#                   symbols (SERVER=name: that program's too); docs/debugging.md
#   make test       every test layer (lint, host unit, fuzz, in-OS, end-to-end); ends with
#                   "N passed, M failed, K skipped" (run as root, as CI does, a skip counts as failed)
#   make test-long  what make test runs, plus the long levels: each fuzz harness for FUZZ_SECONDS,
#                   a 5-minute wrk soak of http_server, ten rounds of 150 connections through tcpip
#   make unit-test  host unit tests only (ASan + UBSan)
#   make e2e-test   the boot-based layers only (in-OS tests and end-to-end)
#   make images     the boot images: warp.iso, warp-test.iso (in-OS tests), warp-crash.iso and
#                   warp-crash-stack.iso (panic reports), warp-net.iso (driver tests), and the
#                   others tools/build.mk lists (warp-linux.iso, warp-linuxnet.iso, ...)
#   make fuzz       every libFuzzer harness (tests/fuzz/fuzz_*.c) for FUZZ_SECONDS each
#   make fuzz-test  every harness for FUZZ_TEST_SECONDS each (the fuzz layer of make test)
#   make fuzz-os    the in-OS system-call fuzzer (tests/fuzzos) for FUZZ_OS_CALLS calls in one boot,
#                   then the Linux system-call fuzzer (tests/linuxbin/chaos.c) under the linux server
#   make http-host  http_server on Linux sockets (a stand-in for tcpip), for debugging
#   make bench      IPC and network benchmarks against a Linux guest under the same QEMU; updates
#                   docs/benchmarks.md
#   make lighttpd   lighttpd 1.4.69 from Debian's source package as a static musl binary,
#                   build/lighttpd/lighttpd (ports/lighttpd/build.mk; lighttpd-test runs it on the
#                   host, lighttpd-image makes build/warp-lighttpd.iso)
#   make clean      remove build/
# make test's lint layer runs every tools/check-*: check-includes, check-modules (no cycles), and
# check-format (the C style of .clang-format).
#
# User-facing variables
#   ACCEL=tcg|kvm   QEMU accelerator for `make run` (default tcg; kvm only on a host with real KVM)
#   MEM=128M        guest memory for `make run`
#   SMP=1           guest CPUs for `make run` (only the boot CPU runs Warp for now)
#   PORT=30080      host port on 127.0.0.1 forwarded to guest port 80
#   FIRMWARE=bios|uefi   SeaBIOS (default) or OVMF for `make run`
#   MACHINE=pc|q35  QEMU machine type for `make run`
#   CPU=qemu64      QEMU CPU model for `make run` (try max)
#   BOOT=cdrom|disk `make run` attaches the ISO as a CD (default) or a virtio-scsi disk, as GCE does
#   QEMU_EXTRA=...  extra QEMU arguments for `make run`
#   PCAP=file       `make run` and `make debug` write every frame of the guest's NIC to this pcap file
#                   (open it with `tcpdump -nr file` or Wireshark)
#   APP=file        `make run` boots build/warp-app.iso instead: init, the linux server and this static
#                   x86-64 Linux binary, which it runs (docs/linux-compat.md)
#   ARGS="a b"      `make run APP=...`: the program's arguments (blank-separated words, no quotes)
#   SERVER=name     `make debug` also loads build/user/name.elf and breaks in that program's main
#   GDB_PORT=1234   port of QEMU's gdb stub on 127.0.0.1 for `make debug`
#   FUZZ_SECONDS=600      how long `make fuzz` and `make test-long` run each fuzz harness
#   FUZZ_TEST_SECONDS=20  how long `make test` runs each fuzz harness
#   FUZZ_JOBS=1     libFuzzer workers per harness (-fork) for the fuzz targets
#   FUZZ_OS_CALLS=1000000     fuzzed system calls of `make fuzz-os` and `make test-long`
#   FUZZ_OS_TEST_CALLS=20000  fuzzed system calls in `make test`
#   FUZZ_OS_SEED=0  the fuzz-os seed (0: a fresh one each boot, printed first; set it to repeat a run)
#   LINUX_CHAOS_CALLS=1000000 LINUX_CHAOS_PROCS=4 LINUX_CHAOS_SEED=0   the Linux fuzzer's long run:
#                   processes at once, random Linux calls each, first seed (0: fresh ones, printed)
#   KERNEL_CMDLINE= extra kernel command line for every image
#   PROJECT= BUCKET= ZONE= MACHINE_TYPE= DRY_RUN=1   for `make deploy-gce` (docs/gce.md)
#   RELEASE=1       build without debug information (`make debug` then has symbols but no source lines)
#   V=1             echo every build command
# Environment for the tests: WARP_E2E_TIMEOUT_SCALE (multiplies every timeout on slow machines),
# WARP_BOOT_BUDGET_MS (boot-time check, default 30000).

ACCEL    ?= tcg
MEM      ?= 128M
SMP      ?= 1
PORT     ?= 30080
FIRMWARE ?= bios
MACHINE  ?= pc
CPU      ?= qemu64
RELEASE  ?=
V        ?=

SHELL := /bin/bash
BUILD := build
CC    := gcc
LD    := ld
Q     := $(if $(V),,@)

OPT_FLAGS := $(if $(RELEASE),-O2,-O2 -g)

# Flags for everything that runs inside Warp (kernel and user space).
TARGET_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fno-pie -fno-pic -mno-red-zone -fno-omit-frame-pointer -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Ilibs/common/include $(OPT_FLAGS) -MMD -MP

.DEFAULT_GOAL := all
.PHONY: all run test unit-test clean setup
all: $(BUILD)/warp.iso

include libs/common/build.mk
include libs/user/build.mk
include libs/virtio/build.mk
include libs/crypto/build.mk
include libs/pg/build.mk
include libs/pgstore/build.mk
include kernel/build.mk
# Programs (servers/: what warp.iso ships; tests/ and bench/: test and benchmark programs) and the
# host-side test builds, each directory with its own build.mk.
include $(sort $(wildcard servers/*/build.mk tests/*/build.mk bench/*/build.mk))
include tools/build.mk
# Third-party programs built from Debian source packages for Warp (ports/: not by a plain make; make
# images and make test build the images that hold them); after tools/build.mk, whose image macros they use.
include $(sort $(wildcard ports/*/build.mk))
-include bench/build.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
