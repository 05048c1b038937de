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
