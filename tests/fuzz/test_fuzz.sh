#!/bin/bash
# Each libFuzzer target (the layer reader, image JSON, environment file,
# ignore file, webhook payloads) for $FUZZ_SECONDS (make check: 5, make fuzz: 60)
# on a copy of its seed corpus; a crash, leak, sanitizer report or timeout
# fails it and leaves the reproducer in the log.
. "$(dirname "$0")/../lib.sh"
t_plan 5
: "${FUZZ_SECONDS:=5}"
# The seeds: tests/fuzz/corpus/<target>, the webhook parsers' in hooks/.
corpus_of() {
  if [ "$1" = webhook ]; then echo "$TOP/hooks/tests/fuzz-seeds"; else echo "$TOP/tests/fuzz/corpus/$1"; fi
}
for t in layer image env ignore webhook; do
  bin=$BUILD/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then t_fail "fuzz_$t: $bin not built (make fuzz-bins)"; continue; fi
  mkdir -p "$T_DIR/corpus-$t" "$T_DIR/tmp-$t"
  cp "$(corpus_of "$t")/"* "$T_DIR/corpus-$t/"
  # the layer target unpacks as root: its scratch dirs go below T_DIR
  ( cd "$T_DIR" && TMPDIR=$T_DIR/tmp-$t timeout $((FUZZ_SECONDS + 60)) "$bin" \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$T_DIR/crash-$t-" \
      "$T_DIR/corpus-$t" ) > "$T_DIR/fuzz-$t.log" 2>&1
  st=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T_DIR/fuzz-$t.log" | tail -n 1)
  if [ $st -eq 0 ]; then t_ok "fuzz_$t: ${runs:-?} runs clean in ${FUZZ_SECONDS}s"
  else
    t_fail "fuzz_$t: exit $st after ${runs:-?} runs"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' "$T_DIR/fuzz-$t.log" | head -n 10 | sed 's/^/    # /'
    mkdir -p "$BUILD/fuzz/crashes" && cp "$T_DIR"/crash-$t-* "$BUILD/fuzz/crashes/" 2>/dev/null
  fi
done
