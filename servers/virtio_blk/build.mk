# servers/virtio_blk/build.mk: the virtio-blk driver (bin/virtio_blk), server of service/block0.
$(eval $(call user_program,virtio_blk))
$(eval $(call virtio_program,virtio_blk))
