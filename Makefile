# Makefile: builds Warp. Each component declares its sources in its own build.mk, discovered below.
#
# Targets
#   make            build build/warp.iso (kernel + initfs, GRUB hybrid BIOS/UEFI image)
#   make run        boot build/warp.iso in QEMU, COM1 on stdio
#   make test       every test layer (host unit, in-OS, end-to-end); ends with "N passed, M failed"
#   make unit-test  host unit tests only (ASan + UBSan)
#   make e2e-test   the boot-based layers only (in-OS tests and end-to-end)
#   make images     the boot images: warp.iso, warp-test.iso (in-OS tests), warp-crash.iso (panic report),
#                   warp-net.iso (driver tests)
#   make fuzz       the HTTP parser under libFuzzer for FUZZ_SECONDS (60) with FUZZ_JOBS workers
#   make http-host  http_server on Linux sockets (a stand-in for tcpip), for debugging
#   make bench      IPC and network benchmarks against a Linux guest under the same QEMU; updates
#                   docs/benchmarks.md
#   make clean      remove build/
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
#   KERNEL_CMDLINE= extra kernel command line for every image
#   PROJECT= BUCKET= ZONE= MACHINE_TYPE= DRY_RUN=1   for `make deploy-gce` (docs/gce.md)
#   RELEASE=1       build without debug information
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
include kernel/build.mk
# Programs (servers/: what warp.iso ships; tests/ and bench/: test and benchmark programs) and the
# host-side test builds, each directory with its own build.mk.
include $(sort $(wildcard servers/*/build.mk tests/*/build.mk bench/*/build.mk))
include tools/build.mk
-include bench/build.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
