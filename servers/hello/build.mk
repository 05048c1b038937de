# servers/hello/build.mk: the hello program (bin/hello in the initfs).
$(eval $(call user_program,hello))
