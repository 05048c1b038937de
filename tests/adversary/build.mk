# tests/adversary/build.mk: hostile processes on command (bin/adversary), for tests/e2e/case_adversary.py.
# elfgen.c (tests/inos) makes the sparse images of the kernel-memory hog (hog.c).
$(eval $(call user_program,adversary,$(wildcard tests/adversary/*.c) tests/inos/elfgen.c))
