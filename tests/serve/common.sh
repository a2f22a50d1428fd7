# shellcheck shell=bash
# Shared by the serve suite: a bare Git repository the tests push to, a
# config, `s2i serve` on a kernel-given port, webhooks signed with openssl,
# and waits on a build's recorded status.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SECRET=s3cret-for-tests
APP=${APP:-site}
W=$T_DIR/w

# sv_repo: $W/site.git (bare, branch main) and a work tree $W/work that
# pushes to it; the first commit serves index.html and /health.
sv_repo() {
  mkdir -p "$W/work"
  git init -q --bare -b main "$W/site.git"
  echo '<h1>version 1</h1>' > "$W/work/index.html"
  echo ok > "$W/work/health"
  fx_commit "$W/work" 'version 1'
  git -C "$W/work" push -q "$W/site.git" main
}

# sv_push [BRANCH]: commit what changed in the work tree and push it.
sv_push() {
  fx_commit "$W/work" "change $RANDOM"
  git -C "$W/work" push -q -f "$W/site.git" "HEAD:${1:-main}"
}

sv_head() { git -C "$W/site.git" rev-parse "${1:-main}"; }

# sv_config FILE DEPLOY_JSON [EXTRA_APP_KEYS]: one app $APP building
# file://$W/site.git with the busybox builder; mode 0600.
sv_config() {
  cat > "$1" <<JSON
{"listen": "127.0.0.1:0", "state_dir": "$W/state", "rate_limit": 1000,
 "rate_burst": 1000, "apps": [{"name": "$APP",
 "source": "${SV_SOURCE:-file://$W/site.git}", "builder": "$BUILDER",
 "secret": "$SECRET", "deploy": $2 ${3:-}}]}
JSON
  chmod 600 "$1"
}

# sv_start CONFIG: start s2i serve; sets SV_PID and SV_URL (from this
# start's ready line: the log may hold earlier ones).
sv_start() {
  local before port
  before=$(grep -c 'listening on .* port [0-9]' "$W/serve.log" 2>/dev/null)
  "$S2I" serve --config "$1" >> "$W/serve.log" 2>&1 &
  SV_PID=$!
  t_defer "kill -9 $SV_PID"
  SV_URL=
  t_wait 10 sh -c "[ \$(grep -c 'listening on .* port [0-9]' '$W/serve.log') -gt ${before:-0} ]" || return 1
  port=$(sed -n 's/.*listening on .* port \([0-9][0-9]*\).*/\1/p' "$W/serve.log" | tail -n 1)
  SV_URL=http://127.0.0.1:$port
}

# sv_stop: SIGTERM, and wait (bounded) for it to exit; its status in SV_RC.
sv_stop() {
  kill -TERM "$SV_PID"
  SV_RC=
  local i
  for i in $(seq 1 300); do
    if ! kill -0 "$SV_PID" 2>/dev/null; then wait "$SV_PID"; SV_RC=$?; return 0; fi
    sleep 0.1
  done
  return 1
}

# sv_github BODY [EVENT] [DELIVERY]: POST a GitHub-shaped webhook signed
# with the secret; the answer's body in $W/answer, its status printed.
sv_github() {
  local sig
  sig=$(printf '%s' "$1" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
  curl -sS --max-time 10 -o "$W/answer" -w '%{http_code}' \
    -H "X-GitHub-Event: ${2:-push}" -H "X-GitHub-Delivery: ${3:-d$RANDOM$RANDOM}" \
    -H "X-Hub-Signature-256: sha256=$sig" -H 'Content-Type: application/json' \
    --data-binary "$1" "$SV_URL/apps/$APP/webhooks/$SECRET/github"
}

# sv_push_body COMMIT [BRANCH]: a GitHub push payload.
sv_push_body() {
  printf '{"ref":"refs/heads/%s","before":"%s","after":"%s","head_commit":{"id":"%s","message":"m","author":{"name":"Ada"}}}' \
    "${2:-main}" 0000000000000000000000000000000000000000 "$1" "$1"
}

# sv_build_field ID FIELD: a field of build ID from GET /apps/$APP/builds.
sv_build_field() {
  curl -sS --max-time 5 "$SV_URL/apps/$APP/builds" |
    jq -r ".[] | select(.id == $1) | .$2"
}

sv_build_is() { [ "$(sv_build_field "$1" status)" = "$2" ]; }
sv_build_done() {
  case $(sv_build_field "$1" status) in succeeded|failed|cancelled) return 0 ;; esac
  return 1
}

# sv_answer_id: the build id in the last answer.
sv_answer_id() { jq -r .build "$W/answer"; }

# sv_cleanup_deploys: the nginx and containers this file's serve started.
sv_cleanup_deploys() {
  local p c
  for p in "$W"/state/apps/*/nginx/nginx.pid; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
  done
  for c in $(podman ps -a --filter "label=io.s2i.serve.app=$APP" --format '{{.Names}}'); do
    podman rm -f -t 0 "$c" >/dev/null 2>&1
  done
}
