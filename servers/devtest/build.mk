# servers/devtest/build.mk: device-grant checks (bin/devtest), started by servers/init/net-test.manifest.
$(eval $(call user_program,devtest))
