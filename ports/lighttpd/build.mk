# ports/lighttpd/build.mk: lighttpd 1.4.69 as one static x86-64 Linux binary (musl), for the linux server.
#
#   make lighttpd        fetch (tools/fetch-lighttpd), configure and build $(BUILD)/lighttpd/lighttpd
#   make lighttpd-test   that, then ports/lighttpd/test-host: the binary serves a small site on
#                        127.0.0.1 on the host, and curl's bytes are compared with the files
#   make lighttpd-image  $(BUILD)/warp-lighttpd.iso (virtio_net, tcpip, the block drivers, fs, the
#                        linux server and lighttpd: ports/lighttpd/lighttpd.manifest) and its site
#                        disk $(BUILD)/lighttpd/site.img (lighttpd.conf and www/, at /disk0)
#   make lighttpd-run    boots them as `make run SITE=...` does (same variables); make test boots the
#                        ISO with a site of its own (tests/e2e/case_lighttpd.py)
#
# `make images` and `make test` build warp-lighttpd.iso (a plain `make` does not): the source comes
# from Debian's source package (checksum-verified, under $(BUILD)/lighttpd/src, never committed). The build is upstream's
# autotools one, from the tarball's generated configure (no autoconf needed), with LIGHTTPD_STATIC=yes:
# the modules of ports/lighttpd/plugin-static.h are linked in, no dlopen. Everything that would need a
# library musl does not have is off (pcre2, zlib and the other compressors, TLS, lua, ...).
# ports/lighttpd/include holds the one header musl lacks (<sys/queue.h>, for ls-hpack).
# The configure step reruns only when this file or the fetched tree changes; `make` in the
# configured tree is incremental.
LIGHTTPD_ROOT  := $(BUILD)/lighttpd
LIGHTTPD_SRC   := $(LIGHTTPD_ROOT)/src
LIGHTTPD_OBJ   := $(LIGHTTPD_ROOT)/obj
LIGHTTPD_STAMP := $(LIGHTTPD_ROOT)/.fetched
LIGHTTPD_BIN   := $(LIGHTTPD_ROOT)/lighttpd
LIGHTTPD_PORT  := $(CURDIR)/ports/lighttpd

# Without: each needs a library that is not part of musl (or a feature Warp lacks, like FAM).
LIGHTTPD_CONFIGURE_FLAGS := --disable-shared --enable-static --disable-ipv6 \
	--without-pcre2 --without-pcre --without-zlib --without-zstd --without-bzip2 --without-brotli \
	--without-libdeflate --without-openssl --without-wolfssl --without-mbedtls --without-gnutls \
	--without-nss --without-nettle --without-xxhash --without-lua --without-maxminddb --without-fam \
	--without-libev --without-attr --without-libunwind --without-mysql --without-pgsql --without-dbi \
	--without-sasl --without-ldap --without-pam --without-krb5 --without-libxml --without-sqlite \
	--without-uuid --without-valgrind

$(LIGHTTPD_STAMP): tools/fetch-lighttpd
	$(Q)BUILD=$(BUILD) tools/fetch-lighttpd

# The configure command, written to a file rewritten only when its text changes: configure (slow)
# reruns when the command or the fetched tree does, not for every edit of this file.
# PKG_CONFIG=false: pkg-config would hand musl-gcc the host's glibc-built libraries. The macro prefix
# map makes log lines name src/server.c rather than this machine's build path. -static at
# configure time makes its link tests static too; the link of lighttpd itself gets libtool's
# -all-static (libtool drops a plain -static for programs).
LIGHTTPD_CONFIGURE := LIGHTTPD_STATIC=yes $(abspath $(LIGHTTPD_SRC))/configure CC=musl-gcc \
	CFLAGS="-O2 -fmacro-prefix-map=$(abspath $(LIGHTTPD_SRC))/=" \
	CPPFLAGS="-I$(LIGHTTPD_PORT) -I$(LIGHTTPD_PORT)/include" LDFLAGS=-static PKG_CONFIG=false \
	$(LIGHTTPD_CONFIGURE_FLAGS)

$(LIGHTTPD_ROOT)/configure.cmd: FORCE
	@mkdir -p $(@D)
	$(Q)printf '%s\n' '$(subst ','\'',$(LIGHTTPD_CONFIGURE))' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(LIGHTTPD_OBJ)/config.status: $(LIGHTTPD_STAMP) $(LIGHTTPD_ROOT)/configure.cmd
	@rm -rf $(@D) && mkdir -p $(@D)
	@echo "  CONFIG  lighttpd (log: $(@D)/configure.log)"
	$(Q)cd $(@D) && $(LIGHTTPD_CONFIGURE) > configure.log 2>&1 || { tail -n 30 configure.log; exit 1; }

$(LIGHTTPD_BIN): $(LIGHTTPD_OBJ)/config.status ports/lighttpd/plugin-static.h \
		ports/lighttpd/include/sys/queue.h
	@echo "  MAKE    lighttpd (log: $(LIGHTTPD_OBJ)/make.log)"
	$(Q)$(MAKE) --no-print-directory -C $(LIGHTTPD_OBJ)/src versionstamp lighttpd LDFLAGS=-all-static \
		> $(LIGHTTPD_OBJ)/make.log 2>&1 || { tail -n 30 $(LIGHTTPD_OBJ)/make.log; exit 1; }
	$(Q)strip -o $@ $(LIGHTTPD_OBJ)/src/lighttpd
	$(Q)if readelf -lW $@ | grep -q INTERP; then echo "$@: not static (has PT_INTERP)" >&2; exit 1; fi

.PHONY: lighttpd lighttpd-test lighttpd-image lighttpd-run
# A plain `make lighttpd` compiles lighttpd's 74 files in parallel; `make -jN` keeps its own N.
LIGHTTPD_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))

# As `make run` does: tools/setup first (musl-tools, xz-utils, curl), then the build in a second make.
lighttpd:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(LIGHTTPD_JOBS) $(LIGHTTPD_BIN)

lighttpd-test: lighttpd
	$(Q)ports/lighttpd/test-host $(LIGHTTPD_BIN)

# The image: the programs lighttpd.manifest starts (mkinitfs picks them from USER_PROGRAMS) and
# lighttpd as linux/lighttpd. Its site disk holds the configuration and the pages, since a Linux
# program sees fs's tree only.
LIGHTTPD_SITE     := $(LIGHTTPD_ROOT)/site
LIGHTTPD_SITE_IMG := $(LIGHTTPD_ROOT)/site.img

$(BUILD)/initfs-lighttpd.tar: ports/lighttpd/lighttpd.manifest $(USER_PROGRAMS) $(LIGHTTPD_BIN) tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ ports/lighttpd/lighttpd.manifest $(USER_PROGRAMS) --file $(LIGHTTPD_BIN):linux/lighttpd

$(eval $(call warp_iso,warp-lighttpd,lighttpd,$(KERNEL_CMDLINE)))

$(LIGHTTPD_SITE_IMG): ports/lighttpd/lighttpd.conf $(wildcard ports/lighttpd/www/*) tools/mksite
	@echo "  SITE    $@"
	$(Q)rm -rf $(LIGHTTPD_SITE) && mkdir -p $(LIGHTTPD_SITE)/www
	$(Q)install -m 0644 ports/lighttpd/lighttpd.conf $(LIGHTTPD_SITE)/lighttpd.conf
	$(Q)install -m 0644 $(wildcard ports/lighttpd/www/*) $(LIGHTTPD_SITE)/www/
	$(Q)tools/mksite $(LIGHTTPD_SITE) $@

# make test boots warp-lighttpd.iso (tests/e2e/case_lighttpd.py, with a site of its own): the image
# is one of the images make test and make images build.
IMAGES += $(BUILD)/warp-lighttpd.iso
images: $(BUILD)/warp-lighttpd.iso

lighttpd-image: lighttpd
	$(Q)$(MAKE) --no-print-directory $(BUILD)/warp-lighttpd.iso $(LIGHTTPD_SITE_IMG)

lighttpd-run: lighttpd-image
	$(Q)tools/run-qemu --accel $(ACCEL) --mem $(MEM) --smp $(SMP) --port $(PORT) \
		--firmware $(FIRMWARE) --machine $(MACHINE) --cpu $(CPU) --boot $(BOOT) $(if $(PCAP),--pcap $(PCAP)) \
		--site $(LIGHTTPD_SITE_IMG) --site-if $(SITE_IF) $(BUILD)/warp-lighttpd.iso \
		$(if $(strip $(QEMU_EXTRA)),-- $(QEMU_EXTRA))
