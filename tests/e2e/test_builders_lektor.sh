#!/bin/bash
# The lektor builder end to end (issue 4): the Lektor quickstart site built
# with s2i and served by nginx from the image under hostile podman settings;
# the seed's own .whiskey files; thumbnails; alternatives (two languages)
# and pagination; --as-dockerfile + podman build; the lektor
# image's layers shared with python's; a headless Chromium screenshot kept
# as build/artifacts/lektor-quickstart.png.
# shellcheck source=builders_common.sh
. "$(dirname "$0")/builders_common.sh"
t_plan 118
bld_builders

# --- The layers: lektor.tar is python.tar's layers (same digests) + its own.
bld_layers "$PY_TAR" > "$T_DIR/py.layers"
bld_layers "$LK_TAR" > "$T_DIR/lk.layers"
npy=$(wc -l < "$T_DIR/py.layers")
t_eq "lektor.tar starts with python.tar's $npy layers, same digests" \
  "$(head -n "$npy" "$T_DIR/lk.layers")" "$(cat "$T_DIR/py.layers")"
if [ "$(wc -l < "$T_DIR/lk.layers")" -gt "$npy" ]; then t_ok "lektor.tar adds its own layers"; else
  t_fail "lektor.tar has no layers of its own"; fi

# --- A plain quickstart site, no .whiskey: the builder's defaults.
site=$T_DIR/site
fx_quickstart "$site"
t_check "lektor quickstart made a project with a spaced file name" test -f "$site/My Site.lektorproject"
t_check "the quickstart project has no .whiskey" test ! -e "$site/.whiskey"
fx_commit "$site" site
bld_image plain "$site" "$LK_TAR"
bld_layers "$IMG_TAR" > "$T_DIR/app.layers"
t_eq "the app image is built on lektor.tar's layers" \
  "$(head -n "$(wc -l < "$T_DIR/lk.layers")" "$T_DIR/app.layers")" "$(cat "$T_DIR/lk.layers")"
rm -f "$IMG_TAR"
plain_img=$IMG

bld_run plain "$plain_img"
bld_up "plain site: served as uid $UIDN on a read-only root with a 0777 /tmp" /
for spec in "/|text/html|Welcome to My Site!" \
  "/about/|text/html|About this Website" \
  "/projects/|text/html|Project 3" \
  "/blog/|text/html|Hello Website" \
  "/blog/first-post/|text/html|This is an example blog post" \
  "/static/style.css|text/css|body"; do
  IFS='|' read -r p type text <<< "$spec"
  t_eq "plain site: GET $p status" "$(bld_get "$p")" 200
  t_eq "plain site: GET $p Content-Type" "$(bld_hdr Content-Type | cut -d';' -f1)" "$type"
  t_grep "plain site: GET $p content" "$text" "$T_DIR/body"
  t_check "plain site: GET $p has an ETag" test -n "$(bld_hdr ETag)"
  t_check "plain site: GET $p has a Last-Modified" test -n "$(bld_hdr Last-Modified)"
done
t_grep "plain site: the page links its stylesheet" 'static/style\.css' <(curl -s "http://127.0.0.1:$PORT_H/")
t_eq "plain site: static files come from nginx" "$(bld_hdr Server | cut -d/ -f1)" nginx

bld_get /static/style.css > /dev/null
len=$(bld_hdr Content-Length)
etag=$(bld_hdr ETag)
t_eq "plain site: Range bytes=0-9 gives 206" "$(bld_get /static/style.css -H 'Range: bytes=0-9')" 206
t_eq "plain site: Range gives a Content-Range" "$(bld_hdr Content-Range)" "bytes 0-9/$len"
t_eq "plain site: Range gives 10 bytes" "$(wc -c < "$T_DIR/body")" 10
t_eq "plain site: If-None-Match with the ETag gives 304" \
  "$(bld_get /static/style.css -H "If-None-Match: $etag")" 304
t_eq "plain site: /blog redirects" "$(bld_get /blog)" 301
t_eq "plain site: /blog redirects to /blog/ (relative, works behind port mapping)" "$(bld_hdr Location)" /blog/
t_eq "plain site: a missing page is 404" "$(bld_get /no-such-page/)" 404

# Lektor's build state is in the document root, but never served.
t_check "plain site: /data/.lektor/buildstate exists in the container" \
  podman exec "$CID" test -f /data/.lektor/buildstate
for p in /.lektor/ /.lektor /.lektor/buildstate /%2elektor/buildstate /blog/../.lektor/buildstate; do
  t_eq "plain site: $p is not served" "$(bld_get "$p" --path-as-is)" 404
  if grep -q 'SQLite' "$T_DIR/body"; then t_fail "plain site: $p leaked the build state"; fi
done

# One page in a real browser; the screenshot is kept as a test artifact.
shot=$ARTIFACTS/lektor-quickstart.png
if ! command -v chromium > /dev/null 2>&1; then
  t_skip "chromium is not installed (scripts/deps.sh installs it): no screenshot" 3
else
  if bld_chromium "http://127.0.0.1:$PORT_H/" "$shot"; then t_ok "headless Chromium loaded the site"; else
    t_fail "headless Chromium failed"; tail -n 5 "$T_DIR/chromium.log" | sed 's/^/    # /'; fi
  t_eq "the screenshot is a 1024x768 PNG ($shot)" "$(bld_png_size "$shot" 2>/dev/null)" 1024x768
  size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
  if [ "$size" -gt 10000 ]; then t_ok "the screenshot is not blank ($size bytes)"; else
    t_fail "the screenshot is $size bytes (blank page?)"; fi
fi
bld_stop

# --- The seed's own .whiskey files, verbatim, and a non-executable hook.
seed=$T_DIR/seed
fx_quickstart "$seed"
mkdir -p "$seed/.whiskey/action_hooks"
printf '#!/bin/sh\nlektor build --output-path /data\n' > "$seed/.whiskey/action_hooks/build"
chmod 755 "$seed/.whiskey/action_hooks/build"
printf -- '--application-type static --document-root /data\n' > "$seed/.whiskey/server_args"
printf '#!/bin/sh\ntouch /data/pre-build-ran\n' > "$seed/.whiskey/action_hooks/pre-build"
chmod 644 "$seed/.whiskey/action_hooks/pre-build"
fx_commit "$seed" site
bld_image seed "$seed" "$LK_TAR"
rm -f "$IMG_TAR"
log=$T_DIR/seed.build.log
t_grep "seed site: the project's own build hook runs" '^ -----> Running \.whiskey/action_hooks/build$' "$log"
if grep -q 'action_hooks/build (builder default)' "$log"; then
  t_fail "seed site: the builder's default hook ran instead of the project's"; fi
t_grep "seed site: a non-executable hook gets a warning naming it" \
  'WARNING: .*\.whiskey/action_hooks/pre-build is not executable' "$log"
bld_run seed "$IMG"
bld_up "seed site: served (the build went on past the non-executable hook)" /
for spec in "/|Welcome to My Site!" "/about/|About this Website" "/projects/|Project 3" \
  "/blog/|Hello Website" "/blog/first-post/|This is an example blog post"; do
  IFS='|' read -r p text <<< "$spec"
  t_eq "seed site: GET $p status" "$(bld_get "$p")" 200
  t_grep "seed site: GET $p content" "$text" "$T_DIR/body"
done
t_eq "seed site: /static/style.css" "$(bld_get /static/style.css)" 200
t_eq "seed site: /static/style.css Content-Type" "$(bld_hdr Content-Type | cut -d';' -f1)" text/css
t_eq "seed site: /.lektor/buildstate is not served" "$(bld_get /.lektor/buildstate)" 404
t_check "seed site: the non-executable hook did not run" \
  podman exec "$CID" test ! -e /data/pre-build-ran
podman logs "$CID" > "$T_DIR/seed.run.log" 2>&1
t_grep "seed site: served by nginx from /data" 'Serving /data with nginx on port 8080' "$T_DIR/seed.run.log"
bld_stop

# --- Thumbnails: an image attachment and a template asking for a
# thumbnail; Lektor runs ImageMagick's convert at build time.
thumbs=$T_DIR/thumbs
fx_quickstart "$thumbs"
python3 -c '
import struct, sys, zlib
w, h = 64, 48
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\0" + b"\xcc\x22\x22" * w for _ in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
  + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))' "$thumbs/content/about/red.png"
cat > "$thumbs/templates/page.html" <<'HTML'
{% extends "layout.html" %}
{% block title %}{{ this.title }}{% endblock %}
{% block body %}
  <h2>{{ this.title }}</h2>
  {{ this.body }}
  {% for image in this.attachments.images %}<img class="thumb" src="{{ image.thumbnail(32)|url }}">{% endfor %}
{% endblock %}
HTML
fx_commit "$thumbs" site
bld_image thumbs "$thumbs" "$LK_TAR"
rm -f "$IMG_TAR"
bld_run thumbs "$IMG"
bld_up "thumbnails: the site builds and is served" /about/
bld_get /about/ > /dev/null
src=$(sed -n 's/.*<img class="thumb" src="\([^"]*\)".*/\1/p' "$T_DIR/body" | head -n 1)
t_check "thumbnails: the page links a thumbnail ($src)" test -n "$src"
t_eq "thumbnails: GET the thumbnail" "$(bld_get "/about/$src")" 200
t_eq "thumbnails: it is an image/png" "$(bld_hdr Content-Type)" image/png
t_eq "thumbnails: 32 pixels wide, made by ImageMagick" "$(bld_png_size "$T_DIR/body")" 32x24
t_eq "thumbnails: the original attachment is served" "$(bld_get /about/red.png)" 200
bld_stop

# --- Alternatives (two languages) and pagination: English at /, German
# under /de/ (contents+de.lr), the blog one post a page (/blog/page/2/).
i18n=$T_DIR/i18n
fx_lektor_i18n "$i18n"
fx_commit "$i18n" site
bld_image i18n "$i18n" "$LK_TAR"
rm -f "$IMG_TAR"
bld_run i18n "$IMG"
bld_up "alternatives + pagination: the site builds and is served" /
for spec in "/|Welcome to My Site!" "/de/|Hallo Welt" \
  "/blog/|Hello Website" "/blog/page/2/|Second Post" \
  "/de/blog/page/2/|Zweiter Beitrag" "/de/blog/second-post/|Der zweite Beitrag" \
  "/de/about/|About this Website"; do
  IFS='|' read -r p text <<< "$spec"
  t_eq "alternatives + pagination: GET $p status" "$(bld_get "$p")" 200
  t_grep "alternatives + pagination: GET $p content" "$text" "$T_DIR/body"
done
if grep -q 'Second Post' <(curl -s "http://127.0.0.1:$PORT_H/blog/"); then
  t_fail "pagination: page 1 lists the second post (per_page = 1)"; else t_ok "pagination: page 1 has one post"; fi
t_eq "pagination: no page 3" "$(bld_get /blog/page/3/)" 404
for p in /.lektor/buildstate /de/.lektor/buildstate /de/../.lektor/buildstate; do
  t_eq "alternatives: $p is not served" "$(bld_get "$p" --path-as-is)" 404
done
bld_stop

: how OpenShift runs a Source build.
df=$T_DIR/df/Dockerfile
t_check "--as-dockerfile writes a Dockerfile" \
  "$S2I" build -q "$site" "$LK_TAR" localhost/s2i-e2e-bld-df:$$ --as-dockerfile "$df"
t_grep "the Dockerfile's FROM reads lektor.tar as a docker-archive" \
  "^FROM docker-archive:$LK_TAR\$" "$df"
dfimg=localhost/s2i-e2e-bld-df:$$
t_check "podman build of the Dockerfile" timeout 300 podman build -q -t "$dfimg" "$T_DIR/df"
t_defer "podman rmi -f $dfimg"
bld_run df "$dfimg"
bld_up "--as-dockerfile image: serves as uid $UIDN on a read-only root" /
for spec in "/|Welcome to My Site!" "/about/|About this Website" "/blog/first-post/|This is an example blog post"; do
  IFS='|' read -r p text <<< "$spec"
  t_eq "--as-dockerfile image: GET $p status" "$(bld_get "$p")" 200
  t_grep "--as-dockerfile image: GET $p content" "$text" "$T_DIR/body"
done
t_eq "--as-dockerfile image: /static/style.css Content-Type" \
  "$(bld_get /static/style.css >/dev/null; bld_hdr Content-Type | cut -d';' -f1)" text/css
t_eq "--as-dockerfile image: /.lektor/buildstate is not served" "$(bld_get /.lektor/buildstate)" 404
bld_stop
