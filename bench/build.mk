# bench/build.mk: the benchmark image and `make bench` (included by the top Makefile after tools/build.mk).
#
#   $(BUILD)/warp-bench.iso   initfs with bench/bench.manifest: init starts bin/ipcbench (bench/ipcbench),
#                             which prints `bench: ...` lines and powers the machine off
#   $(BUILD)/warp-lxbench.iso init, the linux server and bench/lxbench's static musl programs
#                             (bench/lxbench/build.mk): the null Linux system call, the same binary
#                             as in the Linux guest
#   $(BUILD)/warp-files.iso   warp.iso's services with the fs server's cache set to BENCH_FS_CACHE_MIB
#                             (bench/manifest-set writes $(BUILD)/files.manifest: servers/init/
#                             boot.manifest with `arg = N` in [service fs] and its pages quota
#                             raised by BENCH_FS_EXTRA_PAGES)
#   make bench                runs tools/setup, builds warp-bench.iso, warp-lxbench.iso, warp.iso,
#                             warp-files.iso and the Linux guest (tools/linux-guest), then bench/run (IPC: both guests under
#                             the same QEMU flags, a table with the Linux/Warp ratios), bench/net
#                             (network: boot to the first HTTP 200, keep-alive req/s and the RAM floor
#                             of warp.iso against Linux + busybox httpd / nginx) and bench/files (files
#                             from an ext4 disk: req/s of a 4 KiB and a 1 MiB file, MB/s of a 256 MiB
#                             one, warp-files.iso against Linux + nginx); each rewrites its section of
#                             docs/benchmarks.md. Then bench/apps (unmodified Linux programs:
#                             lighttpd keep-alive req/s of warp-lighttpd.iso against the same binary
#                             in the Linux guest and against warp-files.iso's http_server, one site
#                             image; Go net/http req/s of warp-go.iso against the same binary in the
#                             Linux guest). Then bench/persist (uploads kept in PostgreSQL by the
#                             persistent mount of warp-pgweb.iso: PUT and GET rates, cold and warm).
#                             All five always run; make fails if any does.
#                             bench/net and bench/files skip Warp (and do not fail) while its image does
#                             not serve HTTP (or, for bench/files, the disk) yet.
#
# Variables: BENCH_ARGS=...  extra arguments for bench/run (e.g. --no-docs, --mode icount; bench/run -h)
#            BENCH_NET_ARGS=...  extra arguments for bench/net (e.g. --no-docs, --rounds 1, --no-ram;
#                            bench/net -h)
#            BENCH_FILES_ARGS=...  extra arguments for bench/files (e.g. --no-docs, --rounds 1;
#                            bench/files -h)
#            BENCH_APPS_ARGS=...  extra arguments for bench/apps (e.g. --no-docs, --rounds 1;
#                            bench/apps -h)
#            BENCH_ONLY=ipc|net|files|apps|persist  run only one of the five
#            BENCH_FS_CACHE_MIB=64  the fs server's cache of warp-files.iso, MiB (bench/files assumes 64
#                            unless told with --fs-cache-mib)
# bench/profile (by hand) attributes one round trip's instructions to kernel and user functions.

BENCH_ARGS ?=
BENCH_NET_ARGS ?=
BENCH_FILES_ARGS ?=
BENCH_APPS_ARGS ?=
BENCH_ONLY ?=
BENCH_FS_CACHE_MIB ?= 64
# boot.manifest's fs quota covers its own cache (its `arg`, else fs's default of 16 MiB). Each further
# MiB takes 263 pages (a 4 KiB page plus malloc's header and the page's record: 4,192 bytes), and the
# heap may map one more 16 MiB arena (4096 pages) than it fills.
BENCH_FS_BOOT_MIB = $(or $(shell awk '/^\[service /{s = ($$2 == "fs]")} s && $$1 == "arg" {print $$3}' \
	servers/init/boot.manifest),16)
BENCH_FS_EXTRA_PAGES = $(shell echo $$(( ($(BENCH_FS_CACHE_MIB) > $(BENCH_FS_BOOT_MIB) ? \
	($(BENCH_FS_CACHE_MIB) - $(BENCH_FS_BOOT_MIB)) * 263 : 0) + 4096 )))

.PHONY: bench

$(eval $(call warp_initfs,bench,bench/bench.manifest))
$(eval $(call warp_iso,warp-bench,bench,$(KERNEL_CMDLINE)))
$(eval $(call warp_iso,warp-lxbench,lxbench,$(KERNEL_CMDLINE)))

# Rewritten only when its text changes (a new BENCH_FS_CACHE_MIB or boot.manifest rebuilds the ISO).
$(BUILD)/files.manifest: servers/init/boot.manifest bench/manifest-set FORCE
	$(Q)bench/manifest-set $< $@.new fs arg=$(BENCH_FS_CACHE_MIB) pages+=$(BENCH_FS_EXTRA_PAGES)
	$(Q)if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(eval $(call warp_initfs,files,$(BUILD)/files.manifest))
$(eval $(call warp_iso,warp-files,files,$(KERNEL_CMDLINE)))

# As for `make test`: setup first, then a second make that parses the Makefile with the tools installed.
bench:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(BUILD)/warp-bench.iso $(BUILD)/warp-lxbench.iso $(BUILD)/warp.iso \
		$(BUILD)/warp-files.iso $(BUILD)/warp-lighttpd.iso $(BUILD)/warp-go.iso $(BUILD)/warp-pgweb.iso
	$(Q)BUILD=$(BUILD) tools/linux-guest
	$(Q)status=0; \
	if [[ -z "$(BENCH_ONLY)" || "$(BENCH_ONLY)" == ipc ]]; then \
		BUILD=$(BUILD) bench/run $(BENCH_ARGS) || status=1; fi; \
	if [[ -z "$(BENCH_ONLY)" || "$(BENCH_ONLY)" == net ]]; then \
		BUILD=$(BUILD) bench/net $(BENCH_NET_ARGS) || status=1; fi; \
	if [[ -z "$(BENCH_ONLY)" || "$(BENCH_ONLY)" == files ]]; then \
		BUILD=$(BUILD) bench/files $(BENCH_FILES_ARGS) || status=1; fi; \
	if [[ -z "$(BENCH_ONLY)" || "$(BENCH_ONLY)" == apps ]]; then \
		BUILD=$(BUILD) bench/apps $(BENCH_APPS_ARGS) || status=1; fi; \
	if [[ -z "$(BENCH_ONLY)" || "$(BENCH_ONLY)" == persist ]]; then \
		BUILD=$(BUILD) bench/persist || status=1; fi; \
	exit $$status
