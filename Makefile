# s2i in C.  `make` builds bin/s2i; `make check` runs every test;
# `make asan` runs them under ASan+UBSan; `make deps` installs packages.
# Sub-projects add to the variables below from their own *.mk fragments;
# fragments define rules but never add to `all` themselves.
#
# A fresh Debian 12 machine has only make and git: every rule that runs a
# compiler or a packaged tool waits (order-only) for $(DEPS_OK), the stamp
# scripts/deps.sh leaves once the packages are installed.

B       ?= build
BIN     ?= bin
CC      ?= cc
PKGS    := libgit2 libarchive libcurl jansson libcrypto libmicrohttpd sqlite3 \
           libseccomp
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
ifeq ($(CI),true)
WARN    += -Werror
endif
DEPS_OK := $(B)/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -iquote s2i/lib
LDLIBS_S2I  = $(PKG_LIBS)

LIB_SRC := $(wildcard s2i/lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
# The engine library (podman driver: process runner, verify) is linked only
# into bin/s2i; libs2i keeps the build path.
ENGINE_SRC := $(wildcard s2i/engine/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/obj/%.o)
CLI_SRC := $(wildcard s2i/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# Fragments append to these (CLI_EXTRA_LIBS: libraries bin/s2i links
# before libs2i, e.g. hooks/'s).
CLI_EXTRA_LIBS :=
ALL_TARGETS   := $(BIN)/s2i
CHECK_SUITES  := lint unit cli e2e registry fresh

.DEFAULT_GOAL := all
.PHONY: all deps check suites unit cli e2e registry fresh asan lint format \
        clean demo builders fixtures bench man install

-include builders/runtime/runtime.mk
-include builders/runtime/identity.mk
-include builders/builders.mk
-include hooks/hooks.mk
-include tests/fuzz/fuzz.mk

# After the fragments, so what they add to ALL_TARGETS is part of `all`.
all: $(ALL_TARGETS)

# `make asan` leaves out the suites that do not run s2i's own code.
CHECK_SUITES := $(filter-out $(SKIP_SUITES),$(CHECK_SUITES))

# Everything that needs an installed package waits for the stamp.
$(ALL_TARGETS) $(B)/libs2i.a $(UNIT_BIN): | $(DEPS_OK)

# bin/s2i finds the runtime files of its own build tree by default.
$(B)/obj/s2i/lib/runtime.o: ALL_CFLAGS += \
  -DS2I_RUNTIME_DEFAULT_DIR='"$(abspath $(B)/runtime/rootfs)"'

$(DEPS_OK): scripts/deps.sh
	@mkdir -p $(@D)
	scripts/deps.sh
	@touch $@

deps:
	scripts/deps.sh

$(B)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libs2i.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libs2i-engine.a: $(ENGINE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CLI_OBJ) $(ENGINE_OBJ): ALL_CFLAGS += -iquote s2i/engine

$(BIN)/s2i: $(CLI_OBJ) $(B)/libs2i-engine.a $(B)/libs2i.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(CLI_EXTRA_LIBS) $(B)/libs2i-engine.a \
	  $(B)/libs2i.a $(LDLIBS_S2I)

$(B)/tests/check_%: tests/unit/check_%.c $(B)/libs2i-engine.a $(B)/libs2i.a tests/unit/testutil.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -iquote s2i/engine $(shell pkg-config --cflags check) \
	  -Itests/unit -o $@ $< $(B)/libs2i-engine.a $(B)/libs2i.a \
	  $(LDLIBS_S2I) $(shell pkg-config --libs check)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(ENGINE_OBJ:.o=.d)

# ---- tests ---------------------------------------------------------------
# Each suite writes "<passed> <failed> <skipped>" to $(B)/results/<suite>;
# tests/summary.sh prints one line per suite and the total, and fails on a
# failure or on a suite that wrote no result.  Slow inputs (builder images,
# fixture images) are made before the suites start, never inside a timed
# suite; independent suites then run side by side, longest first.
export S2I_BIN := $(abspath $(BIN)/s2i)
export S2I_BUILD_DIR := $(abspath $(B))
export CONTAINERS_CONF := $(abspath tests/containers.conf)
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# make check runs the fuzz suite briefly (tests/fuzz/fuzz.mk).
check: export FUZZ_SECONDS := $(FUZZ_CHECK_SECONDS)
check: all builders fixtures
	@rm -rf $(B)/results && mkdir -p $(B)/results
	@$(MAKE) --no-print-directory -k -j$(CHECK_JOBS) --output-sync=target \
	  suites; tests/summary.sh $(B)/results $(CHECK_SUITES)

suites: $(CHECK_SUITES)

# The fixture images the CLI and e2e suites share (tests/fixtures/).
fixtures: all
	@tests/fixtures/busybox-builder.sh $(B)/fixtures/busybox-builder.tar
	@tests/fixtures/debian-builder.sh build/fixtures/debian-builder.tar

unit: $(UNIT_BIN)
	@mkdir -p $(B)/results
	@tests/unit/run.sh $(B)/results/unit $(UNIT_BIN)

cli: all
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/cli tests/cli

e2e: all builders
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/e2e tests/e2e

# Pull, push and the store against Debian's docker-registry on loopback.
registry: all
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/registry tests/registry

# The README's promise, checked: a fresh Debian root with make and git only.
fresh: | $(DEPS_OK)
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/fresh tests/fresh

lint: | $(DEPS_OK)
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/lint tests/lint

# tests/lsan.supp: libgit2 1.5's pcre2 leak (see the file).
asan:
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) $(MAKE) B=build/asan BIN=build/asan/bin \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" SKIP_SUITES="lint fresh" check

# ---- man pages, completion, install ---------------------------------------
# Man pages come from --help (scripts/man.sh), so they never disagree.
PREFIX  ?= /usr/local
DESTDIR ?=
MAN_DIR := $(B)/man

man: $(MAN_DIR)/s2i.1

$(MAN_DIR)/s2i.1: $(BIN)/s2i scripts/man.sh
	scripts/man.sh $(BIN)/s2i $(MAN_DIR)

# bin/s2i finds the runtime at <bindir>/../lib/s2i/runtime once installed.
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/s2i \
	  $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 0755 $(BIN)/s2i $(DESTDIR)$(PREFIX)/bin/s2i
	rm -rf $(DESTDIR)$(PREFIX)/lib/s2i/runtime
	cp -a $(B)/runtime/rootfs $(DESTDIR)$(PREFIX)/lib/s2i/runtime
	install -m 0644 $(MAN_DIR)/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	$(BIN)/s2i completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/s2i
	$(BIN)/s2i completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_s2i

format:
	clang-format -i s2i/*/*.[ch] hooks/*.[ch] hooks/tests/*.[ch] builders/runtime/*.[ch] builders/python/src/*.[ch] tests/unit/*.[ch]

bench: all builders fixtures
	bench/run.sh

demo: all builders
	scripts/demo.sh

clean:
	rm -rf $(B)/obj $(B)/tests $(B)/libs2i.a $(B)/libs2i-engine.a $(BIN)
