# libs/user/build.mk: the user-space runtime (libuser.a) and user_program, which every program's build.mk calls.
#
# A user program is a static ELF64 executable linked at 0x400000 by libs/user/user.ld, W^X: text R-X,
# rodata R, data+bss RW, each its own page-aligned PT_LOAD segment. Objects live under $(BUILD)/user/,
# apart from the kernel's copy of libs/common under $(BUILD)/kernel/.

USER_BUILD   := $(BUILD)/user
USER_CFLAGS  := $(TARGET_CFLAGS) -Ilibs/user/include -Ilibs/proto/include
USER_LDFLAGS := -static -nostdlib -z max-page-size=4096 -z noexecstack --build-id=none \
	-T libs/user/user.ld

# The runtime: libs/user plus the shared libs/common code, as an archive so each program pulls in only
# what it uses. crt0 is linked explicitly: nothing refers to _start.
USER_CRT0     := $(USER_BUILD)/libs/user/crt0.o
USER_LIB_SRCS := $(filter-out libs/user/crt0.S,$(wildcard libs/user/*.c libs/user/*.S)) $(COMMON_SRCS)
USER_LIB      := $(USER_BUILD)/libuser.a

# Every program's ELF; the programs' build.mk files append to it through user_program.
USER_PROGRAMS :=

# Object file under $(USER_BUILD) for each source file.
user_objs = $(patsubst %,$(USER_BUILD)/%.o,$(basename $(1)))
# The C and assembly sources in directory $(1) (ending in /).
user_dir_sources = $(sort $(wildcard $(1)*.c $(1)*.S))

$(USER_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AS      $@")
	$(Q)$(CC) $(USER_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(USER_LIB): $(call user_objs,$(USER_LIB_SRCS))
	$(if $(Q),@echo "  AR      $@")
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# $(eval $(call user_program,NAME[,SOURCES[,LIBS]])): build $(BUILD)/user/NAME.elf and add it to
# USER_PROGRAMS (and to the `user-programs` target). SOURCES defaults to every *.c and *.S in the
# directory of the build.mk that calls it (the last makefile read so far), so a program is a directory
# with a build.mk. LIBS: archives of libs/ it links before libuser.a (e.g. $(PGSTORE_LIB) $(PG_LIB)).
define user_program
USER_PROGRAMS += $(USER_BUILD)/$(1).elf
USER_$(1)_OBJS := $(call user_objs,$(or $(2),$(call user_dir_sources,$(dir $(lastword $(MAKEFILE_LIST))))))

$(USER_BUILD)/$(1).elf: $$(USER_$(1)_OBJS) $(USER_CRT0) $(3) $(USER_LIB) libs/user/user.ld
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(LD) $$(USER_LDFLAGS) -o $$@ $(USER_CRT0) $$(USER_$(1)_OBJS) $(3) $(USER_LIB)

user-programs: $(USER_BUILD)/$(1).elf
endef

.PHONY: user-programs
user-programs:
