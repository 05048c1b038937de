# servers/fs/build.mk: the file system server (bin/fs), server of service/fs (docs/fs.md); its
# persistent mount keeps files in PostgreSQL through libs/pgstore (docs/persistence.md).
$(eval $(call user_program,fs,,$(PGSTORE_LIB) $(PG_LIB) $(CRYPTO_LIB)))
$(USER_fs_OBJS): USER_CFLAGS += $(PGSTORE_INCLUDE)
