# libFuzzer targets (clang): the layer/tar reader, image metadata JSON,
# the environment-file parser, the ignore file.  libs2i is compiled again
# with coverage and ASan+UBSan for them, under $(B)/fuzz.
#   make fuzz        each target for FUZZ_SECONDS (default 60)
#   make check       the `fuzz` suite: each for FUZZ_CHECK_SECONDS (5)
# Seed corpora: tests/fuzz/corpus/<target>/ (never written to: the runs
# work on a copy).
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := layer image env ignore
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/obj/%.o)
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 5

CHECK_SUITES += fuzz
.PHONY: fuzz fuzz-bins

$(B)/fuzz/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CFLAGS) -O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(B)/fuzz/libs2i.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(B)/fuzz/libs2i.a | $(DEPS_OK)
	$(FUZZ_CC) $(ALL_CFLAGS) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	  $(B)/fuzz/libs2i.a $(LDLIBS_S2I)

fuzz-bins: $(FUZZ_BINS)

# One target for both: make check exports FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS)
# (the Makefile's check rule), a plain `make fuzz` runs FUZZ_SECONDS.
fuzz: fuzz-bins
	@mkdir -p $(B)/results
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-shell-suite.sh $(B)/results/fuzz tests/fuzz
