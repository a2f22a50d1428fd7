#!/bin/bash
# The python builder end to end (issue 4): WSGI apps built with s2i and
# served by Apache httpd + mod_wsgi from the image under hostile podman
# settings; APP_MODULE, APP_HOME and PORT at run time; .whiskey/server_args
# options; an unknown option; a failing build hook.
# shellcheck source=builders_common.sh
. "$(dirname "$0")/builders_common.sh"
t_plan 76
bld_builders

# --- One image, several ways to run it: wsgi.py at the top, a module with
# another callable, and a second app in a sub-directory for APP_HOME.
app=$T_DIR/app
bld_wsgi "$app/wsgi.py" application 'Hello World!'
bld_wsgi "$app/hello.py" app 'Hello from hello:app'
bld_wsgi "$app/api/wsgi.py" application 'Hello from APP_HOME'
bld_wsgi "$app/api/greet.py" app 'Hello from api/greet:app'
fx_commit "$app" site
bld_image hello "$app" "$PY_TAR"
rm -f "$IMG_TAR"
hello=$IMG

bld_run hello "$hello"
bld_up "wsgi.py: served as uid $UIDN on a read-only root with a 0777 /tmp" /
t_eq "wsgi.py: GET / status" "$(bld_get /)" 200
t_eq "wsgi.py: GET / body" "$(cat "$T_DIR/body")" 'Hello World!'
t_eq "wsgi.py: Content-Type from the app" "$(bld_hdr Content-Type)" 'text/plain; charset=utf-8'
t_eq "wsgi.py: served by Apache" "$(bld_hdr Server | cut -d/ -f1)" Apache
t_eq "wsgi.py: any path goes to the app" "$(bld_get /some/path; cat "$T_DIR/body")" '200Hello World!'
podman logs "$CID" > "$T_DIR/hello.run.log" 2>&1
t_grep "wsgi.py: the log says what is served and how" \
  'Serving WSGI script .*/wsgi\.py with Apache httpd \+ mod_wsgi on port 8080' "$T_DIR/hello.run.log"
conf=$(find "$EMPTYDIR" -name httpd.conf 2>/dev/null | head -n 1)
t_grep "wsgi.py: embedded mode by default (worker MPM)" 'mod_mpm_worker\.so' "${conf:-/dev/null}"
if [ -n "$conf" ] && ! grep -q WSGIDaemonProcess "$conf"; then t_ok "wsgi.py: no daemon process by default"; else
  t_fail "wsgi.py: a WSGIDaemonProcess in the default config (${conf:-no httpd.conf found})"; fi
bld_stop

bld_run module "$hello" -e APP_MODULE=hello:app
bld_up "APP_MODULE=hello:app: container answers" /
t_eq "APP_MODULE=hello:app: the module's callable answers" "$(bld_get /; cat "$T_DIR/body")" '200Hello from hello:app'
bld_stop

bld_run home "$hello" -e APP_HOME=api
bld_up "APP_HOME=api: container answers" /
t_eq "APP_HOME=api: the sub-directory's wsgi.py answers" "$(bld_get /; cat "$T_DIR/body")" '200Hello from APP_HOME'
bld_stop

bld_run home-module "$hello" -e APP_HOME=api -e APP_MODULE=greet:app
bld_up "APP_HOME=api APP_MODULE=greet:app: container answers" /
t_eq "APP_HOME=api APP_MODULE=greet:app: the module is found in APP_HOME" \
  "$(bld_get /; cat "$T_DIR/body")" '200Hello from api/greet:app'
bld_stop

CPORT=9090 bld_run port "$hello" -e PORT=9090 -p "127.0.0.1::8080"
port8080=$(t_podman_port "$CID" 8080)
bld_up "PORT=9090: the container answers on 9090" /
t_eq "PORT=9090: the app answers there" "$(bld_get /; cat "$T_DIR/body")" '200Hello World!'
t_eq "PORT=9090: nothing listens on 8080" \
  "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port8080/" || true)" 000
podman logs "$CID" > "$T_DIR/port.run.log" 2>&1
t_grep "PORT=9090: the log names the port" 'on port 9090' "$T_DIR/port.run.log"
bld_stop

# --- .whiskey/server_args: static files beside a WSGI app, daemon mode
# with processes and threads.  The app reports what mod_wsgi says it runs with.
args=$T_DIR/args
mkdir -p "$args/static" "$args/.whiskey"
cat > "$args/wsgi.py" <<'PY'
import mod_wsgi
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("Hello World! processes=%d threads=%d" % (
        mod_wsgi.maximum_processes, mod_wsgi.threads_per_process)).encode()]
PY
echo 'body { color: #123456 }' > "$args/static/site.css"
echo 'plain text beside the app' > "$args/static/hello.txt"
cat > "$args/.whiskey/server_args" <<'ARGS'
# mod_wsgi-express options, one group a line
--url-alias /static ./static
--daemon-mode --processes 2 --threads 3
wsgi.py
ARGS
fx_commit "$args" site
bld_image args "$args" "$PY_TAR"
rm -f "$IMG_TAR"
bld_run args "$IMG"
bld_up "server_args: container answers" /
t_eq "server_args: the WSGI app answers with --processes 2 --threads 3" \
  "$(bld_get /; cat "$T_DIR/body")" '200Hello World! processes=2 threads=3'
nproc=$(podman exec "$CID" sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " < "$f"; echo; done' |
  grep -c '^(wsgi:app)')
t_eq "server_args: two mod_wsgi daemon processes run" "$nproc" 2
conf=$(find "$EMPTYDIR" -name httpd.conf 2>/dev/null | head -n 1)
t_check "server_args: Apache's config was generated under /tmp" test -f "$conf"
t_grep "server_args: WSGIDaemonProcess has processes=2" 'processes=2' "$conf"
t_grep "server_args: WSGIDaemonProcess has threads=3" 'threads=3' "$conf"
t_eq "--url-alias: /static/site.css status" "$(bld_get /static/site.css)" 200
t_eq "--url-alias: /static/site.css is the file" "$(cat "$T_DIR/body")" 'body { color: #123456 }'
t_eq "--url-alias: /static/site.css Content-Type" "$(bld_hdr Content-Type | cut -d';' -f1)" text/css
t_check "--url-alias: /static/site.css has an ETag" test -n "$(bld_hdr ETag)"
t_check "--url-alias: /static/site.css has a Last-Modified" test -n "$(bld_hdr Last-Modified)"
t_eq "--url-alias: Range gives 206" "$(bld_get /static/site.css -H 'Range: bytes=0-3')" 206
t_eq "--url-alias: Range gives the bytes" "$(cat "$T_DIR/body")" 'body'
t_eq "--url-alias: /static/hello.txt" "$(bld_get /static/hello.txt; bld_hdr Content-Type | cut -d';' -f1)" 200text/plain
t_eq "--url-alias: a missing static file is 404" "$(bld_get /static/missing.css)" 404
if grep -q 'Hello World' "$T_DIR/body"; then t_fail "--url-alias: the app answered for /static/missing.css"; fi
t_eq "--url-alias: the app still answers beside it" "$(bld_get /api; cat "$T_DIR/body")" '200Hello World! processes=2 threads=3'
bld_stop

# --- An unknown server_args option: s2i build fails, naming it.
bad=$T_DIR/bad
bld_wsgi "$bad/wsgi.py" application 'Hello World!'
mkdir -p "$bad/.whiskey"
echo '--processes 2 --frobnicate-widgets 3 wsgi.py' > "$bad/.whiskey/server_args"
fx_commit "$bad" site
if "$S2I" build "$bad" "$PY_TAR" "localhost/s2i-e2e-bld-bad:$$" -o "$T_DIR/bad.tar" > "$T_DIR/bad.build.log" 2>&1; then
  t_fail "unknown option: s2i build succeeded"; else t_ok "unknown option: s2i build fails"; fi
t_grep "unknown option: the log names it" 'unknown option --frobnicate-widgets' "$T_DIR/bad.build.log"
t_grep "unknown option: the log names the file" 'server_args' "$T_DIR/bad.build.log"
t_check "unknown option: no image written" test ! -e "$T_DIR/bad.tar"

# --- Nothing to run: s2i build fails, listing where it looked and what chooses.
none=$T_DIR/none
mkdir -p "$none"
echo 'DEBUG = True' > "$none/settings.py"
fx_commit "$none" site
if "$S2I" build "$none" "$PY_TAR" "localhost/s2i-e2e-bld-none:$$" -o "$T_DIR/none.tar" > "$T_DIR/none.build.log" 2>&1; then
  t_fail "nothing to run: s2i build succeeded"; else t_ok "nothing to run: s2i build fails"; fi
t_grep "nothing to run: where it looked" 'looked for .*APP_MODULE.*app\.py.*wsgi\.py.*index\.html' "$T_DIR/none.build.log"
t_grep "nothing to run: what chooses" 'set APP_MODULE=module:callable, APP_FILE=file.py or APPLICATION_TYPE=static' "$T_DIR/none.build.log"
t_check "nothing to run: no image written" test ! -e "$T_DIR/none.tar"

# --- A static site found by its index.htm (no Python), served from the
# source root: dot files and server configs are not served, an access log
# line per request, gzip; and the locale apps expect.
web=$T_DIR/web
mkdir -p "$web/.s2i" "$web/css" "$web/nginx-cfg"
echo '<h1>plain static</h1>' > "$web/index.htm"
head -c 3000 /dev/zero | tr '\0' 'p' | sed 's/^/p { color: red } /' > "$web/css/site.css"
echo 'GREETING=hello' > "$web/.s2i/environment"
echo 'location / {}' > "$web/nginx-cfg/default.conf"
echo 'server {}' > "$web/nginx.conf"
fx_commit "$web" site
bld_image web "$web" "$PY_TAR"
rm -f "$IMG_TAR"
bld_run web "$IMG"
bld_up "static site: index.htm served as uid $UIDN" /
t_eq "static site: GET /" "$(bld_get /)" 200
t_grep "static site: the index.htm" 'plain static' "$T_DIR/body"
t_eq "static site: served by nginx" "$(bld_get /; bld_hdr Server | cut -d/ -f1)" 200nginx
for p in /.s2i/environment /.git/config /.git/HEAD /nginx.conf /nginx-cfg/default.conf; do
  t_eq "static site: $p is not served" "$(bld_get "$p")" 404
done
t_eq "static site: CSS gzipped" "$(bld_get /css/site.css -H 'Accept-Encoding: gzip'; bld_hdr Content-Encoding)" 200gzip
t_eq "static site: Vary: Accept-Encoding" "$(bld_hdr Vary)" Accept-Encoding
t_check "static site: an ETag" test -n "$(bld_hdr ETag)"
t_eq "static site: Range" "$(bld_get /css/site.css -H 'Range: bytes=0-3')" 206
# nginx writes its access log in batches, at the latest each second
css_lines() {
  podman logs "$CID" > "$T_DIR/web.run.log" 2>&1
  [ "$(grep -c '"GET /css/site.css HTTP/1.1"' "$T_DIR/web.run.log")" = "$1" ]
}
t_wait 5 css_lines 2
t_eq "static site: one access log line per request (within a second)" \
  "$(grep -c '"GET /css/site.css HTTP/1.1"' "$T_DIR/web.run.log")" 2
bld_stop
podman run --rm --pull=never -u "$UIDN:0" --read-only "$IMG" python3 -c \
  'import locale, sys; print(locale.setlocale(locale.LC_ALL, ""), sys.stdout.encoding, "é")' \
  > "$T_DIR/locale.out" 2>&1
t_eq "locale: en_US.UTF-8 exists and is the default, stdout UTF-8" "$(cat "$T_DIR/locale.out")" "en_US.UTF-8 utf-8 é"
t_eq "time zones: the tz database is there (zoneinfo, Debian's pytz)" \
  "$(podman run --rm --pull=never -u "$UIDN:0" --read-only "$IMG" python3 -c \
    'import zoneinfo; print(zoneinfo.ZoneInfo("Europe/Berlin").key)' 2>&1)" Europe/Berlin
t_eq "locale: LANG, LC_ALL, PYTHONIOENCODING" \
  "$(podman run --rm --pull=never -u "$UIDN:0" "$IMG" sh -c 'echo $LANG $LC_ALL $PYTHONIOENCODING' 2>&1)" \
  "en_US.UTF-8 en_US.UTF-8 UTF-8"

# --- A failing build hook fails s2i build and shows the hook's name, its
# exit code and its output; no image is written.  With -q too.
fail=$T_DIR/fail
bld_wsgi "$fail/wsgi.py" application 'Hello World!'
mkdir -p "$fail/.whiskey/action_hooks"
printf '#!/bin/sh\necho "compiling the frobnicator"\necho "frobnicator: out of cheese" >&2\nexit 7\n' \
  > "$fail/.whiskey/action_hooks/build"
chmod 755 "$fail/.whiskey/action_hooks/build"
fx_commit "$fail" site
out=$T_DIR/fail.tar
for q in "" -q; do
  what="failing build hook${q:+ ($q)}"
  rm -f "$out"
  "$S2I" build $q "$fail" "$PY_TAR" "localhost/s2i-e2e-bld-fail:$$" -o "$out" > "$T_DIR/fail.log" 2>&1
  st=$?
  if [ $st -ne 0 ]; then t_ok "$what: s2i build fails (status $st)"; else
    t_fail "$what: s2i build succeeded"; fi
  t_grep "$what: the hook's name and exit code are shown" \
    'action_hooks/build.*(exit status|exit code|status) 7' "$T_DIR/fail.log"
  t_grep "$what: its stdout is shown" 'compiling the frobnicator' "$T_DIR/fail.log"
  t_grep "$what: its stderr is shown" 'frobnicator: out of cheese' "$T_DIR/fail.log"
  t_check "$what: no output file" test ! -e "$out"
  if ls "$out".* > /dev/null 2>&1; then t_fail "$what: left $(ls "$out".*)"; fi
done
