# servers/http_server/build.mk: http_server (bin/http_server) and its documents (www/ in the initfs).
#
# Every file under servers/http_server/www/ becomes www/<same path> in the initfs. www/large.txt is
# generated here rather than committed: a text file of HTTP_LARGE_LINES numbered lines (about 200 KiB,
# so it goes out in several 64 KiB WRITEs and ends in a partial one); tests/e2e/case_http.py compares
# what it downloads with this file.
$(eval $(call user_program,http_server))

HTTP_WWW_DIR    := servers/http_server/www
HTTP_WWW_FILES  := $(sort $(shell find $(HTTP_WWW_DIR) -type f 2>/dev/null))
HTTP_LARGE      := $(BUILD)/http_server/www/large.txt
HTTP_LARGE_LINES := 4000

INITFS_FILES += $(foreach f,$(HTTP_WWW_FILES),$(f):www/$(patsubst $(HTTP_WWW_DIR)/%,%,$(f))) \
	$(HTTP_LARGE):www/large.txt

$(HTTP_LARGE): servers/http_server/build.mk
	@mkdir -p $(@D)
	$(if $(Q),@echo "  GEN     $@")
	$(Q)awk 'BEGIN { for (i = 1; i <= $(HTTP_LARGE_LINES); i++) \
		printf "%06d Warp serves this line from its initfs, %s\n", i, "in 64 KiB WRITEs." }' > $@.tmp
	$(Q)mv $@.tmp $@

# `make http-host`: $(BUILD)/host/http_host, the same connection code (conn.c, http.c, the event loop)
# on Linux, with servers/http_server/host/http_host.c standing in for tcpip over real sockets, under
# ASan and UBSan. It serves the boot initfs's www/ so tests/e2e/case_http.py can run against it
# without QEMU:  build/host/http_host build/initfs-boot.tar 18080 &  tests/e2e/case_http.py --port 18080
HTTP_HOST      := $(BUILD)/host/http_host
HTTP_HOST_SRCS := servers/http_server/host/http_host.c servers/http_server/conn.c servers/http_server/cond.c \
	servers/http_server/date.c servers/http_server/fsfile.c servers/http_server/fsroot.c \
	servers/http_server/filecache.c servers/http_server/put.c servers/http_server/upload.c \
	servers/http_server/http.c libs/user/loop.c libs/user/msg.c libs/common/tar.c libs/common/fmt.c \
	libs/common/error.c libs/common/text.c libs/common/pheap.c libs/common/mfsection.c

$(HTTP_HOST): $(HTTP_HOST_SRCS) $(wildcard servers/http_server/*.h) servers/http_server/build.mk
	@mkdir -p $(@D)
	$(if $(Q),@echo "  HOSTLD  $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
		-fno-sanitize-recover=all -Ilibs/common/include -Ilibs/user/include -Ilibs/proto/include -iquote . \
		$(HTTP_HOST_SRCS) -o $@

.PHONY: http-host
http-host: $(HTTP_HOST) $(BUILD)/initfs-boot.tar
