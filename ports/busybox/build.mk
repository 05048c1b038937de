# ports/busybox/build.mk: Debian's busybox-static (a static glibc binary) for the linux server's fork
# and exec test (tests/e2e/case_busybox.py).
#
#   make busybox         fetch it (tools/fetch-busybox: the pinned .deb, unpacked): $(BUILD)/busybox/busybox
#   make busybox-image   $(BUILD)/warp-busybox.iso: the block drivers, fs and the linux server, which
#                        starts `busybox sh script.sh` from the disk (/disk0/bin/busybox, cwd /disk0)
#
# `make images` and `make test` build both (a plain `make` does not). The binary is not in the
# initfs: the test's disk holds it (bin/busybox and applet symlinks), so that execve reads from fs.
BUSYBOX_BIN := $(BUILD)/busybox/busybox

$(BUSYBOX_BIN): tools/fetch-busybox
	$(Q)BUILD=$(BUILD) tools/fetch-busybox
	$(Q)touch $@

# The binary is not in the image, but the image is only there for the test, which needs it: make
# test and make images, which build IMAGES, fetch it through this order-only prerequisite.
$(BUILD)/initfs-busybox.tar: ports/busybox/busybox.manifest $(USER_PROGRAMS) tools/mkinitfs | $(BUSYBOX_BIN)
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ ports/busybox/busybox.manifest $(USER_PROGRAMS)

$(eval $(call warp_iso,warp-busybox,busybox,$(KERNEL_CMDLINE)))

.PHONY: busybox busybox-image
busybox: $(BUSYBOX_BIN)
busybox-image: $(BUILD)/warp-busybox.iso $(BUSYBOX_BIN)

IMAGES += $(BUILD)/warp-busybox.iso
images: $(BUILD)/warp-busybox.iso
