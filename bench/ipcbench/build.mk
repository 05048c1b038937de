# bench/ipcbench/build.mk: the IPC benchmark (bin/ipcbench), started by bench/bench.manifest.
$(eval $(call user_program,ipcbench))
