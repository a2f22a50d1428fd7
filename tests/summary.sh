#!/bin/sh
# Sum the "<passed> <failed>" files the suites wrote; print the closing line.
dir=$1
passed=0
failed=0
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  read -r p fl < "$f"
  echo "  $(basename "$f"): $p passed, $fl failed"
  passed=$((passed + p))
  failed=$((failed + fl))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
