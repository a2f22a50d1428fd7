#!/bin/bash
# .whiskey/server_args parsing, checked through run's dry-run mode
# (S2I_RUN_DRY_RUN=1: write the server config, print the command, exit).
source "$(dirname "$0")/common.sh"
t_plan 135

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
else
  t_skip "nginx is not installed: the generated config is not tried"
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
t_grep "the quoted path error names --document-root" "^run: error: .*--document-root /x'y: quotes" "$T_DIR/out"

b_env wsgiopts
mkdir -p "$APP_ROOT/src/.whiskey" "$APP_ROOT/src/static"
echo 'def app(e, s): pass' > "$APP_ROOT/src/hello.py"
echo '--application-type module --entry-point hello --callable-object app --processes 3 --threads 4 --url-alias /static static --access-log --log-level warn --error-document 404 /missing.html' > "$APP_ROOT/src/.whiskey/server_args"
b_own
t_check "WSGI options accepted" dry
C=$TMPDIR/httpd/httpd.conf
t_grep "embedded mode: --processes 3 gives three Apache children" '^ServerLimit 3$' "$C"
t_grep "embedded mode: children share max clients 100 (34 threads each)" '^ThreadsPerChild 34$' "$C"
b_nogrep "embedded mode: no WSGIDaemonProcess" 'WSGIDaemonProcess' "$C"
t_grep "embedded mode: the handler runs in Apache's children" 'process-group=%\{GLOBAL\} application-group=%\{GLOBAL\}' "$C"
b_nogrep "python-home is not set without a venv" 'python-home|WSGIPythonHome' "$C"
t_grep "callable object" "WSGICallableObject 'app'" "$C"
t_grep "url alias to a directory" "Alias '/static' '$APP_ROOT/src/static'" "$C"
t_grep "Listen on 8080" '^Listen 8080' "$C"
t_grep "PidFile under TMPDIR" "PidFile '$TMPDIR/httpd/httpd.pid'" "$C"
t_grep "Mutex under TMPDIR" "Mutex file:$TMPDIR/httpd default" "$C"
t_grep "embedded mode: worker MPM" 'mod_mpm_worker.so' "$C"
t_grep "error document" "ErrorDocument 404 '/missing.html'" "$C"
t_grep "handler imports the module" "entry_point = 'hello'" "$TMPDIR/httpd/handler.wsgi"
t_grep "apache command" 'would exec: /usr/sbin/apache2 -f' "$T_DIR/out"
if [ -x /usr/sbin/apache2 ]; then
  t_check "apache accepts the generated config" b_as_user /usr/sbin/apache2 -t -f "$C" -d "$TMPDIR/httpd"
fi

# --- daemon mode: --daemon-mode, WSGI_MODE, or a daemon-only option -------
b_env daemonmode
mkdir -p "$APP_ROOT/src/.whiskey"
echo 'application = None' > "$APP_ROOT/src/wsgi.py"
echo '--daemon-mode --processes 3 --threads 4' > "$APP_ROOT/src/.whiskey/server_args"
b_own
t_check "--daemon-mode accepted" dry
C=$TMPDIR/httpd/httpd.conf
t_grep "--daemon-mode: WSGIDaemonProcess with processes" 'processes=3' "$C"
t_grep "--daemon-mode: WSGIDaemonProcess with threads" 'threads=4 ' "$C"
t_grep "--daemon-mode: event MPM" 'mod_mpm_event.so' "$C"
t_grep "--daemon-mode: the handler runs in the daemon" "process-group='app'" "$C"
if [ -x /usr/sbin/apache2 ]; then
  t_check "apache accepts the daemon-mode config" b_as_user /usr/sbin/apache2 -t -f "$C" -d "$TMPDIR/httpd"
else t_skip "no /usr/sbin/apache2 on this host" 1; fi
echo '--request-timeout 30' > "$APP_ROOT/src/.whiskey/server_args"
dry
t_grep "a daemon-only option (--request-timeout) selects daemon mode" 'request-timeout=30 ' "$C"
echo '--request-timeout 30 --embedded-mode' > "$APP_ROOT/src/.whiskey/server_args"
dry
b_nogrep "--embedded-mode wins over a daemon-only option" 'WSGIDaemonProcess' "$C"
rm "$APP_ROOT/src/.whiskey/server_args"
WSGI_MODE=daemon dry
t_grep "WSGI_MODE=daemon: a WSGIDaemonProcess" 'WSGIDaemonProcess' "$C"
WSGI_MODE=embedded dry
b_nogrep "WSGI_MODE=embedded: no WSGIDaemonProcess" 'WSGIDaemonProcess' "$C"
WSGI_MODE=fast dry
t_eq "WSGI_MODE=fast: run fails" "$?" 1
t_grep "WSGI_MODE=fast: the error names it and the choices" 'WSGI_MODE=fast: expected embedded or daemon' "$T_DIR/out"
echo '--daemon-mode --embedded-mode' > "$APP_ROOT/src/.whiskey/server_args"
dry
t_grep "both modes: the error says to choose" '--embedded-mode and --daemon-mode: choose one' "$T_DIR/out"

# --- values from the environment pass the same gate -----------------------
nl=$'\n'
b_env envgate
mkdir -p "$APP_ROOT/src/pkg" "$APP_ROOT/src/sub" "$APP_ROOT/src/.whiskey"
touch "$APP_ROOT/src/pkg/__init__.py" "$APP_ROOT/src/wsgi.py"
b_own
for bad in "x'; open('/nonexistent/pwned','w'); '" "x:app${nl}LoadModule evil /x" 'pkg$x:app' 'pkg:app()' 'pkg:a.b'; do
  export APP_MODULE=$bad
  b_refused "APP_MODULE $(printf %q "$bad")" '^run: error: APP_MODULE: '
  t_grep "APP_MODULE $(printf %q "$bad"): says module:callable" 'is not module:callable' "$T_DIR/out"
done
unset APP_MODULE
for bad in "sub'x" "sub${nl}x" 'a$http_x' 'sub;x' 'sub{x}'; do
  # The directory exists: only the check can refuse it.
  mkdir -p "$APP_ROOT/src/$bad"
  touch "$APP_ROOT/src/$bad/wsgi.py"
  b_own
  export APP_HOME=$bad
  b_refused "APP_HOME $(printf %q "$bad")" '^run: error: APP_HOME:? .*(not allowed|control character)'
done
unset APP_HOME
APP_ROOT_SAVED=$APP_ROOT
export APP_ROOT="$APP_ROOT_SAVED/x'y"
b_refused "APP_ROOT with a quote" "^run: error: APP_ROOT .*: quotes"
export APP_ROOT=$APP_ROOT_SAVED TMPDIR=relative/tmp
b_refused "relative TMPDIR" '^run: error: TMPDIR relative/tmp: not an absolute path'
export TMPDIR=$B_ROOT/tmp
export APP_MODULE=pkg.sub_mod:make_app APP_HOME=./
t_check "dotted APP_MODULE with a callable is accepted" dry
t_grep "APP_MODULE module in handler.wsgi" "^entry_point = 'pkg.sub_mod'$" "$TMPDIR/httpd/handler.wsgi"
t_grep "APP_MODULE callable in handler.wsgi" "^callable_object = 'make_app'$" "$TMPDIR/httpd/handler.wsgi"
unset APP_MODULE APP_HOME
echo '--application-type module --entry-point "os.system(1)"' > "$APP_ROOT/src/.whiskey/server_args"
b_own
b_refused "--entry-point module with ()" '--entry-point os.system\(1\): not a Python module name'
echo '--callable-object app.x' > "$APP_ROOT/src/.whiskey/server_args"
b_refused "--callable-object with a dot" '--callable-object app.x: not a Python identifier'

# --- --error-document and ${ in text values --------------------------------
b_env textgate
mkdir -p "$APP_ROOT/src/.whiskey"
touch "$APP_ROOT/src/wsgi.py"
b_own
for st in '404 x' 404x +404 ' 404' 4040 40 200; do
  echo "--error-document '$st' /e.html" > "$APP_ROOT/src/.whiskey/server_args"
  b_refused "--error-document status $st" '--error-document .*expected a status 300-599'
done
echo "--access-log --access-log-format '%h \${HOME}'" > "$APP_ROOT/src/.whiskey/server_args"
b_refused "\${ in --access-log-format" "--access-log-format %h \\$\\{HOME\\}: '\\$\\{' is not allowed"
echo "--setenv A 'x\${PATH}'" > "$APP_ROOT/src/.whiskey/server_args"
b_refused "\${ in --setenv" "--setenv x\\$\\{PATH\\}: '\\$\\{' is not allowed"
cat > "$APP_ROOT/src/.whiskey/server_args" <<'ARGS'
--access-log --access-log-format '%h "%r" it'\''s a\b $x' --setenv "A'B" "b'c\\d"
ARGS
b_own
t_check "quotes and backslashes in text values are accepted" dry
C=$TMPDIR/httpd/httpd.conf
q="'" bs='\\'
t_grep "LogFormat single-quoted and escaped" "^LogFormat ${q}%h \"%r\" it${bs}${q}s a${bs}${bs}b [$]x${q} custom\$" "$C"
t_grep "SetEnv single-quoted and escaped" "^SetEnv ${q}A${bs}${q}B${q} ${q}b${bs}${q}c${bs}${bs}d${q}\$" "$C"
if [ -x /usr/sbin/apache2 ]; then
  t_check "apache accepts the escaped values" b_as_user /usr/sbin/apache2 -t -f "$C" -d "$TMPDIR/httpd"
fi
