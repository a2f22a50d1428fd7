# Identity for an arbitrary UID inside s2i images (docs/runtime.md).
# Included by the top Makefile; sees B, BIN, CC.
#
# libnss_s2i.so.2 is staged under $(B)/runtime/rootfs/usr/lib/s2i-runtime/;
# s2i_runtime_layer() copies it next to the image's libc.so.6 (glibc
# images only), so the staging directory itself never enters an image.
# It is built with its own flags (no sanitizers, no stack protector, no
# fortify) and checked to need nothing newer than GLIBC_2.2.5, the oldest
# x86_64 glibc symbol version, so it loads into any x86_64 glibc image.

NSS_S2I_SO      := $(B)/runtime/rootfs/usr/lib/s2i-runtime/libnss_s2i.so.2
NSS_S2I_CC      ?= gcc
NSS_S2I_CFLAGS  := -std=c11 -O2 -fPIC -shared -fvisibility=hidden \
                   -fno-stack-protector -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=0 \
                   -fno-tree-loop-distribute-patterns -fno-builtin-memcpy \
                   -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
                   -Wmissing-prototypes
NSS_S2I_LDFLAGS := -Wl,-soname,libnss_s2i.so.2 -Wl,-z,defs -Wl,--hash-style=both
ifeq ($(CI),true)
NSS_S2I_CFLAGS  += -Werror
endif

ALL_TARGETS  += $(NSS_S2I_SO)
CHECK_SUITES += runtime_identity

.PHONY: runtime_identity

# s2i_identity.h is the contract both sides share (names, the entry's
# fields, the uid parser); the init, built by runtime.mk, includes it too.
NSS_S2I_HDR := builders/runtime/s2i_identity.h
$(RUNTIME_INIT): $(NSS_S2I_HDR)

$(NSS_S2I_SO): builders/runtime/nss_s2i.c $(NSS_S2I_HDR) builders/runtime/identity.mk
	@mkdir -p $(@D)
	$(NSS_S2I_CC) $(NSS_S2I_CFLAGS) $(NSS_S2I_LDFLAGS) -o $@.tmp $< -s
	@bad=$$(objdump -T $@.tmp | grep -o 'GLIBC_[0-9.]*' | sort -u | grep -vx 'GLIBC_2.2.5'); \
	  if [ -n "$$bad" ]; then echo "$@: needs $$bad (only GLIBC_2.2.5 allowed)" >&2; \
	  rm -f $@.tmp; exit 1; fi
	@mv $@.tmp $@

runtime_identity: all $(NSS_S2I_SO) $(RUNTIME_INIT)
	@mkdir -p $(B)/results
	@tests/run-shell-suite.sh $(B)/results/runtime_identity tests/runtime_identity
