#!/bin/bash
# Run every tests/<suite>/*.sh; each test script reports through
# tests/lib.sh.  Writes "<passed> <failed>" to $1.
out=$1
dir=$2
passed=0
failed=0
export S2I_RESULTS_TMP
S2I_RESULTS_TMP=$(mktemp)
for t in "$dir"/test_*.sh; do
  [ -f "$t" ] || continue
  : > "$S2I_RESULTS_TMP"
  timeout 1200 bash "$t"
  st=$?
  p=$(grep -c '^ok' "$S2I_RESULTS_TMP")
  f=$(grep -c '^not ok' "$S2I_RESULTS_TMP")
  if [ $st -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "not ok - $(basename "$t") exited $st outside a test"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
done
rm -f "$S2I_RESULTS_TMP"
echo "$(basename "$dir"): $passed passed, $failed failed"
echo "$passed $failed" > "$out"
[ "$failed" -eq 0 ]
