# Runtime layer baked into every image (DESIGN.md, "Runtime inside every
# image").  Included by the top Makefile; sees B, BIN, CC.
#
# The rootfs tree under $(B)/runtime/rootfs is what goes into the layer.
# /usr/libexec/s2i is the builder scripts' directory, so the runtime lives
# in its own /usr/libexec/s2i-runtime.
#
# Programs that run inside images are static musl, libc only, and built
# with their own flags: the top CFLAGS may carry sanitizers (make asan),
# which a static musl binary cannot link.

RUNTIME_ROOTFS   := $(B)/runtime/rootfs
RUNTIME_INIT     := $(RUNTIME_ROOTFS)/usr/libexec/s2i-runtime/init
# Sources linked into the init; the environment hook (s2i_env.c) and any
# file it grows into belong here.
RUNTIME_INIT_SRC := builders/runtime/init.c builders/runtime/s2i_env.c
RUNTIME_INIT_HDR := builders/runtime/s2i_env.h
MUSL_CC          ?= musl-gcc
RUNTIME_CFLAGS   := -std=c11 -static -Os -Wall -Wextra -Wshadow \
                    -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
RUNTIME_CFLAGS   += -Werror
endif

ALL_TARGETS  += $(RUNTIME_INIT)
CHECK_SUITES += runtime

export S2I_INIT := $(abspath $(RUNTIME_INIT))

.PHONY: runtime

$(RUNTIME_INIT): $(RUNTIME_INIT_SRC) $(RUNTIME_INIT_HDR) builders/runtime/runtime.mk
	@mkdir -p $(@D)
	$(MUSL_CC) $(RUNTIME_CFLAGS) -Ibuilders/runtime -o $@ $(RUNTIME_INIT_SRC) -s

runtime: all
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/runtime tests/runtime
