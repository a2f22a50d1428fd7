#!/bin/bash
# .whiskey/server_args parsing, checked through run's dry-run mode
# (S2I_RUN_DRY_RUN=1: write the server config, print the command, exit).
source "$(dirname "$0")/common.sh"

dry() { S2I_RUN_DRY_RUN=1 b_as_user "$BB/run" > "$T_DIR/out" 2>&1; }

b_env seed
mkdir -p "$APP_ROOT/src/.whiskey"
printf -- '--application-type static --document-root /data\n' > "$APP_ROOT/src/.whiskey/server_args"
b_own
t_check "seed server_args line is accepted verbatim" dry
t_grep "seed line: nginx serves /data" 'root "/data";' "$TMPDIR/nginx/nginx.conf"
t_grep "seed line: listens on 8080 by default" 'listen 8080;' "$TMPDIR/nginx/nginx.conf"
t_grep "nginx command uses the TMPDIR prefix" "would exec: /usr/sbin/nginx -p $TMPDIR/nginx/" "$T_DIR/out"
t_grep "dot-directories are never served" 'location ~ /\\\.' "$TMPDIR/nginx/nginx.conf"
t_grep "pid file under TMPDIR" "pid \"$TMPDIR/nginx/nginx.pid\"" "$TMPDIR/nginx/nginx.conf"
t_grep "temp paths under TMPDIR" "client_body_temp_path \"$TMPDIR/nginx/client_body\"" "$TMPDIR/nginx/nginx.conf"
if command -v nginx >/dev/null; then
  t_check "nginx accepts the generated config" b_as_user nginx -t -q -p "$TMPDIR/nginx/" -e stderr -c "$TMPDIR/nginx/nginx.conf"
fi

b_env expand
mkdir -p "$APP_ROOT/src/.whiskey"
cat > "$APP_ROOT/src/.whiskey/server_args" <<'ARGS'
# comment line
--application-type static   # trailing comment
--document-root "$DOCS/site dir" --port ${MYPORT:-9000}
--directory-index 'home.html' --compress-responses
--url-alias /media ${MEDIA}
ARGS
b_own
export DOCS=/srv MEDIA=/srv/media
t_check "quotes, comments and \$VAR expansion" dry
unset DOCS MEDIA
t_grep "\$VAR inside double quotes, with a space" 'root "/srv/site dir";' "$TMPDIR/nginx/nginx.conf"
t_grep "\${VAR:-default} uses the default" 'listen 9000;' "$TMPDIR/nginx/nginx.conf"
t_grep "--directory-index" 'index "home.html";' "$TMPDIR/nginx/nginx.conf"
t_grep "--compress-responses turns gzip on" 'gzip on;' "$TMPDIR/nginx/nginx.conf"
t_grep "--url-alias maps a location" 'alias "/srv/media' "$TMPDIR/nginx/nginx.conf"

b_env nosubst
mkdir -p "$APP_ROOT/src/.whiskey"
echo "--application-type static --document-root \$(touch $T_DIR/pwned)" > "$APP_ROOT/src/.whiskey/server_args"
b_own
if dry; then t_fail "\$(...) must be refused"; else t_ok "\$(...) is refused"; fi
t_grep "\$(...) error says nothing is executed" 'nothing in this file is executed' "$T_DIR/out"
t_check "\$(...) ran nothing" test ! -e "$T_DIR/pwned"
echo '--document-root `touch '"$T_DIR"'/pwned2`' > "$APP_ROOT/src/.whiskey/server_args"
if dry; then t_fail "backticks must be refused"; else t_ok "backticks are refused"; fi
t_check "backticks ran nothing" test ! -e "$T_DIR/pwned2"

b_env unknown
mkdir -p "$APP_ROOT/src/.whiskey"
echo '--application-type static --document-root /data --frobnicate 3' > "$APP_ROOT/src/.whiskey/server_args"
b_own
if dry; then t_fail "unknown option must fail"; else t_ok "unknown option fails at start"; fi
t_grep "the unknown option is named" 'unknown option --frobnicate' "$T_DIR/out"
echo '--processes many' > "$APP_ROOT/src/.whiskey/server_args"
if dry; then t_fail "bad number must fail"; else t_ok "bad --processes value fails"; fi
t_grep "bad value is named" '--processes many' "$T_DIR/out"
echo "--document-root \"/x'y\" --application-type static" > "$APP_ROOT/src/.whiskey/server_args"
if dry; then t_fail "quote in path must fail"; else t_ok "quotes in paths are refused (no config injection)"; fi

b_env wsgiopts
mkdir -p "$APP_ROOT/src/.whiskey" "$APP_ROOT/src/static"
echo 'def app(e, s): pass' > "$APP_ROOT/src/hello.py"
echo '--application-type module --entry-point hello --callable-object app --processes 3 --threads 4 --url-alias /static static --access-log --log-level warn --error-document 404 /missing.html' > "$APP_ROOT/src/.whiskey/server_args"
b_own
t_check "WSGI options accepted" dry
C=$TMPDIR/httpd/httpd.conf
t_grep "WSGIDaemonProcess with processes" 'processes=3' "$C"
t_grep "WSGIDaemonProcess with threads" 'threads=4 ' "$C"
t_grep "python-home is not set without a venv" '^WSGIRestrictEmbedded On' "$C"
t_grep "callable object" "WSGICallableObject 'app'" "$C"
t_grep "url alias to a directory" "Alias '/static' '$APP_ROOT/src/static'" "$C"
t_grep "Listen on 8080" '^Listen 8080' "$C"
t_grep "PidFile under TMPDIR" "PidFile '$TMPDIR/httpd/httpd.pid'" "$C"
t_grep "Mutex under TMPDIR" "Mutex file:$TMPDIR/httpd default" "$C"
t_grep "event MPM" 'mod_mpm_event.so' "$C"
t_grep "error document" "ErrorDocument 404 '/missing.html'" "$C"
t_grep "handler imports the module" "entry_point = 'hello'" "$TMPDIR/httpd/handler.wsgi"
t_grep "apache command" 'would exec: /usr/sbin/apache2 -f' "$T_DIR/out"
if [ -x /usr/sbin/apache2 ]; then
  t_check "apache accepts the generated config" b_as_user /usr/sbin/apache2 -t -f "$C" -d "$TMPDIR/httpd"
fi
