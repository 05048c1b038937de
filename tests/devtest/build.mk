# tests/devtest/build.mk: device-grant checks (bin/devtest), started by tests/nettest/net-test.manifest.
$(eval $(call user_program,devtest))
