#!/bin/bash
# Run every DIR/test_*.sh; each reports through tests/lib.sh.
#   run-shell-suite.sh OUT DIR
# Each file declares its plan (t_plan N, a "1..N" line); a file that gives
# fewer or more results than planned, or none at all, fails, as does one
# that exits non-zero outside a test.  Skips ("ok - # SKIP reason") are
# counted apart from passes.  Writes "<passed> <failed> <skipped>" to OUT.
out=$1
dir=$2
suite=$(basename "$dir")
export S2I_SUITE=$suite
passed=0
failed=0
skipped=0
echo "running" > "$out"   # summary.sh fails a suite that never finished
export S2I_RESULTS_TMP
S2I_RESULTS_TMP=$(mktemp)
trap 'rm -f "$S2I_RESULTS_TMP"' EXIT
for t in "$dir"/test_*.sh; do
  [ -f "$t" ] || continue
  name=$suite/$(basename "$t")
  : > "$S2I_RESULTS_TMP"
  timeout 1200 bash "$t"
  st=$?
  s=$(grep -c '^ok .*# SKIP' "$S2I_RESULTS_TMP")
  p=$(($(grep -c '^ok' "$S2I_RESULTS_TMP") - s))
  f=$(grep -c '^not ok' "$S2I_RESULTS_TMP")
  plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$S2I_RESULTS_TMP" | head -n 1)
  ran=$((p + f + s))
  if [ -z "$plan" ]; then
    echo "not ok - $name declares no plan (t_plan N); it ran $ran"
    f=$((f + 1))
  elif [ "$ran" -ne "$plan" ]; then
    echo "not ok - $name planned $plan tests but ran $ran"
    f=$((f + 1))
  fi
  if [ $st -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $name exited $st outside a test"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
done
echo "$suite: $passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" > "$out"
[ "$failed" -eq 0 ]
