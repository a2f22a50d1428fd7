#!/bin/bash
# The status page as a person sees it, in headless Chromium: the app, the
# deployed commit, the running build with its live log tail, the last
# builds with links to their logs.  The screenshot is kept in
# build/artifacts/serve-status.png.
. "$(dirname "$0")/common.sh"
t_plan 9
t_need curl jq openssl git chromium
fx_busybox_builder
sv_repo
sv_config "$W/serve.json" '{"type": "command", "command": ["true"]}'
sv_start "$W/serve.json" || t_skip_all "s2i serve did not start"

sv_github "$(sv_push_body "$(sv_head)")" > /dev/null
first=$(sv_answer_id)
t_wait 60 sv_build_done "$first"
mkdir -p "$W/work/.s2i"
printf '#!/bin/sh\necho compiling the site slowly\nsleep 8\n' > "$W/work/.s2i/action"
chmod +x "$W/work/.s2i/action"
sv_push
sv_github "$(sv_push_body "$(sv_head)")" > /dev/null
running=$(sv_answer_id)
t_wait 30 grep -q "compiling the site slowly" "$W/state/logs/$running.log"

chrome() {
  timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$W/chrome.XXXXXX")" "$@" 2> "$W/chrome.err"
}
chrome --dump-dom "$SV_URL/" > "$W/dom.html"
t_grep "  ... shows the deployed commit" "Deployed: <code title=\"$(git -C "$W/site.git" rev-parse main~1)\"" "$W/dom.html"
t_grep "the page names the app" "<h2>$APP</h2>" "$W/dom.html"
t_grep "  ... shows the running build" "Running: build $running" "$W/dom.html"
t_grep "  ... with its live log tail" "compiling the site slowly" "$W/dom.html"
t_grep "  ... lists the last builds with links to their logs" \
  "<a href=\"/apps/$APP/builds/$first/log\">$first</a>" "$W/dom.html"
t_grep "  ... with status" 'class="succeeded">succeeded' "$W/dom.html"
t_grep "  ... and refreshes itself" 'http-equiv="refresh"' "$W/dom.html"

mkdir -p "$BUILD/artifacts"
rm -f "$BUILD/artifacts/serve-status.png"
(cd "$W" && chrome --screenshot="$BUILD/artifacts/serve-status.png" \
  --window-size=1280,900 "$SV_URL/") > /dev/null
t_check "a screenshot is kept in build/artifacts/serve-status.png" \
  sh -c "file '$BUILD/artifacts/serve-status.png' | grep -q 'PNG image data, 1280 x 900'"
t_wait 60 sv_build_done "$running"
sv_stop
t_eq "SIGTERM: exit 0" "${SV_RC:-none}" 0
