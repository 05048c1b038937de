# servers/init/build.mk: init, process 1 (bin/init); boot.manifest and test.manifest become etc/init.manifest.
$(eval $(call user_program,init))
