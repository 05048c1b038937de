# servers/init/build.mk: init, process 1 (bin/init); boot.manifest becomes warp.iso's etc/init.manifest.
$(eval $(call user_program,init))
