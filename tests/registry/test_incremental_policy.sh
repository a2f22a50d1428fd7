#!/bin/bash
# --incremental-pull-policy (the original's): where the previous image of an
# incremental build is only in its registry, `never` makes it a clean build
# with a note, the default pulls it; a bad value is a usage error.
. "$(dirname "$0")/common.sh"
t_plan 5

reg_start plain
[ -n "$REG_PORT" ] || { t_fail "the registry did not start"; exit 1; }
tag=127.0.0.1:$REG_PORT/inc/app:1
app_src "$T_DIR/src"
t_check "build and push the first image" "$S2I" build -q --tls-verify=false --push \
  "$T_DIR/src" "$BUILDER" "$tag"

# A second machine: an empty store, the previous image only in the registry.
export S2I_STORE=$T_DIR/store2
"$S2I" build --tls-verify=false --incremental --incremental-pull-policy never \
  "$T_DIR/src" "$BUILDER" "$tag" > "$T_DIR/never.log" 2>&1
t_eq "never: the build succeeds" "$?" 0
t_grep "never: as a clean build, and says so" "No previous image at $tag: a clean build" "$T_DIR/never.log"
"$S2I" build --tls-verify=false --incremental --no-cache "$T_DIR/src" "$BUILDER" "$tag" > "$T_DIR/pull.log" 2>&1
t_grep "the default pulls the previous image" "Reading previous image $tag" "$T_DIR/pull.log"
"$S2I" build --incremental-pull-policy sometimes "$T_DIR/src" "$BUILDER" x:1 > "$T_DIR/bad.log" 2>&1
t_eq "a bad value is a usage error" "$?" 2
