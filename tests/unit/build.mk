# tests/unit/build.mk: host unit tests (cmocka, ASan + UBSan), one binary per tests/unit/test_*.c.
#
# Every test links all the pure modules (libs/common/*.c except string.c, whose
# functions libc provides on the host, and the page allocator). Objects go under
# $(BUILD)/host/ so they never mix with the freestanding target builds.

UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Ilibs/common/include -Ikernel
UNIT_MODULE_SRCS := $(filter-out libs/common/string.c,$(COMMON_SRCS)) kernel/mm/page_alloc.c
UNIT_MODULE_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_MODULE_SRCS))
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(UNIT_TEST_SRCS))

$(UNIT_MODULE_OBJS) $(UNIT_TEST_SRCS:%.c=$(BUILD)/host/%.o): $(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  HOSTCC  $<")
	$(Q)$(CC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

$(UNIT_TESTS): $(BUILD)/host/%: $(BUILD)/host/tests/unit/%.o $(UNIT_MODULE_OBJS)
	$(if $(Q),@echo "  HOSTLD  $@")
	$(Q)$(CC) $(UNIT_CFLAGS) $^ -lcmocka -o $@

# Runs every test binary (TAP output); fails if any of them fails.
.PHONY: unit-test
unit-test: $(UNIT_TESTS)
	$(Q)status=0; for t in $(UNIT_TESTS); do \
		echo "# $$t"; \
		CMOCKA_MESSAGE_OUTPUT=TAP $$t || status=1; \
	done; exit $$status
