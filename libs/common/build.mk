# libs/common/build.mk: sources shared by the kernel and user space; each build compiles them with its own flags.
COMMON_SRCS := $(wildcard libs/common/*.c)
