# libs/virtio/build.mk: libvirtio.a, the virtqueue and virtio-PCI transport code shared by virtio drivers.
#
# A driver is an ordinary user program that also calls virtio_program:
#     $(eval $(call user_program,virtio_net))
#     $(eval $(call virtio_program,virtio_net))
# which compiles its sources with -Ilibs/virtio/include and links libvirtio.a before libuser.a.
# Needs libs/user/build.mk (USER_BUILD, USER_CFLAGS, user_objs) to be included first.

VIRTIO_INCLUDE := -Ilibs/virtio/include
VIRTIO_SRCS    := $(wildcard libs/virtio/*.c)
VIRTIO_OBJS    := $(call user_objs,$(VIRTIO_SRCS))
VIRTIO_LIB     := $(USER_BUILD)/libvirtio.a

$(VIRTIO_OBJS): USER_CFLAGS += $(VIRTIO_INCLUDE)

$(VIRTIO_LIB): $(VIRTIO_OBJS)
	$(if $(Q),@echo "  AR      $@")
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# $(eval $(call virtio_program,NAME)): after user_program NAME, gives it the virtio headers and library.
# The archive joins the program's object list, so the link line (expanded when it runs) has it
# before libuser.a, whose system-call wrappers it uses.
define virtio_program
$$(USER_$(1)_OBJS): USER_CFLAGS += $(VIRTIO_INCLUDE)
$(USER_BUILD)/$(1).elf: $(VIRTIO_LIB)
USER_$(1)_OBJS += $(VIRTIO_LIB)
endef
