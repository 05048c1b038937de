# kernel/build.mk: the microkernel, linked twice so that its backtraces can name functions.

ARCH ?= x64

KERNEL_SRCS := $(wildcard kernel/*.c kernel/mm/*.c kernel/arch/$(ARCH)/*.c kernel/arch/$(ARCH)/*.S) \
	$(COMMON_SRCS)
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_SRCS))
KERNEL_CFLAGS := $(TARGET_CFLAGS) -mcmodel=kernel -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
	-Ikernel -Ikernel/arch/$(ARCH)
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T kernel/arch/$(ARCH)/kernel.ld

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# Pass 1 links with an empty symbol table; pass 2 embeds the table made from pass 1. The table sits
# after text and rodata, so function addresses cannot move between the passes (checked below).
$(BUILD)/kernel/ksyms-empty.S: tools/ksyms
	@mkdir -p $(@D)
	$(Q)tools/ksyms < /dev/null > $@

$(BUILD)/kernel/kernel.pass1.elf: $(KERNEL_OBJS) $(BUILD)/kernel/ksyms-empty.S.o kernel/arch/$(ARCH)/kernel.ld
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/kernel/ksyms-empty.S.o

$(BUILD)/kernel/ksyms.S: $(BUILD)/kernel/kernel.pass1.elf tools/ksyms
	$(Q)nm -n $< | tools/ksyms > $@

$(BUILD)/kernel/%.S.o: $(BUILD)/kernel/%.S
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(BUILD)/kernel/kernel.pass1.elf $(BUILD)/kernel/ksyms.S.o
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(BUILD)/kernel/ksyms.S.o
	$(Q)cmp -s <(nm -n $< | grep ' [Tt] ') <(nm -n $@.tmp | grep ' [Tt] ') || \
		{ echo "kernel: function addresses moved between link passes" >&2; exit 1; }
	$(Q)mv $@.tmp $@

.PHONY: kernel
kernel: $(BUILD)/kernel.elf
