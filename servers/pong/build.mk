# servers/pong/build.mk: pong, the demo server of service/pong (bin/pong); docs/userspace.md.
$(eval $(call user_program,pong))
