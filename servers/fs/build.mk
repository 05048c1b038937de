# servers/fs/build.mk: the file system server (bin/fs), server of service/fs (docs/fs.md).
$(eval $(call user_program,fs))
