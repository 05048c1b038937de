# tests/fstest/build.mk: the file system test client (bin/fstest), started by tests/fstest/fs-test.manifest.
$(eval $(call user_program,fstest))
