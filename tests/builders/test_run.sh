#!/bin/bash
# run on this host: real nginx and Apache httpd + mod_wsgi, curl on loopback.
source "$(dirname "$0")/common.sh"
t_plan 56
t_need nginx /usr/sbin/apache2 /usr/lib/apache2/modules/mod_wsgi.so /usr/bin/python3

hello='import os
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"Hello World!" + environ.get("PATH_INFO", "").encode() + os.environ.get("GREETING", "").encode()]'

# --- static site with nginx ---------------------------------------------
b_env static
mkdir -p "$APP_ROOT/src/.whiskey" "$WHISKEY_DATADIR/.lektor" "$WHISKEY_DATADIR/blog" "$WHISKEY_DATADIR/static"
echo '<h1>home</h1>' > "$WHISKEY_DATADIR/index.html"
echo secret > "$WHISKEY_DATADIR/.lektor/buildstate"
echo '<p>blog</p>' > "$WHISKEY_DATADIR/blog/index.html"
head -c 4000 /dev/zero | tr '\0' 'a' > "$WHISKEY_DATADIR/static/style.css"
echo '--application-type static --document-root ${WHISKEY_DATADIR} --compress-responses' > "$APP_ROOT/src/.whiskey/server_args"
b_start "$T_DIR/static.log"
if t_wait_http "$(b_url /)" 10; then t_ok "nginx serves the static site"; else t_fail "nginx did not answer"; cat "$T_DIR/static.log"; fi
curl -sS -D "$T_DIR/h1" -o "$T_DIR/b1" "$(b_url /)"
t_grep "index.html served" 'home' "$T_DIR/b1"
t_grep "Content-Type text/html" '^Content-Type: text/html' "$T_DIR/h1"
t_grep "ETag" '^ETag: ' "$T_DIR/h1"
t_grep "Last-Modified" '^Last-Modified: ' "$T_DIR/h1"
t_eq ".lektor/ is not served" "$(curl -s -o /dev/null -w '%{http_code}' "$(b_url /.lektor/buildstate)")" 404
t_eq "Range gives 206" "$(curl -s -o /dev/null -w '%{http_code}' -r 0-9 "$(b_url /static/style.css)")" 206
t_grep "css type" 'text/css' <(curl -sI "$(b_url /static/style.css)")
t_grep "gzip with --compress-responses" '^Content-Encoding: gzip' <(curl -sI -H 'Accept-Encoding: gzip' "$(b_url /static/style.css)")
t_grep "directory redirect is relative (port-mapping safe)" '^Location: /blog/' <(curl -sI "$(b_url /blog)")
t_check "config generated under TMPDIR" test -f "$TMPDIR/nginx/nginx.conf"
b_stop

# --- static site at the source root: nothing private served -----------
b_env static-src
S=$APP_ROOT/src
mkdir -p "$S/.git" "$S/.whiskey/user_vars" "$S/.s2i" "$S/.lektor" "$S/nginx-cfg" "$S/docs" "$S/.well-known"
echo '<h1>htm home</h1>' > "$S/index.htm"
echo '<p>docs</p>' > "$S/docs/index.html"
echo '[core]' > "$S/.git/config"
echo 'SECRET_KEY=hunter2' > "$S/.s2i/environment"
echo 'hunter2' > "$S/.whiskey/user_vars/SECRET_KEY"
echo 'state' > "$S/.lektor/buildstate"
echo 'server {}' > "$S/nginx.conf"
echo 'location / {}' > "$S/nginx-cfg/site.conf"
echo 'Contact: mailto:x@example.org' > "$S/.well-known/security.txt"
echo 'x' > "$S/.env"
head -c 5000 /dev/zero | tr '\0' 'b' > "$S/docs/site.css"
mkdir -p "$S/tmp" && chmod 0700 "$S/tmp"
export TMPDIR=$S/tmp   # the server's own files below the document root
b_start "$T_DIR/static-src.log"
if t_wait_http "$(b_url /)" 10; then t_ok "index.htm and no Python: served as a static site"; else t_fail "static source root did not answer"; cat "$T_DIR/static-src.log"; fi
t_grep "index.htm is an index" 'htm home' <(curl -sS "$(b_url /)")
t_grep "index.html in a subdirectory" 'docs' <(curl -sS "$(b_url /docs/)")
for u in /.git/config /.s2i/environment /.whiskey/user_vars/SECRET_KEY /.lektor/buildstate /.env \
  /nginx.conf /nginx-cfg/site.conf /docs/../.git/config /%2egit/config /tmp/nginx/nginx.conf; do
  t_eq "$u is not served" "$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$(b_url "$u")")" 404
done
t_eq "/.well-known/ is served (RFC 8615)" "$(curl -s -o /dev/null -w '%{http_code}' "$(b_url /.well-known/security.txt)")" 200
curl -sS -D "$T_DIR/h2" -o /dev/null -H 'Accept-Encoding: gzip' "$(b_url /docs/site.css)"
t_grep "text gzipped without --compress-responses" '^Content-Encoding: gzip' "$T_DIR/h2"
t_grep "Vary: Accept-Encoding" '^Vary: Accept-Encoding' "$T_DIR/h2"
t_grep "ETag" '^ETag: ' <(curl -sSI "$(b_url /docs/site.css)")
etag=$(curl -sSI "$(b_url /docs/site.css)" | tr -d '\r' | sed -n 's/^ETag: //p')
t_eq "If-None-Match gives 304" "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$(b_url /docs/site.css)")" 304
t_eq "Range gives 206" "$(curl -s -o /dev/null -w '%{http_code}' -r 0-9 "$(b_url /docs/site.css)")" 206
b_nogrep "no Cache-Control or Expires (nginx's defaults)" '^(Cache-Control|Expires):' "$T_DIR/h2"
b_stop
t_eq "access log on stdout by default, one line per request" \
  "$(grep -Ec '"(GET|HEAD) /docs/site.css HTTP/1.1"' "$T_DIR/static-src.log")" 5
ACCESS_LOG=off b_start "$T_DIR/static-nolog.log"
t_wait_http "$(b_url /)" 10
curl -s -o /dev/null "$(b_url /docs/site.css)"
b_stop
b_nogrep "ACCESS_LOG=off: no access log" 'GET /docs/site.css' "$T_DIR/static-nolog.log"

# --- APPLICATION_TYPE=static with DOCUMENT_ROOT, next to Python files -----
b_env static-env
mkdir -p "$APP_ROOT/src/public"
echo 'print(1)' > "$APP_ROOT/src/gen.py"
echo '<p>public</p>' > "$APP_ROOT/src/public/index.html"
APPLICATION_TYPE=static DOCUMENT_ROOT=public b_start "$T_DIR/static-env.log"
if t_wait_http "$(b_url /)" 10; then t_ok "APPLICATION_TYPE=static DOCUMENT_ROOT=public served"; else t_fail "APPLICATION_TYPE=static did not answer"; cat "$T_DIR/static-env.log"; fi
t_grep "DOCUMENT_ROOT's index" 'public' <(curl -sS "$(b_url /)")
b_stop

# --- WSGI hello world with Apache, url-alias, user_vars, deploy hooks ----
b_env wsgi
b_venv
mkdir -p "$APP_ROOT/src/.whiskey/action_hooks" "$APP_ROOT/src/.whiskey/user_vars" "$APP_ROOT/src/assets"
echo "$hello" > "$APP_ROOT/src/wsgi.py"
echo 'body{}' > "$APP_ROOT/src/assets/site.css"
printf ' from user_vars' > "$APP_ROOT/src/.whiskey/user_vars/GREETING"
printf '#!/bin/sh\necho " and deploy-env" >> "$WHISKEY_ENVDIR/GREETING"\n' > "$APP_ROOT/src/.whiskey/action_hooks/deploy-env"
printf '#!/bin/sh\necho deploy hook says no; exit 4\n' > "$APP_ROOT/src/.whiskey/action_hooks/deploy"
chmod +x "$APP_ROOT/src/.whiskey/action_hooks/"*
echo '--url-alias /assets assets --access-log' > "$APP_ROOT/src/.whiskey/server_args"
b_start "$T_DIR/wsgi.log"
if t_wait_http "$(b_url /)" 15; then t_ok "Apache + mod_wsgi serves wsgi.py"; else t_fail "Apache did not answer"; cat "$T_DIR/wsgi.log"; fi
t_grep "Hello World! with the request path" '^Hello World!/x/y' <(curl -sS "$(b_url /x/y)")
curl -sS "$(b_url /)" > "$T_DIR/uv.out"
t_grep "user_vars and deploy-env reach the app" "from user_vars and deploy-env" "$T_DIR/uv.out"
t_grep "--url-alias served by Apache" 'body\{\}' <(curl -sS "$(b_url /assets/site.css)")
t_grep "failing deploy hook is reported" 'deploy hook failed, continuing' "$T_DIR/wsgi.log"
t_grep "access log on stdout" '"GET /x/y HTTP/1.1" 200' "$T_DIR/wsgi.log"
t_grep "Apache uses the venv as Python home" "WSGIPythonHome '$APP_ROOT/venv'" "$TMPDIR/httpd/httpd.conf"
b_stop

# --- Django: collectstatic at build time, migrate at start, the collected
# static files served by Apache at STATIC_URL (as runmodwsgi does) ---------
if /usr/bin/python3 -c 'import django' 2> /dev/null; then
  b_env django
  b_venv
  rmdir "$S2I_DESTINATION/src"
  fx_django_project "$S2I_DESTINATION/src"
  rm "$S2I_DESTINATION/src/requirements.txt" # Django from the host's python3-django: no index here
  b_assemble > "$T_DIR/django-a.log" 2>&1
  t_eq "Django: assemble succeeds" "$?" 0
  t_grep "Django: collectstatic ran" 'Collecting Django static files' "$T_DIR/django-a.log"
  t_check "Django: the static file was collected into STATIC_ROOT" test -f "$APP_ROOT/src/staticfiles/css/site.css"
  b_start "$T_DIR/django.log"
  if t_wait_http "$(b_url /)" 20; then t_ok "Django: the project is served"; else t_fail "Django did not answer"; cat "$T_DIR/django.log"; fi
  t_grep "Django: the project's view answers" '^django [0-9]' <(curl -sS "$(b_url /)")
  t_grep "Django: the collected static file is served by Apache" '#0c0' <(curl -sS "$(b_url /static/css/site.css)")
  t_grep "Django: migrated at start" 'Migrating the database' "$T_DIR/django.log"
  t_grep "Django: run says where the static files come from" \
    "Serving Django's static files .STATIC_ROOT $APP_ROOT/src/staticfiles. at /static with Apache" "$T_DIR/django.log"
  b_stop
else
  t_skip "no python3-django on this host (scripts/deps.sh installs it)" 8
fi

# --- APP_MODULE + APP_HOME -------------------------------------------------
b_env module
mkdir -p "$APP_ROOT/src/sub/pkg"
touch "$APP_ROOT/src/sub/pkg/__init__.py"
echo "${hello/def application/def make}" > "$APP_ROOT/src/sub/pkg/web.py"
export APP_HOME=sub APP_MODULE=pkg.web:make
b_start "$T_DIR/module.log"
if t_wait_http "$(b_url /)" 15; then t_ok "APP_MODULE under APP_HOME served"; else t_fail "APP_MODULE app did not answer"; cat "$T_DIR/module.log"; fi
t_grep "module callable answers" '^Hello World!/m' <(curl -sS "$(b_url /m)")
b_stop
unset APP_HOME APP_MODULE

# --- app.py as its own server, PORT honoured ------------------------------
b_env apppy
mkdir -p "$APP_ROOT/src"
cat > "$APP_ROOT/src/app.py" <<'PY'
import os, http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"app.py here")
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
PY
b_start "$T_DIR/apppy.log"
if t_wait_http "$(b_url /)" 10; then t_ok "app.py runs on \$PORT"; else t_fail "app.py did not answer"; cat "$T_DIR/apppy.log"; fi
b_stop

# --- start hook ---------------------------------------------------------
b_env start
mkdir -p "$APP_ROOT/src/.whiskey/action_hooks"
printf '#!/bin/sh\necho "start hook args: $*"\n' > "$APP_ROOT/src/.whiskey/action_hooks/start"
chmod +x "$APP_ROOT/src/.whiskey/action_hooks/start"
echo '--port 1234' > "$APP_ROOT/src/.whiskey/server_args"
b_own
b_as_user timeout 20 "$BB/run" > "$T_DIR/start.log" 2>&1
t_grep "start hook replaces the server, gets server_args" 'start hook args: --port 1234' "$T_DIR/start.log"

# --- nothing to run -----------------------------------------------------
b_env empty
mkdir -p "$APP_ROOT/src"
b_own
b_as_user timeout 20 "$BB/run" > "$T_DIR/empty.log" 2>&1
t_eq "no app: run fails" "$?" 1
t_grep "no app: error lists what was looked for" 'looked for .*app.sh.*APP_MODULE.*app.py.*wsgi.py' "$T_DIR/empty.log"
