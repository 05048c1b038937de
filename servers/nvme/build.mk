# servers/nvme/build.mk: the NVMe driver (bin/nvme), server of service/block0 through virtio_blk's
# session code (servers/virtio_blk/blk.c over the blkdev.h interface).
$(eval $(call user_program,nvme,$(wildcard servers/nvme/*.c) servers/virtio_blk/blk.c))
$(USER_nvme_OBJS): USER_CFLAGS += -Iservers/virtio_blk
