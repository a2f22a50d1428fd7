#!/bin/bash
# builders/runtime/s2i_identity.h, the contract the init and the NSS module
# share: compiled with both compilers that build them (musl for the init,
# gcc for the module) and checked case by case (identity_check.c).
. "$(dirname "$0")/../lib.sh"
t_plan 46

SRC=$TOP/tests/runtime_identity/identity_check.c
for cc in "${MUSL_CC:-musl-gcc}" "${NSS_S2I_CC:-gcc}"; do
  if ! command -v "$cc" >/dev/null; then
    t_fail "$cc is missing (scripts/deps.sh installs it)"; continue
  fi
  bin=$T_DIR/check-$(basename "$cc")
  if ! "$cc" -std=c11 -Wall -Wextra -Werror -I"$TOP/builders/runtime" \
      -o "$bin" "$SRC" > "$T_DIR/cc.log" 2>&1; then
    t_fail "$cc compiles identity_check.c"; sed 's/^/    # /' "$T_DIR/cc.log"; continue
  fi
  "$bin" > "$T_DIR/out"
  st=$?
  while read -r res rest; do
    if [ "$res" = ok ]; then t_ok "$cc: ${rest#- }"; else t_fail "$cc: ${rest#ok - }"; fi
  done < "$T_DIR/out"
  t_eq "$cc: identity_check exits 0" "$st" 0
done
