#!/bin/bash
# Webhooks as the Git hosts send them, against a running s2i serve with a
# `command` deploy: answers, signatures, redelivery, coalescing, logs.
. "$(dirname "$0")/common.sh"
t_plan 33
t_need curl jq openssl git
fx_busybox_builder
sv_repo
sv_config "$W/serve.json" \
  '{"type": "command", "command": ["sh", "-c", "echo deployed IMAGE=$IMAGE DIGEST=$DIGEST APP=$APP COMMIT=$COMMIT"]}' \
  ', "allow_generic_env": true'
sv_start "$W/serve.json" || t_skip_all "s2i serve did not start: $(tail -n 3 "$W/serve.log")"

c1=$(sv_head)
t_eq "ping: 200" "$(sv_github '{"zen":"x","hook_id":1}' ping)" 200

body=$(sv_push_body "$c1")
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
out=$(curl -sS -o "$W/answer" -w '%{http_code} %{time_total}' -H 'X-GitHub-Event: push' \
  -H 'X-GitHub-Delivery: delivery-1' -H "X-Hub-Signature-256: sha256=$sig" \
  --data-binary "$body" "$SV_URL/apps/$APP/webhooks/$SECRET/github")
code=${out% *}
ms=$(awk -v t="${out#* }" 'BEGIN { printf "%d", t * 1000 }')
t_eq "push to main: 202" "$code" 202
id1=$(sv_answer_id)
t_check "the answer names the build and its log" \
  jq -e '.build > 0 and .status == "queued" and (.log | endswith("/log"))' "$W/answer"
t_check "answered within 100 ms (took $ms ms)" test "$ms" -lt 100

# The log, followed live: curl returns when the build ends.
curl -sS --max-time 120 "$SV_URL/apps/$APP/builds/$id1/log" > "$W/live.log"
t_grep "the live log runs to the build's end" "Build $id1 succeeded" "$W/live.log"
t_wait 30 sv_build_done "$id1"
t_eq "the build succeeded" "$(sv_build_field "$id1" status)" succeeded
t_eq "it built the pushed commit" "$(sv_build_field "$id1" commit)" "$c1"
t_grep "the deploy command got APP, IMAGE, DIGEST, COMMIT" \
  "deployed IMAGE=site:latest DIGEST=sha256:[0-9a-f]{64} APP=$APP COMMIT=$c1" "$W/live.log"
t_check "builds JSON has timings and digest" jq -e \
  ".[] | select(.id == $id1) | .started_at and .finished_at and (.duration_s > 0) and (.digest | startswith(\"sha256:\"))" \
  <(curl -sS "$SV_URL/apps/$APP/builds")

t_eq "redelivery: 202" "$(sv_github "$(sv_push_body "$c1")" push delivery-1)" 202
t_check "redelivery: the first delivery's build id, nothing new" \
  jq -e ".build == $id1 and .redelivery == true" "$W/answer"

n_before=$(curl -sS "$SV_URL/apps/$APP/builds" | jq length)
t_eq "push to another branch: 200" "$(sv_github "$(sv_push_body "$c1" dev)")" 200
t_grep "  ... answered skipped" skipped "$W/answer"
t_eq "  ... and started no build" "$(curl -sS "$SV_URL/apps/$APP/builds" | jq length)" "$n_before"

body=$(sv_push_body "$c1")
code=$(curl -sS -o "$W/answer" -w '%{http_code}' -H 'X-GitHub-Event: push' \
  -H 'X-Hub-Signature-256: sha256=0000000000000000000000000000000000000000000000000000000000000000' \
  --data-binary "$body" "$SV_URL/apps/$APP/webhooks/$SECRET/github")
t_eq "a bad signature: 401" "$code" 401
code=$(curl -sS -o "$W/wrong" -w '%{http_code}' -H 'X-GitHub-Event: push' \
  --data-binary "$body" "$SV_URL/apps/$APP/webhooks/not-the-secret/github")
t_eq "a wrong secret: 401" "$code" 401
code=$(curl -sS -o "$W/unknown" -w '%{http_code}' -H 'X-GitHub-Event: push' \
  --data-binary "$body" "$SV_URL/apps/nosuchapp/webhooks/$SECRET/github")
t_eq "an unknown app: 401" "$code" 401
t_check "  ... the same answer as a wrong secret" cmp "$W/wrong" "$W/unknown"
t_eq "GET on a webhook URL: 405" \
  "$(curl -sS -o /dev/null -w '%{http_code}' "$SV_URL/apps/$APP/webhooks/$SECRET/github")" 405
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' 'x' > "$W/big"
t_eq "a body over 1 MiB: 413" "$(curl -sS -o /dev/null -w '%{http_code}' \
  -H 'X-GitHub-Event: push' --data-binary @"$W/big" \
  "$SV_URL/apps/$APP/webhooks/$SECRET/github")" 413
t_eq "malformed JSON: 400" "$(sv_github '{"ref": "refs/heads/main", ')" 400
t_eq "an issues event: 400" "$(sv_github '{"action":"opened"}' issues)" 400

# The other hosts' shapes.
glbody=$(printf '{"object_kind":"push","ref":"refs/heads/main","after":"%s","checkout_sha":"%s","commits":[]}' "$c1" "$c1")
t_eq "GitLab Push Hook with X-Gitlab-Token: 202" "$(curl -sS -o "$W/answer" -w '%{http_code}' \
  -H 'X-Gitlab-Event: Push Hook' -H "X-Gitlab-Token: $SECRET" --data-binary "$glbody" \
  "$SV_URL/apps/$APP/webhooks/$SECRET/gitlab")" 202
gtsig=$(printf '%s' "$glbody" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
t_eq "Forgejo push with X-Forgejo-Signature: 202" "$(curl -sS -o /dev/null -w '%{http_code}' \
  -H 'X-Forgejo-Event: push' -H "X-Forgejo-Signature: $gtsig" --data-binary "$glbody" \
  "$SV_URL/apps/$APP/webhooks/$SECRET/gitea")" 202
bbbody=$(printf '{"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"%s"}}}]}}' "$c1")
t_eq "Bitbucket Cloud repo:push: 202" "$(curl -sS -o /dev/null -w '%{http_code}' \
  -H 'X-Event-Key: repo:push' --data-binary "$bbbody" \
  "$SV_URL/apps/$APP/webhooks/$SECRET/bitbucket")" 202
t_eq "generic, no body: 202" "$(curl -sS -o "$W/answer" -w '%{http_code}' -X POST \
  "$SV_URL/apps/$APP/webhooks/$SECRET/generic")" 202
gid=$(sv_answer_id)
t_wait 60 sv_build_done "$gid"

# A flood: 20 pushes of 20 commits inside a second start at most 2 builds,
# and the last one builds the newest commit.  Each build takes 3 s.
mkdir -p "$W/work/.s2i"
printf '#!/bin/sh\nsleep 3\n' > "$W/work/.s2i/action"
chmod +x "$W/work/.s2i/action"
for i in $(seq 1 20); do echo "$i" > "$W/work/n.txt"; fx_commit "$W/work" "flood $i"; done
git -C "$W/work" push -q "$W/site.git" main
last=$(sv_head)
n=0
for c in $(git -C "$W/site.git" rev-list --reverse -n 20 main); do
  n=$((n + 1))
  sv_push_body "$c" > "$W/flood.$n"
  printf '%s' "$(cat "$W/flood.$n")" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //' > "$W/flood.$n.sig"
done
fstart=$(date +%s%N)
for n in $(seq 1 20); do
  curl -sS -o "$W/flood.$n.answer" -H 'X-GitHub-Event: push' \
    -H "X-Hub-Signature-256: sha256=$(cat "$W/flood.$n.sig")" \
    --data-binary @"$W/flood.$n" "$SV_URL/apps/$APP/webhooks/$SECRET/github"
done
fms=$((($(date +%s%N) - fstart) / 1000000))
ids=$(for n in $(seq 1 20); do jq -r .build "$W/flood.$n.answer"; done)
distinct=$(echo "$ids" | tr ' ' '\n' | sort -u | grep -c .)
t_check "20 pushes in $fms ms: at most 2 builds (got $distinct)" test "$distinct" -le 2
lastid=$(echo "$ids" | tr ' ' '\n' | sort -n | tail -n 1)
t_wait 90 sv_build_done "$lastid"
t_eq "the follow-up build built the newest commit" "$(sv_build_field "$lastid" commit)" "$last"

# Old build dirs (image tarballs) go: the newest 5 per app stay.
printf '#!/bin/sh\necho "hook env: ${FROM_HOOK:-unset}"\n' > "$W/work/.s2i/action"
fx_commit "$W/work" fast
git -C "$W/work" push -q "$W/site.git" main
first=
for i in 1 2; do
  curl -sS -o "$W/answer" -H 'Content-Type: application/json' \
    --data-binary '{"type":"Generic","git":{"ref":"main"},"env":[{"name":"FROM_HOOK","value":"yes"}]}' \
    "$SV_URL/apps/$APP/webhooks/$SECRET/generic"
  first=${first:-$(sv_answer_id)}
  t_wait 60 sv_build_done "$(sv_answer_id)"
done
# The first of the two ran assemble; the second is the same build (same
# commit, same env), which the store reuses without running it.
t_grep "the generic webhook's env reaches the build (allow_generic_env)" \
  "hook env: yes" "$W/state/logs/$first.log"
t_check "older build dirs are pruned to 5 ($(ls "$W/state/builds" | wc -l) of $(sv_answer_id) builds)" \
  sh -c "[ $(ls "$W/state/builds" | wc -l) -eq 5 ] && [ -s '$W/state/builds/$(sv_answer_id)/image.tar' ]"

curl -sS "$SV_URL/metrics" > "$W/metrics"
t_grep "metrics: webhook answers by code" 's2i_serve_webhook_answers_total\{code="401"\} 3' "$W/metrics"
t_grep "metrics: builds by result, queue, histogram" \
  's2i_serve_build_duration_seconds_count [1-9]' "$W/metrics"
sv_stop
t_eq "SIGTERM: exit 0" "${SV_RC:-none}" 0
