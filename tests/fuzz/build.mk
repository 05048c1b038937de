# tests/fuzz/build.mk: `make fuzz`: libFuzzer (clang, with ASan and UBSan) on http_server's parser.
#
#   make fuzz               installs what is missing (tools/setup: clang, libclang-rt-14-dev), builds
#                           $(BUILD)/fuzz/fuzz_http and runs it for FUZZ_SECONDS seconds
#   FUZZ_SECONDS=60         how long the run lasts
#   FUZZ_JOBS=1             parallel libFuzzer workers (-fork); keep it at most the number of cores
#
# The seed corpus is generated (tests/fuzz/http_seeds.py) into $(BUILD)/fuzz/seeds/http; what the
# fuzzer finds accumulates in $(BUILD)/fuzz/corpus/http across runs. A crash stops the run, leaves
# the input as $(BUILD)/fuzz/crash-<sha1> and fails the target; replay it with
# `$(BUILD)/fuzz/fuzz_http $(BUILD)/fuzz/crash-<sha1>`.

FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_CC      := clang
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Ilibs/common/include -iquote .
FUZZ_HTTP_SRCS := tests/fuzz/fuzz_http.c servers/http_server/http.c libs/common/fmt.c libs/common/text.c

$(FUZZ_BUILD)/fuzz_http: $(FUZZ_HTTP_SRCS) servers/http_server/http.h tests/fuzz/build.mk
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_HTTP_SRCS) -o $@

.PHONY: fuzz fuzz-run
# Like run and test (tools/build.mk): set up first, then build and run through a second make.
fuzz:
	$(Q)BUILD=$(BUILD) tools/setup
	$(Q)$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BUILD)/fuzz_http
	$(Q)rm -rf $(FUZZ_BUILD)/seeds/http
	$(Q)python3 tests/fuzz/http_seeds.py $(FUZZ_BUILD)/seeds/http
	$(Q)mkdir -p $(FUZZ_BUILD)/corpus/http
	$(Q)$(FUZZ_BUILD)/fuzz_http -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-dict=tests/fuzz/http.dict -artifact_prefix=$(FUZZ_BUILD)/ -print_final_stats=1 \
		$(if $(filter-out 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) \
		$(FUZZ_BUILD)/corpus/http $(FUZZ_BUILD)/seeds/http
