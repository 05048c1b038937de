# tests/fuzzos/build.mk: the in-OS system-call fuzzer (bin/fuzzos) and its boot images.
$(eval $(call user_program,fuzzos,$(call user_dir_sources,tests/fuzzos/) tests/inos/elfgen.c))

# `make fuzz-os` runs FUZZ_OS_CALLS fuzzed calls (warp-fuzzos-long.iso); `make test` runs
# FUZZ_OS_TEST_CALLS (warp-fuzzos.iso). FUZZ_OS_SEED (default: a fresh one each boot, printed) makes
# a run repeat one seed. Each image's etc/fuzzos.conf holds its settings (tests/fuzzos/main.c).
FUZZ_OS_CALLS      ?= 1000000
FUZZ_OS_TEST_CALLS ?= 20000
FUZZ_OS_SEED       ?= 0

# $(call fuzzos_initfs,NAME,CALLS): $(BUILD)/initfs-NAME.tar with the fuzzer and its settings.
define fuzzos_initfs
$(BUILD)/fuzzos/$(1).conf: FORCE
	@mkdir -p $$(@D)
	$(Q)printf 'calls=%s\nseed=%s\nchunk=5000\n' $(2) $(FUZZ_OS_SEED) > $$@.tmp
	$(Q)if cmp -s $$@.tmp $$@; then rm $$@.tmp; else mv $$@.tmp $$@; fi

$(BUILD)/initfs-$(1).tar: tests/fuzzos/fuzzos.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/fuzzos.elf \
		$(BUILD)/fuzzos/$(1).conf tools/mkinitfs
	@echo "  INITFS  $$@"
	$(Q)tools/mkinitfs $$@ tests/fuzzos/fuzzos.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/fuzzos.elf \
		--file $(BUILD)/fuzzos/$(1).conf:etc/fuzzos.conf
endef

$(eval $(call fuzzos_initfs,fuzzos,$(FUZZ_OS_TEST_CALLS)))
$(eval $(call fuzzos_initfs,fuzzos-long,$(FUZZ_OS_CALLS)))

# The long runs alone: FUZZ_OS_CALLS fuzzed Warp calls in one boot (tests/e2e/case_fuzzos.py, long
# level), then the Linux system-call fuzzer (LINUX_CHAOS_PROCS x LINUX_CHAOS_CALLS, tests/linuxbin).
.PHONY: fuzz-os
fuzz-os:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(BUILD)/warp-fuzzos-long.iso $(BUILD)/warp-linux-chaos.iso
	$(Q)BUILD=$(BUILD) WARP_FUZZOS=long tests/e2e/run --long --label fuzz-os fuzzos
	$(Q)BUILD=$(BUILD) tests/e2e/run --long --label fuzz-os-linux --match "system-call fuzzer" linux
