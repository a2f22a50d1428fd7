#!/bin/bash
# make lint: each static check of scripts/lint.sh as one test.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
t_plan 3

for step in cppcheck length format; do
  t_check "lint: $step" "$TOP/scripts/lint.sh" "$step"
done
