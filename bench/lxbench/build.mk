# bench/lxbench/build.mk: Linux-personality benchmarks: static musl programs that run unchanged on Warp's
# linux server and in the Linux guest (bench/run compares the two).
#
#   $(BUILD)/lxbench/<name>        each bench/lxbench/<name>.c, built once with musl-gcc -static; the
#                                  Linux guest gets this same file (tools/linux-guest builds it
#                                  through this rule and copies it into the initramfs)
#   $(BUILD)/initfs-lxbench.tar    init, the linux server and the programs as linux/<name>, with
#                                  bench/lxbench/lxbench.manifest (warp-lxbench.iso: bench/build.mk)
LXBENCH_DIR := $(BUILD)/lxbench
LXBENCH_NAMES := $(patsubst bench/lxbench/%.c,%,$(sort $(wildcard bench/lxbench/*.c)))
LXBENCH_BINS := $(addprefix $(LXBENCH_DIR)/,$(LXBENCH_NAMES))

$(LXBENCH_DIR)/%: bench/lxbench/%.c bench/linux/benchlib.h
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/initfs-lxbench.tar: bench/lxbench/lxbench.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(LXBENCH_BINS) tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ bench/lxbench/lxbench.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(foreach b,$(LXBENCH_BINS),--file $(b):linux/$(notdir $(b)))

.PHONY: lxbench-bins
lxbench-bins: $(LXBENCH_BINS)
