# servers/virtio_net/build.mk: the virtio-net driver (bin/virtio_net), server of service/ethernet.
# libs/virtio/build.mk comes from the top Makefile; the guard covers a Makefile that lacks it.
ifndef VIRTIO_LIB
include libs/virtio/build.mk
endif
$(eval $(call user_program,virtio_net))
$(eval $(call virtio_program,virtio_net))
