# tests/pgfstest/build.mk: the persistent mount's test client (bin/pgfstest, tests/pgfstest/pgfs-test.manifest,
# build/warp-pgfs.iso through tools/build.mk); it shares fstest's calls on service/fs (tests/fstest/ft.c).
$(eval $(call user_program,pgfstest,tests/pgfstest/main.c tests/fstest/ft.c))
