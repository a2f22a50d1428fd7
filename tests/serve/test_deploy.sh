#!/bin/bash
# The podman target: a first deploy, a zero-downtime redeploy behind nginx,
# a failing build and a failing health check each leaving the old version
# serving, and s2i serve stopped (SIGTERM) or killed (SIGKILL) mid-build.
APP=dep-$$
. "$(dirname "$0")/common.sh"
# temp dirs in the cache before this file's builds (see scratch_left)
scratch_before=$(ls -A "$S2I_CACHE_DIR/tmp" 2>/dev/null)
t_plan 28
t_need curl jq openssl git podman nginx
fx_busybox_builder
sv_repo
PUB=$(t_port)
sv_config "$W/serve.json" "{\"type\": \"podman\", \"port\": $PUB, \"health_path\": \"/health\", \"health_timeout\": 10, \"drain_ms\": 1000}"
t_defer sv_cleanup_deploys
sv_start "$W/serve.json" || t_skip_all "s2i serve did not start: $(tail -n 3 "$W/serve.log")"
PUBURL=http://127.0.0.1:$PUB/

served_build() { curl -sS -D - -o /dev/null --max-time 5 "$PUBURL" | sed -n 's/^X-S2I-Build: \([0-9]*\).*/\1/p'; }

# push_and_build: push the work tree, send the webhook; sets ID.
push_and_build() {
  sv_push
  sv_github "$(sv_push_body "$(sv_head)")" > "$W/code"
  ID=$(sv_answer_id)
}

# First deploy.
sv_github "$(sv_push_body "$(sv_head)")" > /dev/null
ID=$(sv_answer_id)
t_wait 120 sv_build_done "$ID"
t_eq "first deploy: build succeeded" "$(sv_build_field "$ID" status)" succeeded
t_eq "  ... the public port serves version 1" "$(curl -sS --max-time 5 "$PUBURL")" '<h1>version 1</h1>'
t_eq "  ... through nginx, from build $ID" "$(served_build)" "$ID"
c=s2i-serve-$APP-$ID
t_check "  ... the container runs as a random high UID in group 0" \
  sh -c "podman inspect -f '{{.Config.User}}' $c | grep -Eq '^1[0-9]{9}:0$'"
t_eq "  ... with a read-only root" "$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")" true
t_eq "  ... all capabilities dropped" "$(podman exec "$c" sh -c 'grep CapEff /proc/self/status' | awk '{print $2}')" 0000000000000000
t_eq "  ... and an emptyDir-like /tmp (0777, no sticky bit)" "$(podman exec "$c" stat -c %a /tmp)" 777
t_grep "the status page shows the deployed commit" "Deployed: <code title=\"$(sv_head)\"" <(curl -sS "$SV_URL/")

# Redeploy with requests running all along: none may fail.
echo '<h1>version 2</h1>' > "$W/work/index.html"
push_and_build
: > "$W/loop"
for i in $(seq 1 600); do
  curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 "$PUBURL" >> "$W/loop" 2>&1 || echo "fail" >> "$W/loop"
  sv_build_done "$ID" && break
done
t_eq "redeploy: build succeeded" "$(sv_build_field "$ID" status)" succeeded
t_eq "  ... version 2 is served" "$(curl -sS --max-time 5 "$PUBURL")" '<h1>version 2</h1>'
t_check "  ... no request failed during the switch ($(wc -l < "$W/loop") requests)" \
  sh -c "! grep -v '^200 ' '$W/loop'"
t_wait 20 sh -c "! podman container exists $c"
t_check "  ... the old container is gone" sh -c "! podman container exists $c"
t_check "  ... and so is its /tmp volume" test ! -e "$W/state/apps/$APP/tmp-$((ID - 1))"
good=$ID

# A failing build: the old version keeps serving.
mkdir -p "$W/work/.s2i"
printf '#!/bin/sh\necho assemble fails on purpose\nexit 1\n' > "$W/work/.s2i/action"
chmod +x "$W/work/.s2i/action"
push_and_build
t_wait 60 sv_build_done "$ID"
t_eq "failing build: marked failed" "$(sv_build_field "$ID" status)" failed
t_grep "  ... with the reason" "assemble" <(sv_build_field "$ID" reason)
t_eq "  ... the old version keeps serving" "$(served_build)" "$good"

# A failing health check: the new container is removed, the old serves.
rm -f "$W/work/.s2i/action" "$W/work/health"
echo '<h1>version 3</h1>' > "$W/work/index.html"
push_and_build
t_wait 60 sv_build_done "$ID"
t_eq "failing health check: marked failed" "$(sv_build_field "$ID" status)" failed
t_grep "  ... the reason names the health check" "health check: GET http://127.0.0.1:[0-9]+/health answered 404" <(sv_build_field "$ID" reason)
t_check "  ... the new container is removed" sh -c "! podman container exists s2i-serve-$APP-$ID"
t_eq "  ... the old version keeps serving" "$(served_build)" "$good"

# scratch_left: the cache's mounts and the temp dirs that were not there
# when this file started (a run killed long ago may have left some; the
# store sweeps those after a week); no_scratch: true when there are none.
scratch_left() {
  grep -F "$S2I_CACHE_DIR" /proc/self/mountinfo
  comm -13 <(echo "$scratch_before" | sort) <(ls -A "$S2I_CACHE_DIR/tmp" 2>/dev/null | sort) | grep .
}
no_scratch() { [ -z "$(scratch_left)" ]; }

# SIGKILL mid-build, then a restart: the build is recorded and run again.
echo ok > "$W/work/health"
printf '#!/bin/sh\nsleep 4\n' > "$W/work/.s2i/action"
chmod +x "$W/work/.s2i/action"
push_and_build
t_wait 30 grep -q "Running /usr/libexec/s2i/assemble" "$W/state/logs/$ID.log"
child=$(sed -n "s/.*build $ID of .* started (pid \([0-9]*\)).*/\1/p" "$W/serve.log")
kill -9 "$SV_PID"
t_wait 60 t_gone "$child"
# the child cleans up as it goes; on a loaded machine its sandbox's own
# processes may take a moment longer: wait (bounded) for the end state
t_wait 30 no_scratch
t_eq "SIGKILL: the build's child stops too, leaving no mounts or scratch" "$(scratch_left)" ""
sv_start "$W/serve.json"
t_eq "  ... after the restart the killed build is recorded failed" "$(sv_build_field "$ID" status)" failed
next=$((ID + 1))
t_wait 120 sv_build_done "$next"
t_eq "  ... and built again, to success" "$(sv_build_field "$next" status)" succeeded
t_eq "  ... now serving" "$(served_build)" "$next"

# SIGTERM mid-build: cancelled cleanly, exit 0.
echo '<h1>version 4</h1>' > "$W/work/index.html"
push_and_build
t_wait 30 grep -q "Running /usr/libexec/s2i/assemble" "$W/state/logs/$ID.log"
sv_stop
t_eq "SIGTERM mid-build: s2i serve exits 0" "${SV_RC:-none}" 0
t_wait 30 no_scratch
t_eq "  ... leaving no mounts or scratch" "$(scratch_left)" ""
# As after a reboot: nginx and the container gone; the next start brings
# the deployed version back.
ngpid=$(cat "$W/state/apps/$APP/nginx/nginx.pid")
kill "$ngpid"
podman stop -t 0 "s2i-serve-$APP-$next" > /dev/null 2>&1
t_wait 10 t_gone "$ngpid"
sv_start "$W/serve.json"
t_wait 30 t_wait_http "$PUBURL" 1
t_eq "a restart brings the deployed version back up" "$(served_build)" "$next"
t_eq "  ... the build is recorded cancelled" "$(sv_build_field "$ID" status)" cancelled
sv_stop
