# servers/ping/build.mk: ping, the demo client of service/pong (bin/ping).
$(eval $(call user_program,ping))
