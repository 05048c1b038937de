# servers/nettest/build.mk: the network test client (bin/nettest), started by servers/init/net-test.manifest.
$(eval $(call user_program,nettest))
