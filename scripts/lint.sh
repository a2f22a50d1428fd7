#!/bin/sh
# Static checks, one per argument (default: all of them):
#   cppcheck   cppcheck's warnings and portability checks on all C
#   length     no function longer than 80 lines (opening to closing brace
#              at column 0)
#   format     clang-format --dry-run (`make format` fixes what it reports)
# tests/lint/ runs each as one test of `make check`.
set -eu
cd "$(dirname "$0")/.."

C_DIRS="s2i hooks builders/runtime builders/python/src"
C_FILES=$(find $C_DIRS tests/unit -name '*.[ch]' | sort)

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "lint: $1 is not installed (scripts/deps.sh installs it)" >&2
  exit 1
}

lint_cppcheck() {
  need cppcheck
  # shellcheck disable=SC2086
  cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
    --suppress=missingIncludeSystem -Is2i/lib -Is2i/engine -Ihooks $C_DIRS
}

lint_length() {
  status=0
  for f in $(find $C_DIRS -name '*.c' | sort); do
    awk -v F="$f" -v MAX=80 '
      /^\{/ { open = NR }
      /^\}/ { if (open && NR - open > MAX) { printf "%s:%d: function of %d lines (max %d)\n", F, open, NR - open, MAX; bad = 1 } open = 0 }
      END { exit bad }' "$f" || status=1
  done
  return $status
}

lint_format() {
  need clang-format
  # shellcheck disable=SC2086
  if ! clang-format --dry-run --Werror $C_FILES; then
    echo "clang-format: run 'make format'" >&2
    return 1
  fi
}

status=0
for step in ${@:-cppcheck length format}; do
  for s in $step; do
    case $s in
      cppcheck | length | format) "lint_$s" || status=1 ;;
      *) echo "lint: unknown check '$s' (cppcheck, length, format)" >&2; exit 2 ;;
    esac
  done
done
exit $status
