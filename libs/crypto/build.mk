# libs/crypto/build.mk: libcrypto.a, the hashes Warp's clients need (SHA-256, HMAC, PBKDF2, MD5), pure code.
#
# A program that uses it adds CRYPTO_INCLUDE to its flags and links CRYPTO_LIB before libuser.a. The host
# unit tests and fuzz harnesses compile the same sources with their own flags (tests/unit/build.mk).
# Needs libs/user/build.mk (USER_BUILD, USER_CFLAGS, user_objs) to be included first.

CRYPTO_INCLUDE := -Ilibs/crypto/include
CRYPTO_SRCS    := $(wildcard libs/crypto/*.c)
CRYPTO_OBJS    := $(call user_objs,$(CRYPTO_SRCS))
CRYPTO_LIB     := $(USER_BUILD)/libcrypto.a

$(CRYPTO_OBJS): USER_CFLAGS += $(CRYPTO_INCLUDE)

$(CRYPTO_LIB): $(CRYPTO_OBJS)
	$(if $(Q),@echo "  AR      $@")
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Built with the system so that it always compiles freestanding (and tools/check-modules sees its objects).
all: $(CRYPTO_LIB)
