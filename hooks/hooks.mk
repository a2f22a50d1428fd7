# `s2i serve` (issue 9): the webhook receiver, build queue and deployers.
# Included by the top Makefile.  hooks/ uses libs2i's public functions and
# the engine's process runner; bin/s2i links libhooks.a for cmd_serve.c.
#
#   make serve        the shell suite tests/serve (real git, podman, nginx)
#   make unit         also runs hooks/tests/check_*.c

HOOKS_SRC := $(wildcard hooks/*.c)
HOOKS_OBJ := $(HOOKS_SRC:%.c=$(B)/obj/%.o)
HOOKS_LIB := $(B)/libhooks.a
HOOKS_UNIT_SRC := $(wildcard hooks/tests/check_*.c)
HOOKS_UNIT_BIN := $(HOOKS_UNIT_SRC:hooks/tests/%.c=$(B)/tests/hooks/%)

$(HOOKS_OBJ): ALL_CFLAGS += -iquote s2i/engine -iquote hooks
$(B)/obj/s2i/cli/cmd_serve.o: ALL_CFLAGS += -iquote hooks

$(HOOKS_LIB): $(HOOKS_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/tests/hooks/check_%: hooks/tests/check_%.c $(HOOKS_LIB) $(B)/libs2i-engine.a $(B)/libs2i.a tests/unit/testutil.h | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -iquote s2i/engine -iquote hooks \
	  $(shell pkg-config --cflags check) -Itests/unit -o $@ $< $(HOOKS_LIB) \
	  $(B)/libs2i-engine.a $(B)/libs2i.a $(LDLIBS_S2I) \
	  $(shell pkg-config --libs check)

UNIT_BIN += $(HOOKS_UNIT_BIN)
CLI_EXTRA_LIBS += $(HOOKS_LIB)
$(BIN)/s2i: $(HOOKS_LIB)

.PHONY: serve
CHECK_SUITES += serve
serve: all fixtures
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/serve tests/serve

-include $(HOOKS_OBJ:.o=.d)

# libFuzzer on the webhook payload parsers: one more target of the `fuzz`
# suite (tests/fuzz/fuzz.mk runs them all).  Built with clang on the pure
# modules only (webhook, signature and their libs2i helpers).
FUZZ_CC      ?= clang
FUZZ_SRC     := hooks/tests/fuzz_webhook.c hooks/webhook.c hooks/signature.c \
                s2i/lib/strv.c s2i/lib/xalloc.c

$(B)/fuzz/fuzz_webhook: $(FUZZ_SRC) hooks/webhook.h hooks/signature.h | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 \
	  -fsanitize=fuzzer,address,undefined -iquote s2i/lib -iquote hooks \
	  $(shell pkg-config --cflags jansson) -o $@ $(FUZZ_SRC) \
	  $(shell pkg-config --libs jansson libcrypto)

fuzz-bins: $(B)/fuzz/fuzz_webhook
