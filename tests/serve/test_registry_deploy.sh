#!/bin/bash
# The registry deploy target: a push to the tracked branch builds and pushes
# the image to a registry (Debian's docker-registry on loopback), where a
# cluster's image trigger takes over; skopeo reads what was pushed, with
# the commit in its labels.
. "$(dirname "$0")/common.sh"
# shellcheck source=../registry/common.sh
. "$(dirname "$0")/../registry/common.sh"
t_plan 5
t_need docker-registry skopeo

reg_start reg
[ -n "$REG_PORT" ] || { t_fail "the registry did not start"; exit 1; }
dest=127.0.0.1:$REG_PORT/apps/site:live
sv_repo
sv_config "$W/serve.json" "{\"type\": \"registry\", \"dest\": \"$dest\", \"tls_verify\": false}"
t_check "serve starts with a registry target" sv_start "$W/serve.json"
commit=$(sv_head)
t_eq "a push is accepted" "$(sv_github "$(sv_push_body "$commit")")" 202
id=$(sv_answer_id)
t_check "the build succeeds" t_wait 180 sv_build_is "$id" succeeded
skopeo inspect --tls-verify=false "docker://$dest" > "$W/pushed.json" 2>&1
t_grep "the image is in the registry with the commit's label" \
  "\"io.openshift.s2i.build.commit.id\": \"$commit\"" "$W/pushed.json"
t_check "the registry received the manifest" grep -q "PUT /v2/apps/site/manifests/live" "$REG_LOG"
