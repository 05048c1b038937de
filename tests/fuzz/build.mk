# tests/fuzz/build.mk: libFuzzer harnesses (clang, ASan + UBSan), one per tests/fuzz/fuzz_<name>.c.
#
#   make fuzz          installs what is missing (tools/setup: clang, libclang-rt-14-dev), then runs every
#                      harness for FUZZ_SECONDS each with FUZZ_JOBS workers (tests/fuzz/run)
#   make fuzz-run      the same without tools/setup (`make test-long` runs it)
#   make fuzz-test     every harness for FUZZ_TEST_SECONDS each: the fuzz layer of `make test`
#   make fuzz-harnesses   only build them, as $(BUILD)/fuzz/fuzz_<name>
#   FUZZ_SECONDS=600   how long `make fuzz` runs each harness
#   FUZZ_TEST_SECONDS=20   how long `make test` runs each harness
#   FUZZ_JOBS=1        parallel libFuzzer workers (-fork) per harness; at most the number of cores
#
# A harness is found by its name: every tests/fuzz/fuzz_<name>.c is built and run, nothing lists them.
# It links libs/common (but string.c: libc has those) and the extra sources it declares below as
# fuzz_<name>_SRCS, like the unit tests' test_<name>_SRCS. Beside it, by name too (tests/fuzz/run):
#   tests/fuzz/<name>_seeds.py OUTDIR   writes its seed corpus (or a directory tests/fuzz/<name>_seeds/)
#   tests/fuzz/<name>.dict              its libFuzzer dictionary (optional)
# What the fuzzer finds accumulates in $(BUILD)/fuzz/corpus/<name> across runs. A crash leaves the
# input as $(BUILD)/fuzz/<name>-crash-<sha1>; replay it with `$(BUILD)/fuzz/fuzz_<name> FILE`.

FUZZ_SECONDS      ?= 600
FUZZ_TEST_SECONDS ?= 20
FUZZ_JOBS         ?= 1
FUZZ_CC     := clang
FUZZ_BUILD  := $(BUILD)/fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Ilibs/common/include -Ilibs/crypto/include -Ilibs/pg/include -Ilibs/pgstore/include \
	-Ilibs/proto/include -iquote .

# Extra sources per harness (fuzz_<name>_SRCS := ...).
fuzz_http_SRCS     := servers/http_server/http.c servers/http_server/cond.c servers/http_server/date.c \
	servers/http_server/upload.c
fuzz_manifest_SRCS := servers/init/manifest.c servers/init/manifest_access.c servers/init/manifest_limits.c
fuzz_ext4_SRCS     := servers/fs/ext4.c servers/fs/part.c
fuzz_lxelf_SRCS    := servers/linux/lxelf.c servers/linux/lxstack.c
fuzz_pg_SRCS       := $(PG_SRCS) $(CRYPTO_SRCS)
fuzz_pgstore_SRCS  := $(PGSTORE_SRCS) $(PG_SRCS) $(CRYPTO_SRCS)

FUZZ_HARNESSES := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_COMMON    := $(filter-out libs/common/string.c,$(COMMON_SRCS))
fuzz_objs = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

# Each harness's link: its own object, libs/common, its extra sources.
$(foreach h,$(FUZZ_HARNESSES),$(eval $(h): $(call fuzz_objs,tests/fuzz/$(notdir $(h)).c \
	$(FUZZ_COMMON) $($(notdir $(h))_SRCS))))

$(FUZZ_HARNESSES):
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

.PHONY: fuzz fuzz-run fuzz-test fuzz-harnesses
fuzz-harnesses: $(FUZZ_HARNESSES)

# Like run and test (tools/build.mk): set up first, then build and run through a second make.
fuzz:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_HARNESSES)
	$(Q)tests/fuzz/run --build $(BUILD) --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS)

fuzz-test: $(FUZZ_HARNESSES)
	$(Q)tests/fuzz/run --build $(BUILD) --seconds $(FUZZ_TEST_SECONDS) --jobs $(FUZZ_JOBS)
