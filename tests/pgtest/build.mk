# tests/pgtest/build.mk: pgcheck and pgstorecheck, libs/pg and libs/pgstore on the host against a real PostgreSQL 15 (tests/pgtest/run).
#
#   make pg-test    builds $(BUILD)/host/pgcheck and $(BUILD)/host/pgstorecheck (ASan + UBSan, plain POSIX
#                   sockets as the transport) and runs tests/pgtest/run: a throw-away cluster on 127.0.0.1,
#                   TAP lines; part of the unit layer of `make test` (tests/run).

PGHOST_LIB_SRCS := $(PG_SRCS) $(CRYPTO_SRCS) $(filter-out libs/common/string.c,$(COMMON_SRCS))
PGCHECK_SRCS := tests/pgtest/pgcheck.c $(PGHOST_LIB_SRCS)
PGCHECK_OBJS := $(patsubst %.c,$(BUILD)/host/pgcheck-obj/%.o,$(PGCHECK_SRCS))
PGCHECK      := $(BUILD)/host/pgcheck
PGSTORECHECK_SRCS := tests/pgtest/pgstorecheck.c $(PGSTORE_SRCS) $(PGHOST_LIB_SRCS)
PGSTORECHECK_OBJS := $(patsubst %.c,$(BUILD)/host/pgcheck-obj/%.o,$(PGSTORECHECK_SRCS))
PGSTORECHECK      := $(BUILD)/host/pgstorecheck
PGCHECK_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Ilibs/common/include -Ilibs/pg/include -Ilibs/crypto/include \
	-Ilibs/pgstore/include

$(sort $(PGCHECK_OBJS) $(PGSTORECHECK_OBJS)): $(BUILD)/host/pgcheck-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  HOSTCC  $<")
	$(Q)$(CC) $(PGCHECK_CFLAGS) -MMD -MP -c $< -o $@

$(PGCHECK): $(PGCHECK_OBJS)
	$(if $(Q),@echo "  HOSTLD  $@")
	$(Q)$(CC) $(PGCHECK_CFLAGS) $^ -o $@

$(PGSTORECHECK): $(PGSTORECHECK_OBJS)
	$(if $(Q),@echo "  HOSTLD  $@")
	$(Q)$(CC) $(PGCHECK_CFLAGS) $^ -o $@

.PHONY: pg-test
pg-test: $(PGCHECK) $(PGSTORECHECK)
	$(Q)tests/pgtest/run --build $(BUILD)
