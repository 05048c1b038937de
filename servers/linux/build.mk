# servers/linux/build.mk: the linux server (bin/linux), which runs static x86-64 Linux binaries as
# supervised processes (docs/linux-compat.md).
$(eval $(call user_program,linux))
