# tests/tcptest/build.mk: tcpip's outbound test client (bin/tcptest), started by tests/tcptest/tcp-test.manifest.
$(eval $(call user_program,tcptest))
