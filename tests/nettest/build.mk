# tests/nettest/build.mk: the network test client (bin/nettest), started by tests/nettest/net-test.manifest.
$(eval $(call user_program,nettest))
