# tests/inos/build.mk: the in-OS test process (bin/tests) and the example service of docs/userspace.md
# (bin/upper), both started by tests/inos/test.manifest.
$(eval $(call user_program,tests))

# The example is the fenced block that opens with "```c upper.c" in docs/userspace.md, copied out at
# build time: the program the tests run is the one the page shows, and the page cannot drift from
# it. The copy fails when the block is missing or has 60 lines or more (the page promises fewer).
EXAMPLE_SRC := $(BUILD)/example/upper.c

$(EXAMPLE_SRC): docs/userspace.md tests/inos/build.mk
	@mkdir -p $(@D)
	$(if $(Q),@echo "  EXTRACT $@")
	$(Q)awk '/^```c upper\.c$$/ { on = 1; next } on && /^```$$/ { on = 0; next } on { print }' $< > $@.tmp
	$(Q)n=$$(wc -l < $@.tmp); if [ "$$n" -eq 0 ] || [ "$$n" -ge 60 ]; then \
		echo "docs/userspace.md: the \`\`\`c upper.c block has $$n lines (want 1 to 59)" >&2; \
		rm -f $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@

$(eval $(call user_program,upper,$(EXAMPLE_SRC)))
