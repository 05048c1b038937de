# servers/virtio_scsi/build.mk: the virtio-scsi driver (bin/virtio_scsi), server of service/block0 through
# virtio_blk's session code (servers/virtio_blk/blk.c over the blkdev.h interface).
$(eval $(call user_program,virtio_scsi,$(wildcard servers/virtio_scsi/*.c) servers/virtio_blk/blk.c))
$(eval $(call virtio_program,virtio_scsi))
$(USER_virtio_scsi_OBJS): USER_CFLAGS += -Iservers/virtio_blk
