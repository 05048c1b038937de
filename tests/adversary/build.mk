# tests/adversary/build.mk: hostile processes on command (bin/adversary), for tests/e2e/case_adversary.py.
$(eval $(call user_program,adversary))
