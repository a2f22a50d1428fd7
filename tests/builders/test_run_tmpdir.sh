#!/bin/bash
# Where run writes its server config: only into directories this user
# alone controls, never through a symlink or into a prepared directory.
source "$(dirname "$0")/common.sh"
t_plan 15

dry() { S2I_RUN_DRY_RUN=1 b_as_user "$BB/run" > "$T_DIR/out" 2>&1; }
# The server directory run used, from the printed command line.
used_dir() { sed -n 's|^would exec: .* -d \([^ ]*\) -DFOREGROUND$|\1|p' "$T_DIR/out"; }

b_env tmpdir
mkdir -p "$APP_ROOT/src" "$T_DIR/elsewhere"
touch "$APP_ROOT/src/wsgi.py"
b_own

# A symlink at TMPDIR/httpd: followed before, it sent the config elsewhere.
ln -s "$T_DIR/elsewhere" "$TMPDIR/httpd"
t_check "run works with a symlink at TMPDIR/httpd" dry
t_check "nothing written through the symlink" test -z "$(ls -A "$T_DIR/elsewhere")"
d=$(used_dir)
t_check "a fresh private directory is used instead" test -d "$d" -a ! -L "$d" -a -f "$d/httpd.conf"
t_grep "the refused directory is reported" 'is not a private directory' "$T_DIR/out"
rm -rf "$TMPDIR/httpd" "$TMPDIR"/httpd.*

# A directory others can write (as root: also another user's).
mkdir -m 0777 "$TMPDIR/httpd"
chmod 0777 "$TMPDIR/httpd"
t_check "run works with a world-writable TMPDIR/httpd" dry
t_check "the world-writable directory is not used" test ! -e "$TMPDIR/httpd/httpd.conf"
t_check "the config went to a fresh directory" test -f "$(used_dir)/httpd.conf"
rm -rf "$TMPDIR/httpd" "$TMPDIR"/httpd.*

# Our own directory with a symlink planted at httpd.conf.
mkdir "$TMPDIR/httpd"
ln -s "$T_DIR/victim" "$TMPDIR/httpd/httpd.conf"
b_own
t_check "run works with a symlink at httpd.conf" dry
t_check "the symlink target is not written" test ! -e "$T_DIR/victim"
t_check "httpd.conf is a regular file" test -f "$TMPDIR/httpd/httpd.conf" -a ! -L "$TMPDIR/httpd/httpd.conf"
t_eq "our own TMPDIR/httpd is reused" "$(used_dir)" "$TMPDIR/httpd"

# user_vars copied into a prepared TMPDIR/whiskey would set variables.
mkdir -p "$APP_ROOT/src/.whiskey/action_hooks"
printf '#!/bin/sh\necho "evil=$EVIL"\n' > "$APP_ROOT/src/.whiskey/action_hooks/start"
chmod +x "$APP_ROOT/src/.whiskey/action_hooks/start"
b_own
mkdir -p -m 0777 "$TMPDIR/whiskey/user_vars"
chmod 0777 "$TMPDIR/whiskey" "$TMPDIR/whiskey/user_vars"
echo planted > "$TMPDIR/whiskey/user_vars/EVIL"
b_as_user timeout 20 "$BB/run" > "$T_DIR/out" 2>&1
t_grep "start hook ran" '^evil=' "$T_DIR/out"
b_nogrep "variables planted in a shared TMPDIR/whiskey are not applied" 'evil=planted' "$T_DIR/out"
rm -rf "$APP_ROOT/src/.whiskey"

# No TMPDIR: a private mkdtemp directory under /tmp, not /tmp itself.
unset TMPDIR
dry
d=$(used_dir)
case $d in
/tmp/s2i-run.*/httpd) t_ok "without TMPDIR: config in a private /tmp/s2i-run.* directory" ;;
*) t_fail "without TMPDIR: config went to '$d'" ;;
esac
if [ -n "$d" ] && [ "${d#/tmp/s2i-run.}" != "$d" ]; then
  t_eq "the private directory is mode 0700" "$(stat -c %a "$(dirname "$d")")" 700
  rm -rf "$(dirname "$d")"
fi
export TMPDIR=$B_ROOT/tmp
