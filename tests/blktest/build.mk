# tests/blktest/build.mk: the block test client (bin/blktest), started by tests/blktest/blk-test.manifest.
$(eval $(call user_program,blktest))
