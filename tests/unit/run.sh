#!/bin/sh
# Run the Check unit-test binaries; write "<passed> <failed> <skipped>" to $1.
#   run.sh OUT BINARY...
# Each binary prints "tu-plan: N", the checks it registered (testutil.h's
# TU_MAIN); one that runs fewer (or none, or crashes) fails.  A check that
# calls tu_skip() appends a line to $S2I_SKIP_LOG and counts as skipped.
out=$1
shift
passed=0
failed=0
skipped=0
echo "running" > "$out"   # summary.sh fails a suite that never finished
# The store the library opens by default (mkimage, verify) is the suite's.
export S2I_STORE=${S2I_STORE:-$(dirname "$out")/../store-unit}
S2I_SKIP_LOG=$(mktemp)
export S2I_SKIP_LOG
trap 'rm -f "$S2I_SKIP_LOG"' EXIT
for t in "$@"; do
  name=$(basename "$t")
  : > "$S2I_SKIP_LOG"
  log=$(CK_FORK=yes "$t" 2>&1)
  st=$?
  echo "$log" | grep -E '^[0-9]+%|:[EF]:' | sed "s|^|$name: |"
  sed -e "s|_fn: |: |" -e "s|^|$name: skipped: |" "$S2I_SKIP_LOG"
  plan=$(echo "$log" | sed -n 's/^tu-plan: \([0-9][0-9]*\)$/\1/p' | head -n 1)
  line=$(echo "$log" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
  n=$(echo "$line" | sed -nE 's/.*Checks: ([0-9]+).*/\1/p')
  f=$(echo "$line" | sed -nE 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/p' |
      awk '{print $1 + $2}')
  s=$(wc -l < "$S2I_SKIP_LOG")
  n=${n:-0} f=${f:-0}
  p=$((n - s - f))
  if [ -z "$line" ] || { [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; }; then
    echo "$name: crashed or gave no result line (exit $st)"
    f=$((f + 1))
  fi
  if [ -z "$plan" ]; then
    echo "$name: printed no plan (its main is not TU_MAIN)"
    f=$((f + 1))
  elif [ "$n" -ne "$plan" ]; then
    echo "$name: registered $plan checks but ran $n"
    f=$((f + 1))
  fi
  [ "$p" -ge 0 ] || p=0
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" > "$out"
[ "$failed" -eq 0 ]
