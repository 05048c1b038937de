# tests/laggard/build.mk: a service slow to start (bin/laggard), for tests/e2e/case_adversary.py.
$(eval $(call user_program,laggard))
