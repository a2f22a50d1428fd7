#!/bin/sh
# Static checks: cppcheck, and a cap on function length (lines between a
# function's opening and closing brace at column 0).
set -eu
cd "$(dirname "$0")/.."
status=0
cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
  --suppress=missingIncludeSystem -Is2i/lib -Is2i/engine s2i builders/runtime builders/python/src || status=1
for f in s2i/lib/*.c s2i/engine/*.c s2i/cli/*.c builders/runtime/*.c builders/python/src/*.c; do
  awk -v F="$f" -v MAX=80 '
    /^\{/ { open = NR }
    /^\}/ { if (open && NR - open > MAX) { printf "%s:%d: function of %d lines (max %d)\n", F, open, NR - open, MAX; bad = 1 } open = 0 }
    END { exit bad }' "$f" || status=1
done
# Formatting: `make format` fixes what this reports.
if ! clang-format --dry-run --Werror s2i/*/*.[ch] builders/runtime/*.[ch] \
    builders/python/src/*.[ch] tests/unit/*.[ch] 2>/dev/null; then
  echo "clang-format: run 'make format'" >&2
  status=1
fi
exit $status
