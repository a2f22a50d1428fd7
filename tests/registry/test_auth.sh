#!/bin/bash
# htpasswd Basic auth (no credentials, wrong password, right ones from an
# auth.json by --authfile and $REGISTRY_AUTH_FILE) and Bearer tokens from a
# token issuer on loopback (anonymous first, then the credentials), as
# every public registry works.  Credentials never show in any output.
. "$(dirname "$0")/common.sh"
t_plan 17
t_need htpasswd

# ---- Basic -----------------------------------------------------------------
htpasswd -Bbn alice 's3cret-pw' > "$T_DIR/htpasswd" 2>/dev/null
reg_start basic "auth:
  htpasswd:
    realm: s2i-test
    path: $T_DIR/htpasswd"
[ -n "$REG_PORT" ] || t_skip_all "docker-registry did not start: $(tail -n 3 "$REG_LOG")"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret-pw \
  "docker-archive:$BUILDER" "docker://$R/b/busybox:1" || t_skip_all "skopeo could not seed"
export HOME=$T_DIR/home XDG_RUNTIME_DIR=$T_DIR/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"

"$S2I" pull --tls-verify=false "$R/b/busybox:1" > /dev/null 2> "$T_DIR/nocreds.err"
t_eq "Basic auth without credentials: exit 1" "$?" "1"
t_grep "... names the registry and where credentials go" \
  "registry $R wants credentials to pull $R/b/busybox:1.*auth file.*--authfile" "$T_DIR/nocreds.err"
auth_json "$T_DIR/wrong.json" "$R" alice wrong-pw
"$S2I" pull --tls-verify=false --authfile "$T_DIR/wrong.json" "$R/b/busybox:1" > /dev/null 2> "$T_DIR/wrong.err"
t_eq "wrong password: exit 1" "$?" "1"
t_grep "... says the registry refused user alice's credentials from the file" \
  "registry $R refused the credentials of user \"alice\" from $T_DIR/wrong.json" "$T_DIR/wrong.err"
auth_json "$T_DIR/auth.json" "$R" alice s3cret-pw
"$S2I" pull --loglevel 5 --tls-verify=false --authfile "$T_DIR/auth.json" "$R/b/busybox:1" \
  > "$T_DIR/right.out" 2> "$T_DIR/right.err"
t_eq "right credentials from --authfile" "$?" "0"
rm -rf "$S2I_STORE"
REGISTRY_AUTH_FILE=$T_DIR/auth.json "$S2I" pull -q --tls-verify=false "$R/b/busybox:1" > /dev/null 2>&1
t_eq "... and from \$REGISTRY_AUTH_FILE" "$?" "0"
rm -rf "$S2I_STORE"
mkdir -p "$HOME/.docker" && cp "$T_DIR/auth.json" "$HOME/.docker/config.json"
"$S2I" pull -q --tls-verify=false "$R/b/busybox:1" > /dev/null 2>&1
t_eq "... and from ~/.docker/config.json" "$?" "0"
app_src "$T_DIR/src"
"$S2I" build -q --tls-verify=false "$T_DIR/src" "$R/b/busybox:1" "$R/apps/site:1" --push \
  > "$T_DIR/push.out" 2> "$T_DIR/push.err"
t_eq "build --push with Basic credentials" "$?" "0"
if grep -rq 's3cret-pw\|czNjcmV0LXB3' "$T_DIR"/*.out "$T_DIR"/*.err; then
  t_fail "credentials printed"; else t_ok "credentials never printed, not even at --loglevel 5"; fi
rm -rf "$HOME/.docker"
kill "$REG_PID"

# ---- Bearer tokens ------------------------------------------------------------
if ! "$PY3" -c 'import jwt, cryptography' 2>/dev/null; then
  t_skip "python3-jwt not installed (scripts/deps.sh installs it)" 8
  exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=s2i-test-issuer" \
  -keyout "$T_DIR/token.key" -out "$T_DIR/token.crt" >/dev/null 2>&1
"$PY3" -u "$RDIR/token_server.py" "$T_DIR/token.key" "$T_DIR/token.crt" s2i-test-issuer bob 'b0b-pw' \
  >> "$T_DIR/token.log" 2>&1 &
TOKEN_PID=$!
t_defer "kill $TOKEN_PID"
t_wait 10 grep -q 'listening on port' "$T_DIR/token.log" || t_skip_all "token server did not start"
TPORT=$(t_port_of_log "$T_DIR/token.log")
reg_start bearer "auth:
  token:
    realm: http://127.0.0.1:$TPORT/token
    service: s2i-test-registry
    issuer: s2i-test-issuer
    rootcertbundle: $T_DIR/token.crt"
[ -n "$REG_PORT" ] || t_skip_all "docker-registry did not start: $(tail -n 3 "$REG_LOG")"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false --dest-creds bob:b0b-pw \
  "docker-archive:$BUILDER" "docker://$R/b/busybox:1" || t_skip_all "skopeo could not seed (token auth)"
rm -rf "$S2I_STORE"
: > "$T_DIR/token.log"

"$S2I" pull --tls-verify=false "$R/b/busybox:1" > /dev/null 2> "$T_DIR/bnocreds.err"
t_eq "Bearer without credentials: exit 1" "$?" "1"
t_grep "... says the registry wants credentials" "registry $R wants credentials to pull" "$T_DIR/bnocreds.err"
auth_json "$T_DIR/bob.json" "$R" bob b0b-pw
: > "$T_DIR/token.log"
"$S2I" pull --tls-verify=false --authfile "$T_DIR/bob.json" "$R/b/busybox:1" > /dev/null 2> "$T_DIR/bearer.err"
t_eq "Bearer with credentials from the auth file" "$?" "0"
t_eq "an anonymous token first, then one with the credentials" \
  "$(head -n 1 "$T_DIR/token.log"),$(grep -c 'user bob' "$T_DIR/token.log")" "anonymous,1"
"$S2I" build -q --tls-verify=false --authfile "$T_DIR/bob.json" "$T_DIR/src" "$R/b/busybox:1" "$R/apps/site:1" \
  --push > /dev/null 2> "$T_DIR/bpush.err"
t_eq "build --push with a Bearer token (push scope, mount from b/busybox)" "$?" "0"
t_check "skopeo reads what was pushed" \
  skopeo inspect --tls-verify=false --creds bob:b0b-pw "docker://$R/apps/site:1"
auth_json "$T_DIR/bobwrong.json" "$R" bob nope
"$S2I" pull --tls-verify=false --authfile "$T_DIR/bobwrong.json" "$R/apps/site:1" > /dev/null 2> "$T_DIR/bwrong.err"
t_grep "Bearer, wrong password: the refused credentials are named" \
  "refused the credentials of user \"bob\" from $T_DIR/bobwrong.json" "$T_DIR/bwrong.err"
if grep -q 'b0b-pw\|YjBiLXB3' "$T_DIR"/b*.err; then t_fail "Bearer: credentials printed"; else
  t_ok "Bearer: credentials never printed"; fi
