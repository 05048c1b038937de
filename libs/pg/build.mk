# libs/pg/build.mk: libpg.a, the PostgreSQL client state machine (docs/pg.md), freestanding, no I/O of its own.
#
# A program that uses it adds PG_INCLUDE to its flags and links PG_LIB and CRYPTO_LIB before libuser.a.
# Host builds (unit tests, fuzz harness, the PostgreSQL end-to-end test) compile PG_SRCS themselves.
# Needs libs/crypto/build.mk first.

PG_INCLUDE := -Ilibs/pg/include $(CRYPTO_INCLUDE)
PG_SRCS    := $(wildcard libs/pg/*.c)
PG_OBJS    := $(call user_objs,$(PG_SRCS))
PG_LIB     := $(USER_BUILD)/libpg.a

$(PG_OBJS): USER_CFLAGS += $(PG_INCLUDE)

$(PG_LIB): $(PG_OBJS)
	$(if $(Q),@echo "  AR      $@")
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Built with the system so that it always compiles freestanding (and tools/check-modules sees its objects).
all: $(PG_LIB)
