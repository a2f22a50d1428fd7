#!/bin/bash
# A source served by `git daemon` on loopback, and the server's defences:
# a per-source rate limit and a time-out for a client that stops sending.
. "$(dirname "$0")/common.sh"
t_plan 8
t_need curl jq openssl git
fx_busybox_builder
sv_repo
touch "$W/site.git/git-daemon-export-ok"
gport=$(t_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$gport" --base-path="$W" \
  "$W" > "$W/daemon.log" 2>&1 &
gpid=$!
t_defer "kill $gpid"
t_wait 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$gport" 2>/dev/null
cat > "$W/serve.json" <<JSON
{"listen": "127.0.0.1:0", "state_dir": "$W/state", "rate_limit": 2,
 "rate_burst": 10, "connection_timeout": 2,
 "apps": [{"name": "$APP", "source": "git://127.0.0.1:$gport/site.git",
 "builder": "$BUILDER", "secret": "$SECRET"}]}
JSON
chmod 600 "$W/serve.json"
sv_start "$W/serve.json" || t_skip_all "s2i serve did not start"

t_eq "a push: 202" "$(sv_github "$(sv_push_body "$(sv_head)")")" 202
id=$(sv_answer_id)
t_wait 60 sv_build_done "$id"
t_eq "the build from git://127.0.0.1:$gport succeeded" "$(sv_build_field "$id" status)" succeeded
t_grep "  ... cloning through git daemon" "Copying sources from git://127.0.0.1:$gport/site.git" "$W/state/logs/$id.log"
t_check "  ... with no deploy target the image tarball is kept" test -s "$W/state/builds/$id/image.tar"

# Without allow_generic_env, a generic webhook's env is not used.
mkdir -p "$W/work/.s2i"
printf '#!/bin/sh\necho "hook env: ${FROM_HOOK:-unset}"\n' > "$W/work/.s2i/action"
chmod +x "$W/work/.s2i/action"
sv_push
curl -sS -o "$W/answer" --data-binary '{"env":[{"name":"FROM_HOOK","value":"yes"}]}' \
  "$SV_URL/apps/$APP/webhooks/$SECRET/generic"
id=$(sv_answer_id)
t_wait 60 sv_build_done "$id"
t_grep "a generic webhook's env is ignored unless the app allows it" \
  "hook env: unset" "$W/state/logs/$id.log"

# 30 requests at once from one address: the bucket (10, 2/s) runs dry.
for i in $(seq 1 30); do
  curl -sS -o /dev/null -w '%{http_code}\n' --max-time 5 "$SV_URL/healthz"
done > "$W/codes"
t_check "a flood from one address gets 429 ($(grep -c 429 "$W/codes") of 30)" \
  grep -q '^429$' "$W/codes"

# A client that sends half a request line and stops is cut off.
t_wait 10 curl -fsS --max-time 2 -o /dev/null "$SV_URL/healthz"
port=${SV_URL##*:}
start=$(date +%s)
timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'POST /apps/x HTTP/1.1\r\nHost: x\r\n' >&3; cat <&3 > /dev/null"
took=$(($(date +%s) - start))
t_check "an idle half-sent request is closed by the server (after $took s)" test "$took" -lt 10
sv_stop
t_eq "SIGTERM: exit 0" "${SV_RC:-none}" 0
