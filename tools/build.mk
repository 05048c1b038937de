# tools/build.mk: the initfs archives, GRUB configs and bootable ISOs, and the setup/run/test targets.
#
# Images (each a hybrid ISO: boots under SeaBIOS and UEFI, from a CD drive or as a raw disk):
#   $(BUILD)/warp.iso        normal boot: initfs with servers/init/boot.manifest   (`make`, `make run`)
#   $(BUILD)/warp-test.iso   in-OS tests: initfs with tests/inos/test.manifest; init powers off
#                            through isa-debug-exit with the verdict
#   $(BUILD)/warp-crash.iso  normal initfs, kernel command line `warp.crashtest`: the kernel faults on
#                            purpose after boot and prints its panic report
#   $(BUILD)/warp-crash-stack.iso  the same with `warp.crashtest.stack`: the kernel overflows its boot
#                            stack on purpose; the guard page below it must turn that into a panic
#   $(BUILD)/warp-net.iso    network test: initfs with tests/nettest/net-test.manifest (virtio_net,
#                            devtest, nettest); init powers off with nettest's verdict
#   $(BUILD)/warp-blk.iso    block test: initfs with tests/blktest/blk-test.manifest (virtio_blk,
#                            blktest); init powers off with blktest's verdict
#   $(BUILD)/warp-scsi.iso   the same block test with tests/blktest/scsi-test.manifest (virtio_scsi
#                            in virtio_blk's place, as service block0)
#   $(BUILD)/warp-nvme.iso   the same block test with tests/blktest/nvme-test.manifest (nvme in
#                            virtio_blk's place, as service block0)
#   $(BUILD)/warp-fs.iso     file system test: initfs with tests/fstest/fs-test.manifest (virtio_blk,
#                            fs, fstest); init powers off with fstest's verdict
#   $(BUILD)/warp-adversary.iso  the network stack and tests/adversary (hostile processes on command
#                            over TCP port 81), for tests/e2e/case_adversary.py
#   $(BUILD)/warp-linux.iso  the linux server and static Linux test programs (tests/linuxbin/build.mk),
#                            for tests/e2e/case_linux.py's comparison with the same binaries on the host
#   $(BUILD)/warp-linuxnet.iso  the network stack, fs and the linux server running a Linux TCP server
#                            (tests/linuxbin/netserv.c), for tests/e2e/case_linuxnet.py
#   $(BUILD)/warp-tcp.iso    the network stack and tests/tcptest (tests/tcptest/tcp-test.manifest):
#                            outbound TCP and name lookups, for tests/e2e/case_tcpip.py's namespace
#   $(BUILD)/warp-pgfs.iso   the network stack, fs with a persistent mount at /data and tests/pgfstest
#                            (tests/pgfstest/pgfs-test.manifest), for tests/e2e/case_pgfs.py
#   $(BUILD)/warp-pgweb.iso  the network stack, fs's /data and http_server's uploads into it
#                            (tests/pgfstest/pgweb.manifest), for tests/e2e/case_pgfs.py
#   $(BUILD)/warp-upload.iso     the normal system with uploads configured (boot.manifest plus
#                            tests/e2e/upload.manifest's [http upload]), for tests/e2e/case_upload.py
#   $(BUILD)/warp-operator.iso   the normal system (boot.manifest) plus tests/adversary as an admin
#                            operator on TCP port 82 (tests/adversary/operator.manifest), for
#                            tests/e2e/case_site.py's driver kill during a download
#
# Targets added here: setup, run, debug, test, test-long, e2e-test, images (all the ISOs above).
# GCE (docs/gce.md): gce-image builds $(BUILD)/warp-gce.tar.gz (disk.raw = warp.iso padded to a whole
# GiB, in an oldgnu tar.gz); deploy-gce builds it and runs tools/deploy-gce (PROJECT, BUCKET, ZONE;
# DRY_RUN=1 only prints the gcloud commands).
#
# Variables read here (defaults in the top Makefile unless noted):
#   ACCEL MEM SMP PORT FIRMWARE MACHINE CPU   passed to tools/run-qemu by `make run`
#   BOOT=cdrom|disk   `make run` attaches the ISO as a CD (default) or as a virtio-scsi raw disk, as GCE does
#   QEMU_EXTRA=...    extra arguments appended to the QEMU command line of `make run`
#   PCAP=file         `make run` and `make debug` record the NIC's frames into this pcap file
#   SITE=dir          `make run`: an ext4 image of dir (tools/mksite, $(BUILD)/site.img) attached read-only
#                     as a virtio-blk disk, which http_server serves; `make gce-image`: the same image as a
#                     partition of the GCE disk (tools/mkgce --site)
#   SITE_IF=nvme      `make run SITE=dir`: the site disk's controller (tools/qemu.py SITE_INTERFACES)
#   APP=file ARGS=..  `make run`: $(BUILD)/warp-app.iso (the system without http_server, the linux server
#                     and APP as linux/NAME, NAME its file name, started with ARGS) in place of warp.iso
#   SERVER=name       `make debug` also loads $(BUILD)/user/name.elf and breaks in its main
#   GDB_PORT=1234     `make debug`: port of QEMU's gdb stub on 127.0.0.1
#   KERNEL_CMDLINE=.. extra kernel command line for every image (default empty)
#   USER_PROGRAMS     user ELF files, appended by the programs' build.mk fragments (which the top
#                     Makefile includes before this file); each one a manifest starts becomes
#                     bin/<name> in that image's initfs (stripped of debug information)
#   INITFS_FILES      extra initfs files as SRC:DEST pairs (e.g. servers/http_server/www/a.css:www/a.css)

BOOT           ?= cdrom
APP            ?=
ARGS           ?=
QEMU_EXTRA     ?=
KERNEL_CMDLINE ?=
SERVER         ?=
GDB_PORT       ?= 1234
PCAP           ?=
SITE           ?=
SITE_IF        ?= virtio-blk
SITE_IMAGE     := $(BUILD)/site.img

.PHONY: setup run debug test test-long e2e-test images FORCE

IMAGES := $(BUILD)/warp.iso $(BUILD)/warp-test.iso $(BUILD)/warp-crash.iso $(BUILD)/warp-crash-stack.iso \
	$(BUILD)/warp-net.iso $(BUILD)/warp-blk.iso $(BUILD)/warp-scsi.iso $(BUILD)/warp-nvme.iso \
	$(BUILD)/warp-adversary.iso $(BUILD)/warp-fs.iso $(BUILD)/warp-operator.iso $(BUILD)/warp-linux.iso \
	$(BUILD)/warp-linuxnet.iso $(BUILD)/warp-tcp.iso $(BUILD)/warp-pgfs.iso $(BUILD)/warp-pgweb.iso \
	$(BUILD)/warp-upload.iso

# The fuzzing images (tests/fuzzos/build.mk): the short run is part of make test, the long one of
# make test-long and make fuzz-os.
IMAGES += $(BUILD)/warp-fuzzos.iso
LONG_IMAGES := $(BUILD)/warp-fuzzos-long.iso $(BUILD)/warp-linux-chaos.iso

images: $(IMAGES)

# $(call warp_initfs,NAME,MANIFEST): rule for $(BUILD)/initfs-NAME.tar. Its .inputs file lists what
# goes in and changes only when that list does, so removing a program also rebuilds the archive.
define warp_initfs
$(BUILD)/initfs-$(1).tar: $(2) $(USER_PROGRAMS) $(foreach f,$(INITFS_FILES),$(firstword $(subst :, ,$(f)))) \
		$(BUILD)/initfs-$(1).inputs tools/mkinitfs
	@echo "  INITFS  $$@"
	$(Q)tools/mkinitfs $$@ $(2) $(USER_PROGRAMS) $(addprefix --file ,$(INITFS_FILES))

$(BUILD)/initfs-$(1).inputs: FORCE
	@mkdir -p $$(@D)
	$(Q)printf '%s\n' $(2) $(USER_PROGRAMS) $(INITFS_FILES) > $$@.tmp
	$(Q)if cmp -s $$@.tmp $$@; then rm $$@.tmp; else mv $$@.tmp $$@; fi
endef

# $(call warp_iso,NAME,INITFS-NAME,CMDLINE): rules for $(BUILD)/NAME.iso and its grub.cfg.
# The grub.cfg is rewritten only when its text changes, so a new KERNEL_CMDLINE rebuilds the ISO and
# an unchanged one does not. GRUB runs the commands at top level (no menu): nothing to wait for, and a
# serial-only machine (GCE) sees GRUB's output too. `terminfo serial dumb` stops GRUB from clearing the
# screen with escape codes: the terminal of `make run` keeps the QEMU command, serial logs stay plain.
define warp_iso
$(BUILD)/$(1).iso: $(BUILD)/kernel.elf $(BUILD)/initfs-$(2).tar $(BUILD)/grub/$(1).cfg tools/mkiso
	@echo "  ISO     $$@"
	$(Q)tools/mkiso $$@ $(BUILD)/kernel.elf $(BUILD)/initfs-$(2).tar $(BUILD)/grub/$(1).cfg

$(BUILD)/grub/$(1).cfg: FORCE
	@mkdir -p $$(@D)
	$(Q)printf '%s\n' \
		'# grub.cfg of $(1).iso, generated by tools/build.mk' \
		'set timeout=0' \
		'serial --unit=0 --speed=115200' \
		'terminfo serial dumb' \
		'terminal_input serial console' \
		'terminal_output serial console' \
		'echo "grub: loading Warp"' \
		'multiboot2 $(strip /boot/kernel.elf $(3))' \
		'module2 /boot/initfs.tar initfs' \
		'boot' > $$@.tmp
	$(Q)if cmp -s $$@.tmp $$@; then rm $$@.tmp; else mv $$@.tmp $$@; fi
endef

$(eval $(call warp_initfs,boot,servers/init/boot.manifest))
$(eval $(call warp_initfs,test,tests/inos/test.manifest))
$(eval $(call warp_initfs,net,tests/nettest/net-test.manifest))
$(eval $(call warp_initfs,blk,tests/blktest/blk-test.manifest))
$(eval $(call warp_initfs,scsi,tests/blktest/scsi-test.manifest))
$(eval $(call warp_initfs,nvme,tests/blktest/nvme-test.manifest))
$(eval $(call warp_initfs,fs,tests/fstest/fs-test.manifest))
$(eval $(call warp_initfs,adversary,tests/adversary/adversary.manifest))
$(eval $(call warp_initfs,tcp,tests/tcptest/tcp-test.manifest))
$(eval $(call warp_initfs,pgfs,tests/pgfstest/pgfs-test.manifest))
$(eval $(call warp_initfs,pgweb,tests/pgfstest/pgweb.manifest))
$(BUILD)/operator.manifest: servers/init/boot.manifest tests/adversary/operator.manifest
	@mkdir -p $(@D)
	$(Q)cat $^ > $@
$(eval $(call warp_initfs,operator,$(BUILD)/operator.manifest))
$(BUILD)/upload.manifest: servers/init/boot.manifest tests/e2e/upload.manifest
	@mkdir -p $(@D)
	$(Q)cat $^ > $@
$(eval $(call warp_initfs,upload,$(BUILD)/upload.manifest))

$(eval $(call warp_iso,warp,boot,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-test,test,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-crash,boot,warp.crashtest $(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-crash-stack,boot,warp.crashtest.stack $(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-net,net,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-blk,blk,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-scsi,scsi,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-nvme,nvme,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-fs,fs,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-adversary,adversary,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-tcp,tcp,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-pgfs,pgfs,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-pgweb,pgweb,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-operator,operator,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-upload,upload,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-fuzzos,fuzzos,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-linux,linux,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-linuxnet,linuxnet,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-app,app,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-fuzzos-long,fuzzos-long,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-linux-chaos,linux-chaos,$(KERNEL_CMDLINE)))

FORCE:

# Cycles among the modules and headers of what ships (servers/, libs/), from the built objects.
# The phony targets below first run tools/setup, then build through a second make: that make parses
# the Makefile again, now with the compilers and grub-mkrescue installed.
setup:
	$(Q)BUILD=$(BUILD) tools/setup

run:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory all $(if $(APP),$(BUILD)/warp-app.iso)
	$(if $(SITE),$(Q)tools/mksite $(SITE) $(SITE_IMAGE))
	$(Q)tools/run-qemu --accel $(ACCEL) --mem $(MEM) --smp $(SMP) --port $(PORT) \
		--firmware $(FIRMWARE) --machine $(MACHINE) --cpu $(CPU) --boot $(BOOT) $(if $(PCAP),--pcap $(PCAP)) \
		$(if $(SITE),--site $(SITE_IMAGE) --site-if $(SITE_IF)) $(BUILD)/$(if $(APP),warp-app,warp).iso \
		$(if $(strip $(QEMU_EXTRA)),-- $(QEMU_EXTRA))

# `make run APP=file [ARGS="..."]`: an initfs with the normal system's drivers, tcpip and fs
# (boot.manifest without its demo services and http_server), the linux server and APP, and a section
# naming APP, which may listen on port 80 (the port `make run` forwards) and starts in / (fs's root:
# /disk0 is SITE's image, /tmp a tmpfs). The manifest is rewritten only when its text changes, so a
# new ARGS rebuilds the image.
APP_NAME := $(notdir $(APP))
APP_DROP := hello|ping|pong|http_server
$(BUILD)/app/app.manifest: servers/init/boot.manifest FORCE
	@mkdir -p $(@D)
	$(Q){ echo '# app.manifest: generated by tools/build.mk for make run APP=...'; \
		awk '/^\[/ { drop = $$0 ~ /^\[service ($(APP_DROP))\]/ } !drop' $<; \
		printf '%s\n' '[service linux]' 'binary = bin/linux' 'initfs = yes' 'restart = never' \
			'uses = fs tcpip' 'ports = 80' 'pages = 32768' 'handles = 1200' 'channels = 1200' 'messages = 1024' \
			'[linux $(APP_NAME)]' 'linux = linux/$(APP_NAME)' 'ports = 80' \
			$(if $(strip $(ARGS)),'args = $(strip $(ARGS))'); } > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/initfs-app.tar: $(BUILD)/app/app.manifest $(USER_PROGRAMS) $(APP) tools/mkinitfs
	$(if $(APP),,$(error make run with an app needs APP=path/to/static-binary))
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ $(BUILD)/app/app.manifest $(USER_PROGRAMS) --file $(APP):linux/$(APP_NAME)

# `make debug [SERVER=name] [GDB_PORT=1234]`: warp.iso paused under QEMU's gdb stub, gdb attached with
# the kernel's symbols (and the server's, with a breakpoint on its main): tools/debug, docs/debugging.md.
debug:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory all $(if $(SERVER),$(USER_BUILD)/$(SERVER).elf)
	$(Q)BUILD=$(BUILD) tools/debug --accel $(ACCEL) --mem $(MEM) --smp $(SMP) --port $(PORT) \
		--firmware $(FIRMWARE) --machine $(MACHINE) --cpu $(CPU) --boot $(BOOT) \
		--gdb-port $(GDB_PORT) $(if $(SERVER),--server $(SERVER)) $(if $(PCAP),--pcap $(PCAP)) \
		$(BUILD)/warp.iso

test:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(IMAGES) $(GCE_IMAGE)
	$(Q)BUILD=$(BUILD) tests/run

# make test plus the long levels (tests/run --long): fuzzing for FUZZ_SECONDS per harness, the soaks.
test-long:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(IMAGES) $(LONG_IMAGES) $(GCE_IMAGE)
	$(Q)BUILD=$(BUILD) tests/run --long

# Only the boot-based layers (in-OS and end-to-end), without the host unit tests.
e2e-test:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(IMAGES) $(GCE_IMAGE)
	$(Q)BUILD=$(BUILD) tests/run in-os e2e

# The GCE image: warp.iso as disk.raw, padded to a whole GiB, in a GNU (oldgnu) tar.gz (tools/mkgce).
# `make deploy-gce PROJECT=p BUCKET=b [ZONE=z] [DRY_RUN=1]` uploads it and starts a VM (tools/deploy-gce;
# PROJECT, BUCKET and ZONE reach it through the environment).
.PHONY: gce-image deploy-gce
GCE_IMAGE := $(BUILD)/warp-gce.tar.gz

$(GCE_IMAGE): $(BUILD)/warp.iso tools/mkgce $(if $(SITE),FORCE)
	@echo "  GCE     $@$(if $(SITE), (site: $(SITE)))"
	$(if $(SITE),$(Q)tools/mksite $(SITE) $(SITE_IMAGE))
	$(Q)tools/mkgce $(if $(SITE),--site $(SITE_IMAGE)) $@ $(BUILD)/warp.iso

gce-image:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(GCE_IMAGE)

deploy-gce: gce-image
	$(Q)tools/deploy-gce --tarball $(GCE_IMAGE) $(if $(filter-out 0,$(DRY_RUN)),--dry-run)
