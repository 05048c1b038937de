# tests/inos/build.mk: the in-OS test process (bin/tests), started by tests/inos/test.manifest.
$(eval $(call user_program,tests))
