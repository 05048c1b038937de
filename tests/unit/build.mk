# tests/unit/build.mk: host unit tests (cmocka, ASan + UBSan), one binary per tests/unit/test_*.c.
#
# Every test links all the pure modules (libs/common/*.c except string.c, whose
# functions libc provides on the host, and the page allocator). A test that needs
# more pure code declares it in test_<name>_SRCS below; those files must make no
# system calls. Helpers shared by tests are listed there too (fake_loop_ops.c, a
# fake kernel for the event loop). Objects go under $(BUILD)/host/ so they never
# mix with the freestanding target builds. `-iquote .` lets a test include a
# server's private header by its path from the top ("servers/init/manifest.h").
#
# test_kcore_* run the portable kernel itself on the host: its files are built
# against tests/unit/karch/, a host port of the arch contract (kernel/arch.h) with
# simulated RAM and page tables, ucontext threads and an allocator that can fail
# its Nth allocation (docs/testing.md).

UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Ilibs/common/include -Ilibs/user/include -Ilibs/proto/include -Ikernel \
	-Itests/unit/karch -Ilibs/crypto/include -Ilibs/pg/include -Ilibs/pgstore/include -iquote .
UNIT_MODULE_SRCS := $(filter-out libs/common/string.c,$(COMMON_SRCS)) kernel/mm/page_alloc.c
UNIT_MODULE_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_MODULE_SRCS))
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/host/%,$(UNIT_TEST_SRCS))

# Extra pure sources per test (test_<name>_SRCS := ...).
test_msg_SRCS      := libs/user/msg.c
test_grant_SRCS    := libs/user/grant.c libs/user/msg.c
test_exitinfo_SRCS := libs/user/exitinfo.c
test_loop_SRCS     := libs/user/loop.c libs/user/msg.c tests/unit/fake_loop_ops.c
test_service_SRCS  := libs/user/service.c libs/user/grant.c libs/user/loop.c libs/user/msg.c tests/unit/fake_loop_ops.c
test_manifest_SRCS := servers/init/manifest.c servers/init/manifest_access.c servers/init/manifest_limits.c servers/init/instances.c
test_manifest_access_SRCS := servers/init/manifest.c servers/init/manifest_access.c servers/init/manifest_limits.c
test_restart_SRCS  := servers/init/restart.c
test_init_opens_SRCS := servers/init/opens.c
test_http_SRCS     := servers/http_server/http.c servers/http_server/cond.c servers/http_server/date.c
test_http_cond_SRCS := servers/http_server/cond.c servers/http_server/date.c servers/http_server/http.c
test_http_conn_SRCS := servers/http_server/conn.c servers/http_server/http.c servers/http_server/cond.c \
	servers/http_server/date.c servers/http_server/fsfile.c servers/http_server/fsroot.c \
	servers/http_server/filecache.c servers/http_server/put.c servers/http_server/upload.c libs/user/loop.c \
	libs/user/msg.c tests/unit/fake_loop_ops.c
test_http_cache_SRCS := servers/http_server/filecache.c
test_http_upload_SRCS := servers/http_server/upload.c servers/http_server/http.c servers/http_server/cond.c \
	servers/http_server/date.c
test_http_files_SRCS := $(test_http_conn_SRCS)
test_http_put_SRCS := $(test_http_conn_SRCS)
test_tcpip_addr_SRCS := servers/tcpip/addr.c
test_scsi_cdb_SRCS := servers/virtio_scsi/cdb.c
test_nvme_spec_SRCS := servers/nvme/spec.c
test_tcpip_grant_SRCS := servers/tcpip/access.c libs/user/sessions.c libs/user/grant.c libs/user/msg.c
test_tcpip_dhcp_SRCS := servers/tcpip/dhcpopt.c servers/tcpip/siphash.c
test_tcpip_chksum_SRCS := servers/tcpip/chksum.c
test_ext4_SRCS     := servers/fs/ext4.c
test_part_SRCS     := servers/fs/part.c
test_fs_cache_SRCS := servers/fs/cache.c
test_fs_tmpfs_SRCS := servers/fs/tmpfs.c
test_fs_pgconf_SRCS := servers/fs/pgconf.c
test_fs_vfs_SRCS   := servers/fs/vfs.c servers/fs/icache.c servers/fs/tmpfs.c servers/fs/ext4.c servers/fs/cache.c
test_linux_elf_SRCS := servers/linux/lxelf.c
test_linux_stack_SRCS := servers/linux/lxstack.c
test_linux_sigframe_SRCS := servers/linux/lxsigframe.c
test_linux_vm_SRCS := servers/linux/lxvm.c servers/linux/lxconf.c servers/linux/lxpath.c servers/linux/sysnames.c
test_linux_fd_SRCS := servers/linux/lxfd.c servers/linux/lxpath.c
test_linux_ready_SRCS := servers/linux/lxready.c servers/linux/lxaddr.c servers/linux/lxfd.c
test_crypto_SRCS   := $(CRYPTO_SRCS)
test_pg_scram_SRCS := libs/pg/scram.c $(CRYPTO_SRCS)
test_pg_conn_SRCS  := $(PG_SRCS) $(CRYPTO_SRCS)
test_pgstore_SRCS  := $(PGSTORE_SRCS) $(PG_SRCS) $(CRYPTO_SRCS)

# The kernel core on the host (test_kcore_*): every portable kernel file but the boot glue and the
# page and heap allocators, over the host port of the arch contract (tests/unit/karch/).
KHOST_SRCS := $(filter-out kernel/main.c kernel/ksyms.c,$(wildcard kernel/*.c)) kernel/mm/frame_ref.c \
	$(wildcard tests/unit/karch/*.c) tests/inos/elfgen.c
$(foreach t,$(filter test_kcore_%,$(notdir $(UNIT_TESTS))),$(eval $(t)_SRCS := $(KHOST_SRCS)))

UNIT_EXTRA_SRCS := $(sort $(foreach t,$(UNIT_TESTS),$($(notdir $(t))_SRCS)))
UNIT_EXTRA_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_EXTRA_SRCS))

$(UNIT_MODULE_OBJS) $(UNIT_EXTRA_OBJS) $(UNIT_TEST_SRCS:%.c=$(BUILD)/host/%.o): $(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  HOSTCC  $<")
	$(Q)$(CC) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

# Each test's own extra objects, as further prerequisites of its link ($^ below).
$(foreach t,$(UNIT_TESTS),$(eval $(t): $(patsubst %.c,$(BUILD)/host/%.o,$($(notdir $(t))_SRCS))))

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
