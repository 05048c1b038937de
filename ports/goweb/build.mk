# ports/goweb/build.mk: goweb, a static Go net/http server (ports/goweb/main.go, our own code) built
# with Debian's golang-go (tools/setup installs it; CGO_ENABLED=0, the standard library only, so
# nothing is fetched), and warp-go.iso, where the linux server runs it (tests/e2e/case_go.py).
#
#   make goweb   $(BUILD)/goweb/goweb
GOWEB_DIR := $(BUILD)/goweb
GOWEB_BIN := $(GOWEB_DIR)/goweb
GOWEB_ENV := CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOFLAGS=-mod=mod GOTOOLCHAIN=local \
	GOCACHE=$(abspath $(GOWEB_DIR))/cache GOPATH=$(abspath $(GOWEB_DIR))/gopath

$(GOWEB_BIN): ports/goweb/main.go ports/goweb/go.mod
	@mkdir -p $(@D)
	@echo "  GO      $@"
	$(Q)cd ports/goweb && $(GOWEB_ENV) go build -trimpath -o $(abspath $@) .

$(BUILD)/initfs-go.tar: ports/goweb/goweb.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(USER_BUILD)/virtio_net.elf $(USER_BUILD)/tcpip.elf $(GOWEB_BIN) tools/mkinitfs
	@echo "  INITFS  $@"
	$(Q)tools/mkinitfs $@ ports/goweb/goweb.manifest $(USER_BUILD)/init.elf $(USER_BUILD)/linux.elf \
		$(USER_BUILD)/fs.elf $(USER_BUILD)/virtio_net.elf $(USER_BUILD)/tcpip.elf --file $(GOWEB_BIN):linux/goweb

$(eval $(call warp_iso,warp-go,go,$(KERNEL_CMDLINE)))

# make test boots warp-go.iso: one of the images make test and make images build.
IMAGES += $(BUILD)/warp-go.iso
images: $(BUILD)/warp-go.iso

.PHONY: goweb
goweb: $(GOWEB_BIN)
