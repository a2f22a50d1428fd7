# Builder images (issue 4).  Included by the top Makefile.
#
#   make builder-progs   the static C programs (assemble, run, ...)
#   make builders        build/builders/python.tar and build/builders/lektor.tar
#   make builders-check  shell tests of the programs on this host (suite "builders")
#
# The programs are libc-only and linked statically with musl, so they run
# in the Debian image and anywhere else.

BLD_CC      ?= musl-gcc
BLD_CFLAGS  := -std=c11 -D_GNU_SOURCE -O2 -g0 $(WARN) -static
BLD_SRC_DIR := builders/python/src
BLD_OUT     := $(B)/builders
BLD_PROGS   := assemble assemble-runtime run save-artifacts usage
BLD_BINS    := $(BLD_PROGS:%=$(BLD_OUT)/bin/%)
BLD_COMMON  := util.c proc.c paths.c
BLD_GEN     := $(BLD_OUT)/gen
BLD_HDRS    := $(wildcard $(BLD_SRC_DIR)/*.h) $(BLD_GEN)/deps_helper.h

bld_objs_assemble       := assemble.c whiskey.c server_args.c webconf.c appfind.c deps.c
# The same program: it checks its name (python-runtime image, extended builds).
bld_objs_assemble-runtime := $(bld_objs_assemble)
bld_objs_run            := run.c whiskey.c server_args.c webconf.c nginx_conf.c httpd_conf.c appfind.c
bld_objs_save-artifacts := save_artifacts.c tar.c
bld_objs_usage          := usage.c

.PHONY: builder-progs builders-check

builder-progs: $(BLD_BINS)

define bld_prog
$(BLD_OUT)/bin/$(1): $$(addprefix $(BLD_SRC_DIR)/,$$(BLD_COMMON) $$(bld_objs_$(1))) $$(BLD_HDRS)
	@mkdir -p $$(@D)
	$$(BLD_CC) $$(BLD_CFLAGS) -I$(BLD_GEN) -o $$@ $$(addprefix $(BLD_SRC_DIR)/,$$(BLD_COMMON) $$(bld_objs_$(1)))
endef
$(foreach p,$(BLD_PROGS),$(eval $(call bld_prog,$(p))))

# deps_helper.py as a C string (assemble runs it with python -c).
$(BLD_GEN)/deps_helper.h: $(BLD_SRC_DIR)/deps_helper.py
	@mkdir -p $(@D)
	{ echo '/* generated from deps_helper.py: do not edit */'; \
	  echo 'static const char DEPS_HELPER[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

ALL_TARGETS  += $(BLD_BINS)
CHECK_SUITES += builders-check

builders-check: $(BLD_BINS)
	@mkdir -p $(B)/results
	@S2I_BUILDER_BIN=$(abspath $(BLD_OUT)/bin) tests/run-shell-suite.sh $(B)/results/builders-check tests/builders

-include builders/images.mk
