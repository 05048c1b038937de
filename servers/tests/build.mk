# servers/tests/build.mk: the in-OS test process (bin/tests), started by servers/init/test.manifest.
$(eval $(call user_program,tests))
