#!/bin/bash
# assemble and save-artifacts on this host against temporary directories.
source "$(dirname "$0")/common.sh"
t_plan 61
t_need /usr/bin/python3

b_env hooks
b_venv
S=$S2I_DESTINATION/src
mkdir -p "$S/.whiskey/action_hooks" "$S/pkg"
echo 'x = 1' > "$S/pkg/mod.py"
echo 'from pkg.mod import x' > "$S/wsgi.py"
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
echo 'print(1)' > "$S2I_DESTINATION/src/app.py"
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

# --- nothing to run fails the build, naming what chooses ----------------
# b_fails NAME RE...: assemble must fail and print every RE.
b_fails() {
  local name=$1 re
  shift
  b_assemble > "$T_DIR/f.log" 2>&1
  t_eq "$name: the build fails" "$?" 1
  for re in "$@"; do t_grep "$name: says $re" "$re" "$T_DIR/f.log"; done
}
# b_builds NAME: assemble must succeed.
b_builds() {
  local rc
  b_assemble > "$T_DIR/g.log" 2>&1
  rc=$?
  t_eq "$1: the build succeeds" "$rc" 0
  [ "$rc" = 0 ] || sed 's/^/    # /' "$T_DIR/g.log" | tail -n 5
}

b_env nothing
echo 'DEBUG = True' > "$S2I_DESTINATION/src/settings.py"
b_fails "no app" 'looked for .*APPLICATION_TYPE=static.*APP_MODULE.*app.py.*wsgi.py.*index.html' \
  'set APP_MODULE=module:callable, APP_FILE=file.py or APPLICATION_TYPE=static' \
  '.whiskey/server_args' 'nothing to run: failing the build now'
t_check "no app: nothing byte-compiled after the failure" test ! -e "$APP_ROOT/src/__pycache__"

b_env static-detected
mkdir -p "$S2I_DESTINATION/src/css"
echo '<h1>hi</h1>' > "$S2I_DESTINATION/src/index.htm"
echo 'body{}' > "$S2I_DESTINATION/src/css/site.css"
b_builds "index.htm and no Python: a static site"

b_env static-with-py
mkdir -p "$S2I_DESTINATION/src/tools"
echo '<h1>hi</h1>' > "$S2I_DESTINATION/src/index.html"
echo 'print(1)' > "$S2I_DESTINATION/src/tools/gen.py"
b_fails "index.html next to Python files" 'APPLICATION_TYPE=static'
APPLICATION_TYPE=static b_builds "the same with APPLICATION_TYPE=static"
APPLICATION_TYPE=wsgi b_fails "APPLICATION_TYPE=wsgi" 'APPLICATION_TYPE=wsgi: the only value is static'

b_env static-empty
mkdir -p "$S2I_DESTINATION/src/.whiskey"
echo '--application-type static --document-root ${WHISKEY_DATADIR}' > "$S2I_DESTINATION/src/.whiskey/server_args"
b_fails "server_args static, empty document root" "document root $WHISKEY_DATADIR is empty after the build" \
  'action_hooks/build' 'DOCUMENT_ROOT'
APPLICATION_TYPE=static DOCUMENT_ROOT=public b_fails "APPLICATION_TYPE=static, DOCUMENT_ROOT missing" \
  "document root $WHISKEY_DATADIR is empty"
rm "$S2I_DESTINATION/src/.whiskey/server_args" "$APP_ROOT/src/.whiskey/server_args"
APPLICATION_TYPE=static DOCUMENT_ROOT=public b_fails "DOCUMENT_ROOT=public not built" \
  "document root $APP_ROOT/src/public does not exist"

b_env wsgi-missing
mkdir -p "$S2I_DESTINATION/src/.whiskey"
echo '--processes 2' > "$S2I_DESTINATION/src/.whiskey/server_args"
echo 'x = 1' > "$S2I_DESTINATION/src/main.py"
b_fails "server_args without an entry point, no wsgi.py" 'no WSGI application in .*APP_MODULE.*wsgi.py'
echo '--procesess 2' > "$S2I_DESTINATION/src/.whiskey/server_args"
b_fails "a misspelt server_args option" 'unknown option --procesess'
echo '--processes 2 app/wsgi.py' > "$S2I_DESTINATION/src/.whiskey/server_args"
b_fails "server_args naming a missing script" "the WSGI script $APP_ROOT/src/app/wsgi.py does not exist"
echo '--processes 2 main.py' > "$S2I_DESTINATION/src/.whiskey/server_args"
b_builds "server_args naming the entry point"
rm "$S2I_DESTINATION/src/.whiskey/server_args" "$APP_ROOT/src/.whiskey/server_args"
APP_MODULE=main b_builds "APP_MODULE set"

b_as_user "$BB/usage" > "$T_DIR/usage.txt"
t_grep "usage shows a sample s2i build" 's2i build https://' "$T_DIR/usage.txt"
S2I_BUILDER=lektor "$BB/usage" > "$T_DIR/usage2.txt"
t_grep "lektor usage" 'lektor build' "$T_DIR/usage2.txt"
S2I_BUILDER=python-runtime "$BB/usage" > "$T_DIR/usage3.txt"
t_grep "python-runtime usage: an extended build" 'runtime-image builders/python-runtime.tar' "$T_DIR/usage3.txt"

# assemble-runtime (the python-runtime image): after s2i copied the
# builder's app and venv, it checks them and what there is to run.
b_env runtime
b_venv
rt() { b_own; b_as_user "$BB/assemble-runtime" > "$T_DIR/rt.log" 2>&1; }
rt
t_eq "assemble-runtime with nothing copied: fails" "$?" 1
t_grep "nothing copied: the error names the label and -a" \
  "no application in $APP_ROOT/src: .*io.openshift.s2i.assemble-input-files label, or -a $APP_ROOT/src:." "$T_DIR/rt.log"
mkdir -p "$APP_ROOT/src" && echo 'x = 1' > "$APP_ROOT/src/main.py"
rt
t_eq "assemble-runtime with an app but nothing to run: fails" "$?" 1
t_grep "nothing to run: said as assemble says it" 'the image would have nothing to run' "$T_DIR/rt.log"
echo 'application = None' > "$APP_ROOT/src/wsgi.py"
rt
t_eq "assemble-runtime with the app and venv in place: succeeds" "$?" 0
t_grep "assemble-runtime says what is in place" "Application and its virtual environment from the builder in place in $APP_ROOT" "$T_DIR/rt.log"
rm -rf "$APP_ROOT/venv"
rt
t_eq "assemble-runtime without the venv: fails" "$?" 1
t_grep "no venv: the error names it" "no virtual environment in $APP_ROOT/venv" "$T_DIR/rt.log"
