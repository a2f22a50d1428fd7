#!/bin/sh
# Sum the "<passed> <failed> <skipped>" files the suites wrote into DIR and
# print one line per suite and the total.
#   summary.sh DIR [SUITE...]
# With SUITE names, a suite without a result file is a failure too.  A file
# that is not three numbers (a runner that never finished) is a failure.
dir=$1
shift
passed=0
failed=0
skipped=0
bad=0
num() { case "$1" in '' | *[!0-9]*) return 1 ;; esac; }
for s in "$@"; do
  [ -f "$dir/$s" ] || { echo "  $s: no result (the suite did not run)"; bad=1; }
done
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  p='' fl='' sk=''
  read -r p fl sk rest < "$f"
  if ! num "$p" || ! num "$fl" || ! num "$sk" || [ -n "$rest" ]; then
    echo "  $(basename "$f"): did not finish ($(head -c 60 "$f"))"; bad=1; continue
  fi
  echo "  $(basename "$f"): $p passed, $fl failed, $sk skipped"
  passed=$((passed + p))
  failed=$((failed + fl))
  skipped=$((skipped + sk))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$bad" -eq 0 ]
