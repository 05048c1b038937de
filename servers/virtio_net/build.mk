# servers/virtio_net/build.mk: the virtio-net driver (bin/virtio_net), server of service/ethernet.
$(eval $(call user_program,virtio_net))
$(eval $(call virtio_program,virtio_net))
