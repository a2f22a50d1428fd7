# Shared setup for tests/builders: runs the builder programs on this
# host against temporary directories, as uid 1001 gid 0 when root (the
# image's user), through the env overrides the programs honour.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

BB=${S2I_BUILDER_BIN:-$BUILD/builders/bin}
LEKTOR_DEFAULTS=$TOP/builders/lektor/whiskey
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
chmod 755 "$T_DIR"

# b_env NAME: a fresh app tree $T_DIR/NAME with dest/src, data, tmp.
b_env() {
  B_ROOT=$T_DIR/$1
  mkdir -p "$B_ROOT/dest/src" "$B_ROOT/data" "$B_ROOT/tmp" "$B_ROOT/app-root"
  chmod 0700 "$B_ROOT/tmp"
  export APP_ROOT=$B_ROOT/app-root S2I_DESTINATION=$B_ROOT/dest \
    WHISKEY_DATADIR=$B_ROOT/data TMPDIR=$B_ROOT/tmp \
    WHISKEY_DEFAULTS=$B_ROOT/no-defaults HOME=$B_ROOT/app-root/src
  unset APP_MODULE APP_FILE APP_HOME APP_SCRIPT PORT
}

# b_venv: the image's venv, made once per test file and copied.
b_venv() {
  if [ ! -d "$T_DIR/venv-template" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$T_DIR/venv-template"
  fi
  cp -a "$T_DIR/venv-template" "$APP_ROOT/venv"
}

b_own() { [ "$(id -u)" = 0 ] && chown -R 1001:0 "$B_ROOT"; return 0; }

# b_as_user CMD...: runs CMD as the image's user.
b_as_user() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid 1001 --regid 0 --clear-groups -- "$@"
  else
    "$@"
  fi
}

b_assemble() { b_own; b_as_user "$BB/assemble"; }

# b_start LOG: starts run in the background (output piped, as a container
# runtime does), sets B_PORT and B_PID; b_stop kills it.
b_start() {
  # run takes its port from $PORT and does not report it: a guessed one.
  B_PORT=$(t_port)
  export PORT=$B_PORT
  b_own
  # Own process group, so b_stop reaches every process run started.
  B_PGID_FILE=$T_DIR/pgid.$B_PORT
  setsid -w bash -c "echo \$\$ > '$B_PGID_FILE'; $(declare -f b_as_user); b_as_user '$BB/run' 2>&1 | cat > '$1'" &
  B_PID=$!
  t_defer "b_stop"
}

b_stop() {
  local f
  for f in "$TMPDIR/nginx/nginx.pid" "$TMPDIR/httpd/httpd.pid"; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  [ -s "${B_PGID_FILE:-}" ] && kill -- -"$(cat "$B_PGID_FILE")" 2>/dev/null
  wait "$B_PID" 2>/dev/null
  rm -f "$TMPDIR/nginx/nginx.pid" "$TMPDIR/httpd/httpd.pid"
  return 0
}

b_url() { echo "http://127.0.0.1:$B_PORT$1"; }

# b_nogrep NAME RE FILE: passes when FILE has no line matching RE.
b_nogrep() {
  if grep -Eq -- "$2" "$3"; then
    t_fail "$1 (/$2/ found in $3)"; grep -E -- "$2" "$3" | sed 's/^/    # /' | head -n 5
  else t_ok "$1"; fi
}

# b_refused NAME RE: dry run must fail, print RE and write no server config.
b_refused() {
  rm -rf "$TMPDIR"/httpd* "$TMPDIR"/nginx*
  if S2I_RUN_DRY_RUN=1 b_as_user "$BB/run" > "$T_DIR/out" 2>&1; then
    t_fail "$1: run must fail"
  else t_ok "$1: run fails at start"; fi
  t_grep "$1: the error names it" "$2" "$T_DIR/out"
  if compgen -G "$TMPDIR/httpd*" >/dev/null || compgen -G "$TMPDIR/nginx*" >/dev/null; then
    t_fail "$1: a server config was written"
  else t_ok "$1: no server config written"; fi
}
