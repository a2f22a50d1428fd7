#!/bin/bash
# The lektor builder's default .whiskey (builders/lektor/whiskey) on the
# Lektor quickstart site, whose project file name has a space in it, and
# the same site with alternatives (two languages) and pagination.
source "$(dirname "$0")/common.sh"
t_plan 21
t_need lektor nginx

b_env lektor
export WHISKEY_DEFAULTS=$LEKTOR_DEFAULTS
rmdir "$S2I_DESTINATION/src"
fx_quickstart "$S2I_DESTINATION/src"
t_check "quickstart project has a spaced project file" test -f "$S2I_DESTINATION/src/My Site.lektorproject"
b_assemble > "$T_DIR/a.log" 2>&1
t_eq "assemble with the default lektor build hook" "$?" 0
t_grep "default build hook announced" 'Running .whiskey/action_hooks/build \(builder default\)' "$T_DIR/a.log"
t_check "site built into the data dir" test -f "$WHISKEY_DATADIR/index.html"
b_start "$T_DIR/run.log"
if t_wait_http "$(b_url /)" 10; then t_ok "lektor site served by nginx"; else t_fail "no answer"; cat "$T_DIR/run.log"; fi
for p in / /about/ /projects/ /blog/ /blog/first-post/ /static/style.css; do
  t_eq "GET $p" "$(curl -s -o /dev/null -w '%{http_code}' "$(b_url "$p")")" 200
done
b_stop

# A project's own server_args wins over the builder default.
mkdir -p "$APP_ROOT/src/.whiskey"
echo '--application-type static --document-root ${WHISKEY_DATADIR} --directory-index about/index.html' > "$APP_ROOT/src/.whiskey/server_args"
b_own
S2I_RUN_DRY_RUN=1 b_as_user "$BB/run" > "$T_DIR/dry.log" 2>&1
t_grep "project server_args overrides the default" 'index "about/index.html"' "$TMPDIR/nginx/nginx.conf"

# Alternatives and pagination: every language's pages and page 2.
b_env lektor-i18n
export WHISKEY_DEFAULTS=$LEKTOR_DEFAULTS
rmdir "$S2I_DESTINATION/src"
fx_lektor_i18n "$S2I_DESTINATION/src"
b_assemble > "$T_DIR/i18n.log" 2>&1
t_eq "alternatives + pagination: assemble succeeds" "$?" 0
b_start "$T_DIR/i18n-run.log"
if t_wait_http "$(b_url /)" 10; then t_ok "alternatives + pagination: served"; else t_fail "no answer"; cat "$T_DIR/i18n-run.log"; fi
for spec in "/de/|Hallo Welt" "/blog/page/2/|Second Post" "/de/blog/page/2/|Zweiter Beitrag"; do
  IFS='|' read -r p text <<< "$spec"
  t_eq "alternatives + pagination: GET $p" "$(curl -s -o "$T_DIR/body" -w '%{http_code}' "$(b_url "$p")")" 200
  t_grep "alternatives + pagination: GET $p content" "$text" "$T_DIR/body"
done
t_eq "alternatives: /.lektor/buildstate is not served" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$(b_url /.lektor/buildstate)")" 404
b_stop
