# bench/build.mk: the benchmark image and `make bench` (included by the top Makefile after tools/build.mk).
#
#   $(BUILD)/warp-bench.iso   initfs with bench/bench.manifest: init starts bin/ipcbench (bench/ipcbench),
#                             which prints `bench: ...` lines and powers the machine off
#   make bench                runs tools/setup, builds warp-bench.iso, warp.iso and the Linux guest
#                             (tools/linux-guest), then bench/run (IPC: both guests under the same QEMU
#                             flags, a table with the Linux/Warp ratios) and bench/net (network: boot to
#                             the first HTTP 200, keep-alive req/s and the RAM floor of warp.iso against
#                             Linux + busybox httpd / nginx); each rewrites its section of
#                             docs/benchmarks.md. Both always run; make fails if either does. bench/net
#                             skips Warp (and does not fail) while warp.iso does not serve HTTP yet.
#
# Variables: BENCH_ARGS=...  extra arguments for bench/run (e.g. --no-docs, --mode icount; bench/run -h)
#            BENCH_NET_ARGS=...  extra arguments for bench/net (e.g. --no-docs, --rounds 1, --no-ram;
#                            bench/net -h)
#            BENCH_ONLY=ipc|net  run only one of the two
# bench/profile (by hand) attributes one round trip's instructions to kernel and user functions.

BENCH_ARGS ?=
BENCH_NET_ARGS ?=
BENCH_ONLY ?=

.PHONY: bench

$(eval $(call warp_initfs,bench,bench/bench.manifest))
$(eval $(call warp_iso,warp-bench,bench,$(KERNEL_CMDLINE)))

# As for `make test`: setup first, then a second make that parses the Makefile with the tools installed.
bench:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory $(BUILD)/warp-bench.iso $(BUILD)/warp.iso
	$(Q)BUILD=$(BUILD) tools/linux-guest
	$(Q)status=0; \
	if [[ "$(BENCH_ONLY)" != net ]]; then BUILD=$(BUILD) bench/run $(BENCH_ARGS) || status=1; fi; \
	if [[ "$(BENCH_ONLY)" != ipc ]]; then BUILD=$(BUILD) bench/net $(BENCH_NET_ARGS) || status=1; fi; \
	exit $$status
