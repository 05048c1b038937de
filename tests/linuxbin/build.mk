# tests/linuxbin/build.mk: static x86-64 Linux test programs (musl-gcc, from Debian's musl-tools) and
# warp-linux.iso, where the linux server runs them (tests/e2e/case_linux.py compares each with the
# same binary run on the host).
#
# Each tests/linuxbin/<name>.c becomes $(BUILD)/linuxbin/<name> (static ET_EXEC); hello is also
# built as a static PIE (hello-pie: ET_DYN, musl's rcrt1.o relocates it). Three hostile files go in
# beside them: truncated (hello cut at 1000 bytes), garbage (not an ELF file) and dynamic (hello
# linked dynamically against the host's glibc).
LINUXBIN_DIR := $(BUILD)/linuxbin
LINUXBIN_CC := musl-gcc
LINUXBIN_CFLAGS := -O2 -Wall -Wextra -Werror
LINUXBIN_MUSL := /usr/lib/x86_64-linux-musl
LINUXBIN_NAMES := $(patsubst tests/linuxbin/%.c,%,$(sort $(wildcard tests/linuxbin/*.c)))
LINUXBINS := $(addprefix $(LINUXBIN_DIR)/,$(LINUXBIN_NAMES) hello-pie truncated garbage dynamic)

$(LINUXBIN_DIR)/%: tests/linuxbin/%.c $(wildcard tests/linuxbin/*.h)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)$(LINUXBIN_CC) -static $(LINUXBIN_CFLAGS) -o $@ $<

# Debian's musl-gcc has no working -static-pie: link rcrt1.o and libc.a by hand, without an interpreter.
$(LINUXBIN_DIR)/hello-pie: tests/linuxbin/hello.c
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)$(LINUXBIN_CC) -fPIE $(LINUXBIN_CFLAGS) -c -o $@.o $<
	$(Q)gcc -nostdlib -static-pie -Wl,--no-dynamic-linker -o $@ $(LINUXBIN_MUSL)/rcrt1.o \
		$(LINUXBIN_MUSL)/crti.o $@.o $(LINUXBIN_MUSL)/libc.a $(LINUXBIN_MUSL)/crtn.o

# A dynamically linked binary (the host's gcc and glibc): refused, as there is no dynamic loader.
$(LINUXBIN_DIR)/dynamic: tests/linuxbin/hello.c
	@mkdir -p $(@D)
	$(Q)gcc -O2 -o $@ $<

$(LINUXBIN_DIR)/truncated: $(LINUXBIN_DIR)/hello
	$(Q)head -c 1000 $< > $@

$(LINUXBIN_DIR)/garbage: tests/linuxbin/build.mk
	@mkdir -p $(@D)
	$(Q)printf '\177ELF this is no executable, only a header-sized lie\n%.0s' 1 2 3 4 > $@

$(BUILD)/initfs-linux.tar: tests/linuxbin/linux.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(LINUXBINS) tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ tests/linuxbin/linux.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf \
		$(foreach b,$(LINUXBINS),--file $(b):linux/$(notdir $(b)))

.PHONY: linuxbins
linuxbins: $(LINUXBINS)

# The Linux system-call fuzzer's long run (`make fuzz-os`, `make test-long`): warp-linux-chaos.iso
# runs LINUX_CHAOS_PROCS chaos processes at once, each making LINUX_CHAOS_CALLS random calls from its
# own seed (LINUX_CHAOS_SEED + its index from 0; 0: fresh ones, printed), then hello
# (tests/e2e/case_linux.py's long job). The manifest is generated, and rewritten only when it changes.
LINUX_CHAOS_CALLS ?= 1000000
LINUX_CHAOS_PROCS ?= 4
LINUX_CHAOS_SEED  ?= 0

# Its services (fs, linux) are linux.manifest's: what comes before that file's first [linux] section.
$(BUILD)/linuxbin/chaos.manifest: tests/linuxbin/linux.manifest FORCE
	@mkdir -p $(@D)
	$(Q){ sed '/^\[linux /,$$d' $<; \
		for i in $$(seq 1 $(LINUX_CHAOS_PROCS)); do \
			seed=$$(( $(LINUX_CHAOS_SEED) ? $(LINUX_CHAOS_SEED) + i - 1 : 0 )); \
			printf '\n[linux chaos%s]\nlinux = linux/chaos\nargs = %s %s\npages = 2048\n' $$i $(LINUX_CHAOS_CALLS) $$seed; \
		done; \
		printf '\n[linux last]\nlinux = linux/hello\n'; } > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/initfs-linux-chaos.tar: $(BUILD)/linuxbin/chaos.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(LINUXBIN_DIR)/chaos $(LINUXBIN_DIR)/hello tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ $(BUILD)/linuxbin/chaos.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf \
		--file $(LINUXBIN_DIR)/chaos:linux/chaos --file $(LINUXBIN_DIR)/hello:linux/hello

# warp-linuxnet.iso (tests/e2e/case_linuxnet.py): virtio_net, tcpip, fs and the linux server running
# netserv, a Linux program that serves TCP connections the host makes through forwarded ports, and
# netdial, one that connects out to the host.
$(BUILD)/initfs-linuxnet.tar: tests/linuxbin/linuxnet.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(USER_BUILD)/virtio_net.elf $(USER_BUILD)/tcpip.elf $(LINUXBIN_DIR)/netserv \
		$(LINUXBIN_DIR)/netdial tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ tests/linuxbin/linuxnet.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(USER_BUILD)/virtio_net.elf $(USER_BUILD)/tcpip.elf \
		--file $(LINUXBIN_DIR)/netserv:linux/netserv --file $(LINUXBIN_DIR)/netdial:linux/netdial
