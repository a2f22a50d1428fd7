#!/bin/bash
# assemble and save-artifacts on this host against temporary directories.
source "$(dirname "$0")/common.sh"
t_plan 24
t_need /usr/bin/python3

b_env hooks
b_venv
S=$S2I_DESTINATION/src
mkdir -p "$S/.whiskey/action_hooks" "$S/pkg"
echo 'x = 1' > "$S/pkg/mod.py"
echo 'Lektor' > "$S/requirements.txt"   # satisfied by Debian's lektor: pip needs no network
printf '#!/bin/sh\necho pre-build ran in $(pwd)\n' > "$S/.whiskey/action_hooks/pre-build"
printf '#!/bin/sh\necho build ran; echo built > "$WHISKEY_DATADIR/out.txt"\n' > "$S/.whiskey/action_hooks/build"
chmod +x "$S/.whiskey/action_hooks/pre-build" "$S/.whiskey/action_hooks/build"
b_assemble > "$T_DIR/a.log" 2>&1
t_eq "assemble succeeds" "$?" 0
t_check "source copied into the app root" test -f "$APP_ROOT/src/pkg/mod.py"
t_check "hooks keep their mode" test -x "$APP_ROOT/src/.whiskey/action_hooks/build"
t_grep "pre-build hook runs from the app root" "pre-build ran in $APP_ROOT/src" "$T_DIR/a.log"
t_grep "pip output is streamed" 'Requirement already satisfied: Lektor' "$T_DIR/a.log"
t_check "build hook wrote the data dir" grep -q built "$WHISKEY_DATADIR/out.txt"
t_check "app byte-compiled" bash -c "ls $APP_ROOT/src/pkg/__pycache__/mod.*.pyc"
t_check "pre-build ran before pip, pip before build" \
  bash -c "grep -n -e 'pre-build ran' -e 'Installing dependencies' -e 'build ran' $T_DIR/a.log | cut -d: -f1 | sort -n -c"

b_env noexec
mkdir -p "$S2I_DESTINATION/src/.whiskey/action_hooks"
printf '#!/bin/sh\ntouch %s/ran\n' "$T_DIR" > "$S2I_DESTINATION/src/.whiskey/action_hooks/build"
chmod 644 "$S2I_DESTINATION/src/.whiskey/action_hooks/build"
b_assemble > "$T_DIR/b.log" 2>&1
t_eq "non-executable hook does not fail the build" "$?" 0
t_grep "non-executable hook gets a warning naming it" 'WARNING: hook .whiskey/action_hooks/build is not executable' "$T_DIR/b.log"
t_check "non-executable hook did not run" test ! -e "$T_DIR/ran"

b_env failing
mkdir -p "$S2I_DESTINATION/src/.whiskey/action_hooks"
printf '#!/bin/sh\necho "compiling assets"\necho "boom: missing thing" >&2\nexit 3\n' > "$S2I_DESTINATION/src/.whiskey/action_hooks/build"
chmod 755 "$S2I_DESTINATION/src/.whiskey/action_hooks/build"
b_assemble > "$T_DIR/c.log" 2>&1
t_eq "failing build hook fails assemble with its exit code" "$?" 3
t_grep "failure names the hook and exit status" 'hook .whiskey/action_hooks/build failed with exit status 3' "$T_DIR/c.log"
t_grep "hook output is visible" 'boom: missing thing' "$T_DIR/c.log"

b_env missing-src
rmdir "$S2I_DESTINATION/src"
b_assemble > "$T_DIR/d.log" 2>&1
t_eq "no source fails" "$?" 1
t_grep "missing source is named" "no application source at $S2I_DESTINATION/src" "$T_DIR/d.log"

b_env artifacts
mkdir -p "$APP_ROOT/.cache/pip/http/a/b" "$APP_ROOT/.cache/pip/wheels/ab/cd/ef/$(printf '%064d' 7)"
echo cached > "$APP_ROOT/.cache/pip/http/a/b/entry"
echo wheel > "$APP_ROOT/.cache/pip/wheels/ab/cd/ef/$(printf '%064d' 7)/a-very-long-wheel-name-1.0-py3-none-any.whl"
b_own
b_as_user "$BB/save-artifacts" > "$T_DIR/art.tar"
t_eq "save-artifacts succeeds" "$?" 0
t_check "tar lists the pip cache" bash -c "tar -tf $T_DIR/art.tar | grep -qx pip-cache/http/a/b/entry"
t_check "long names survive (pax)" bash -c "tar -tf $T_DIR/art.tar | grep -q 'a-very-long-wheel-name-1.0-py3-none-any.whl\$'"
mkdir -p "$S2I_DESTINATION/artifacts"
tar -xf "$T_DIR/art.tar" -C "$S2I_DESTINATION/artifacts"
rm -rf "$APP_ROOT/.cache"
echo 'x=1' > "$S2I_DESTINATION/src/app.py"
b_assemble > "$T_DIR/e.log" 2>&1
t_grep "assemble restores the pip cache" 'Restoring pip cache' "$T_DIR/e.log"
t_check "restored file present" grep -q cached "$APP_ROOT/.cache/pip/http/a/b/entry"
rm -rf "$APP_ROOT/.cache"
b_as_user "$BB/save-artifacts" > "$T_DIR/empty.tar"
t_check "no cache: an empty, valid tar" bash -c "tar -tf $T_DIR/empty.tar && [ \$(stat -c %s $T_DIR/empty.tar) -eq 1024 ]"

b_as_user "$BB/usage" > "$T_DIR/usage.txt"
t_grep "usage shows a sample s2i build" 's2i build https://' "$T_DIR/usage.txt"
S2I_BUILDER=lektor "$BB/usage" > "$T_DIR/usage2.txt"
t_grep "lektor usage" 'lektor build' "$T_DIR/usage2.txt"
