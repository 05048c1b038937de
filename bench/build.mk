# bench/build.mk: the benchmark image and `make bench` (included by the top Makefile after tools/build.mk).
#
#   $(BUILD)/warp-bench.iso   initfs with bench/bench.manifest: init starts bin/ipcbench (servers/ipcbench),
#                             which prints `bench: ...` lines and powers the machine off
#   make bench                runs tools/setup, builds warp-bench.iso and the Linux guest
#                             (tools/linux-guest), then bench/run: both guests under the same QEMU
#                             flags, a table with the Linux/Warp ratios, docs/benchmarks.md updated
#
# Variables: BENCH_ARGS=...  extra arguments for bench/run (e.g. --no-docs, --mode icount; bench/run -h)
# bench/profile (by hand) attributes one round trip's instructions to kernel and user functions.

BENCH_ARGS ?=

.PHONY: bench

$(eval $(call warp_initfs,bench,bench/bench.manifest))
$(eval $(call warp_iso,warp-bench,bench,$(KERNEL_CMDLINE)))

# As for `make test`: setup first, then a second make that parses the Makefile with the tools installed.
bench:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(BUILD)/warp-bench.iso
	$(Q)BUILD=$(BUILD) tools/linux-guest
	$(Q)BUILD=$(BUILD) bench/run $(BENCH_ARGS)
