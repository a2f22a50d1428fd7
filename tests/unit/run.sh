#!/bin/sh
# Run the Check unit-test binaries; write "<passed> <failed>" to $1.
out=$1
shift
passed=0
failed=0
for t in "$@"; do
  log=$(CK_FORK=yes "$t" 2>&1)
  st=$?
  echo "$log" | grep -E '^[0-9]+%|:[EF]:' | sed "s|^|$(basename "$t"): |"
  line=$(echo "$log" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
  n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
  f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' |
      awk '{print $1 + $2}')
  if [ -z "$line" ] || [ $st -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
    echo "$(basename "$t"): crashed (exit $st)"
    n=${n:-1}; f=${f:-1}; [ "$f" -eq 0 ] && f=1
  fi
  passed=$((passed + n - f))
  failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
echo "$passed $failed" > "$out"
[ "$failed" -eq 0 ]
