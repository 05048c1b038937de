# libs/pgstore/build.mk: libpgstore.a, a file volume kept in PostgreSQL over libs/pg (docs/persistence.md), freestanding, no I/O.
#
# A program that uses it adds PGSTORE_INCLUDE to its flags and links PGSTORE_LIB, PG_LIB and CRYPTO_LIB
# before libuser.a. Host builds (unit tests, tests/pgtest) compile PGSTORE_SRCS themselves.
# Needs libs/pg/build.mk first.

PGSTORE_INCLUDE := -Ilibs/pgstore/include $(PG_INCLUDE)
PGSTORE_SRCS    := $(wildcard libs/pgstore/*.c)
PGSTORE_OBJS    := $(call user_objs,$(PGSTORE_SRCS))
PGSTORE_LIB     := $(USER_BUILD)/libpgstore.a

$(PGSTORE_OBJS): USER_CFLAGS += $(PGSTORE_INCLUDE)

$(PGSTORE_LIB): $(PGSTORE_OBJS)
	$(if $(Q),@echo "  AR      $@")
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Built with the system so that it always compiles freestanding (and tools/check-modules sees its objects).
all: $(PGSTORE_LIB)
