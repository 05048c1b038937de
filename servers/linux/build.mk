# servers/linux/build.mk: the linux server (bin/linux), which runs static x86-64 Linux binaries as
# supervised processes (docs/linux-compat.md).
$(eval $(call user_program,linux))

# The vDSO the server maps into every Linux process (servers/linux/vdso, docs/linux-compat.md): vdso.c
# built position-independent and linked by vdso.lds into one read-execute segment, then checked to
# need no relocation (the server copies it as it is) before lxvdso_image.S takes its bytes in.
LXVDSO_DIR := $(BUILD)/linux-vdso
LXVDSO := $(LXVDSO_DIR)/vdso.so
LXVDSO_CFLAGS := $(filter-out -fno-pie -fno-pic,$(TARGET_CFLAGS)) -fPIC

$(LXVDSO_DIR)/vdso.o: servers/linux/vdso/vdso.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(LXVDSO_CFLAGS) -c $< -o $@

$(LXVDSO): $(LXVDSO_DIR)/vdso.o servers/linux/vdso/vdso.lds servers/linux/vdso/vdso.ver
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(LD) -shared -nostdlib --hash-style=both --build-id=none -z max-page-size=4096 \
		-soname=linux-vdso.so.1 --version-script=servers/linux/vdso/vdso.ver \
		-T servers/linux/vdso/vdso.lds -o $@.tmp $<
	$(Q)readelf -r $@.tmp | grep -q 'There are no relocations' || \
		{ echo "$@: the vDSO must not need relocations" >&2; exit 1; }
	$(Q)mv $@.tmp $@

$(USER_BUILD)/servers/linux/lxvdso_image.o: $(LXVDSO)
$(USER_BUILD)/servers/linux/lxvdso_image.o: USER_CFLAGS += -DLXVDSO_IMAGE='"$(LXVDSO)"'
