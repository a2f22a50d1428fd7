#!/bin/bash
# s2i build's options, checked as a user sees them: files in the image's new
# layer (the tarball extracted with tar), Env, labels, User and Cmd from
# `skopeo inspect --config`, and what the command prints.
. "$(dirname "$0")/common.sh"
t_plan 133

L=io.openshift.s2i.build

# Layers the busybox builder has; the application layer comes right after.
mkdir -p "$T_DIR/builder" && tar -xf "$BUILDER" -C "$T_DIR/builder"
NB=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))[0]["Layers"]))' \
  "$T_DIR/builder/manifest.json")

# app_layer OUT.tar: extract OUT.tar next to itself; print the path of the
# layer assemble made.
app_layer() {
  local x=$1.x
  rm -rf "$x" && mkdir -p "$x" && tar -xf "$1" -C "$x" || return 1
  python3 -c 'import json,sys; print(sys.argv[2] + "/" + json.load(open(sys.argv[1]))[0]["Layers"][int(sys.argv[3])])' \
    "$x/manifest.json" "$x" "$NB"
}
# layer_list OUT.tar LIST: the app layer's `tar -tv` listing into LIST.
layer_list() { tar -tvf "$(app_layer "$1")" > "$2" 2>&1; }
# layer_cat OUT.tar PATH: a file of the app layer (after layer_list/app_layer).
layer_cat() { tar -xOf "$1.x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][int(sys.argv[2])])' "$1.x/manifest.json" "$NB")" "$2" 2>/dev/null; }
# config OUT.tar JSON: skopeo inspect --config.
config() { skopeo inspect --config "docker-archive:$1" > "$2" 2>&1; }
# env_of CONFIG.json NAME: NAME's value in the image Env ("<unset>" if none).
env_of() {
  python3 -c '
import json,sys
env = json.load(open(sys.argv[1]))["config"].get("Env") or []
vals = [e.split("=",1)[1] for e in env if e.split("=",1)[0] == sys.argv[2]]
print(vals[-1] if vals else "<unset>")' "$1" "$2"
}
# count_env CONFIG.json NAME: how many Env entries name NAME.
count_env() {
  python3 -c '
import json,sys
env = json.load(open(sys.argv[1]))["config"].get("Env") or []
print(sum(1 for e in env if e.split("=",1)[0] == sys.argv[2]))' "$1" "$2"
}
cfg_field() {
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["config"].get(sys.argv[2])))' "$1" "$2"
}
# var_in FILE NAME: NAME's value in an `env` dump ("<unset>" if none).
var_in() {
  local v
  v=$(grep -E "^$2=" "$1" | tail -n 1)
  if [ -n "$v" ]; then echo "${v#*=}"; else echo "<unset>"; fi
}
not_in() { # not_in DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then t_fail "$1 (/$2/ found in $3)"; grep -E -- "$2" "$3" | sed 's/^/    # /' | head -5
  else t_ok "$1"; fi
}
# action DIR SCRIPT-BODY: .s2i/action the builder's assemble runs.
action() {
  mkdir -p "$1/.s2i"
  printf '#!/bin/sh\nset -e\n%s\n' "$2" > "$1/.s2i/action"
  chmod +x "$1/.s2i/action"
}
# plain_dir DIR: a directory (no Git) with a page.
plain_dir() {
  mkdir -p "$1"
  echo '<h1>plain</h1>' > "$1/index.html"
}

# ---- -E / -e / .s2i/environment ------------------------------------------
src=$T_DIR/envsrc
plain_dir "$src"
mkdir -p "$src/.s2i"
printf '%s\n' '# from the source' 'SAME=from-s2i-env' 'S2I_AND_E=from-s2i-env' \
  'ONLY_S2I=a' > "$src/.s2i/environment"
printf '%s\n' '# a comment line' '#COMMENTED=1' '' 'SAME=from-E' \
  'S2I_AND_E=from-E' 'ONLY_E=b=c' 'E_AND_CLI=from-E' > "$T_DIR/build.env"
action "$src" 'env > /opt/app-root/src/build-env.txt'
out=$T_DIR/env.tar
t_check "build with .s2i/environment, -E and -e" \
  "$S2I" build -q "$src" "$BUILDER" env:1 -o "$out" -E "$T_DIR/build.env" \
  -e SAME=from-cli -e E_AND_CLI=from-cli -e ONLY_CLI=c
config "$out" "$T_DIR/env.json"
layer_list "$out" "$T_DIR/env-layer.txt"
layer_cat "$out" opt/app-root/src/build-env.txt > "$T_DIR/build-env.txt"
t_grep "assemble's env dump is in the layer" 'opt/app-root/src/build-env.txt' "$T_DIR/env-layer.txt"
t_eq "image Env: -e beats -E and .s2i/environment" "$(env_of "$T_DIR/env.json" SAME)" "from-cli"
t_eq "image Env: one SAME entry" "$(count_env "$T_DIR/env.json" SAME)" "1"
t_eq "image Env: -E beats .s2i/environment" "$(env_of "$T_DIR/env.json" S2I_AND_E)" "from-E"
t_eq "image Env: -e beats -E" "$(env_of "$T_DIR/env.json" E_AND_CLI)" "from-cli"
t_eq "image Env: .s2i/environment alone" "$(env_of "$T_DIR/env.json" ONLY_S2I)" "a"
t_eq "image Env: -E value containing '='" "$(env_of "$T_DIR/env.json" ONLY_E)" "b=c"
t_eq "image Env: -e alone" "$(env_of "$T_DIR/env.json" ONLY_CLI)" "c"
not_in "image Env: -E comment lines ignored" 'COMMENTED|a comment' "$T_DIR/env.json"
t_eq "image Env: the builder's PATH kept" "$(env_of "$T_DIR/env.json" PATH)" "/bin"
t_eq "assemble env: -e beats -E and .s2i/environment" "$(var_in "$T_DIR/build-env.txt" SAME)" "from-cli"
t_eq "assemble env: -E beats .s2i/environment" "$(var_in "$T_DIR/build-env.txt" S2I_AND_E)" "from-E"
t_eq "assemble env: -e beats -E" "$(var_in "$T_DIR/build-env.txt" E_AND_CLI)" "from-cli"
t_eq "assemble env: .s2i/environment alone" "$(var_in "$T_DIR/build-env.txt" ONLY_S2I)" "a"
t_eq "assemble env: -E value containing '='" "$(var_in "$T_DIR/build-env.txt" ONLY_E)" "b=c"
t_eq "assemble env: -e alone" "$(var_in "$T_DIR/build-env.txt" ONLY_CLI)" "c"
not_in "assemble env: -E comment lines ignored" 'COMMENTED|a comment' "$T_DIR/build-env.txt"

# ---- --scripts-url ---------------------------------------------------------
# file://: only assemble there; run (and usage) fall back to the image's.
mkdir -p "$T_DIR/fscripts"
printf '%s\n' '#!/bin/sh' 'set -e' 'cp -Rf /tmp/src/. /opt/app-root/src/' \
  'echo from-file-url > /opt/app-root/src/marker.txt' > "$T_DIR/fscripts/assemble"
chmod +x "$T_DIR/fscripts/assemble"
src=$T_DIR/scriptsrc
plain_dir "$src"
out=$T_DIR/fileurl.tar
t_check "build with --scripts-url file://DIR" \
  "$S2I" build -q "$src" "$BUILDER" s:1 --scripts-url "file://$T_DIR/fscripts" -o "$out"
layer_list "$out" "$T_DIR/fileurl-layer.txt"
t_eq "file:// assemble ran (its marker is in the layer)" \
  "$(layer_cat "$out" opt/app-root/src/marker.txt)" "from-file-url"
t_grep "file:// assemble copied the source" 'opt/app-root/src/index.html' "$T_DIR/fileurl-layer.txt"
config "$out" "$T_DIR/fileurl.json"
t_eq "run falls back to the image's: CMD" "$(cfg_field "$T_DIR/fileurl.json" Cmd)" '["/usr/libexec/s2i/run"]'
not_in "run from the image is not copied into the layer" 'usr/libexec/s2i/run$' "$T_DIR/fileurl-layer.txt"
not_in "injected assemble not left in the image" '(^| )tmp/scripts(/|$)' "$T_DIR/fileurl-layer.txt"

# --scripts-url wins over the source's .s2i/bin.
mkdir -p "$src/.s2i/bin"
printf '%s\n' '#!/bin/sh' 'set -e' 'cp -Rf /tmp/src/. /opt/app-root/src/' \
  'echo from-source-bin > /opt/app-root/src/marker.txt' > "$src/.s2i/bin/assemble"
chmod +x "$src/.s2i/bin/assemble"
out=$T_DIR/urlwins.tar
t_check "build with --scripts-url and .s2i/bin/assemble" \
  "$S2I" build -q "$src" "$BUILDER" s:1 --scripts-url "file://$T_DIR/fscripts" -o "$out"
app_layer "$out" >/dev/null
t_eq "--scripts-url assemble beats .s2i/bin/assemble" \
  "$(layer_cat "$out" opt/app-root/src/marker.txt)" "from-file-url"

# The source's .s2i/bin/assemble overrides the image's.
out=$T_DIR/srcbin.tar
t_check "build with the source's .s2i/bin/assemble" \
  "$S2I" build -q "$src" "$BUILDER" s:1 -o "$out"
app_layer "$out" >/dev/null
t_eq ".s2i/bin/assemble beats the image's" \
  "$(layer_cat "$out" opt/app-root/src/marker.txt)" "from-source-bin"

# image:///nowhere: nothing there, so the label's scripts are used.
src=$T_DIR/nowhere
plain_dir "$src"
out=$T_DIR/nowhere.tar
"$S2I" build "$src" "$BUILDER" s:1 --scripts-url image:///nowhere -o "$out" > "$T_DIR/nowhere.log" 2>&1
t_eq "--scripts-url image:///nowhere builds" "$?" "0"
t_grep "image:///nowhere falls back to the image's assemble" 'Installing application source' "$T_DIR/nowhere.log"
layer_list "$out" "$T_DIR/nowhere-layer.txt"
t_grep "image's assemble copied the source" 'opt/app-root/src/index.html' "$T_DIR/nowhere-layer.txt"
config "$out" "$T_DIR/nowhere.json"
t_eq "image:///nowhere: CMD is the image's run" "$(cfg_field "$T_DIR/nowhere.json" Cmd)" '["/usr/libexec/s2i/run"]'

# http://: assemble and run served by a local web server; run is injected.
mkdir -p "$T_DIR/hscripts"
printf '%s\n' '#!/bin/sh' 'set -e' 'cp -Rf /tmp/src/. /opt/app-root/src/' \
  'echo from-http-url > /opt/app-root/src/marker.txt' > "$T_DIR/hscripts/assemble"
printf '%s\n' '#!/bin/sh' '# injected run from http' 'exec httpd -f -p 8080 -h /opt/app-root/src' \
  > "$T_DIR/hscripts/run"
t_http_server "$T_DIR/hscripts"
port=$T_HTTP_PORT http_pid=$T_HTTP_PID
if [ -n "$port" ] && t_wait_http "http://127.0.0.1:$port/assemble" 10; then
  t_ok "local script server is up"
  out=$T_DIR/httpurl.tar
  t_check "build with --scripts-url http://127.0.0.1:$port/" \
    "$S2I" build -q "$src" "$BUILDER" s:1 --scripts-url "http://127.0.0.1:$port/" -o "$out"
  layer_list "$out" "$T_DIR/httpurl-layer.txt"
  t_eq "http:// assemble ran" "$(layer_cat "$out" opt/app-root/src/marker.txt)" "from-http-url"
  config "$out" "$T_DIR/httpurl.json"
  t_eq "injected run is CMD" "$(cfg_field "$T_DIR/httpurl.json" Cmd)" '["/usr/libexec/s2i/run"]'
  t_grep "injected run is in the layer" 'usr/libexec/s2i/run$' "$T_DIR/httpurl-layer.txt"
  t_grep "the layer's run is the injected one" 'injected run from http' \
    <(layer_cat "$out" usr/libexec/s2i/run)
  t_grep "injected run is executable" '^-..x.* usr/libexec/s2i/run$' "$T_DIR/httpurl-layer.txt"
  not_in "injected scripts not left at the destination" '(^| )tmp/scripts(/|$)' "$T_DIR/httpurl-layer.txt"
  t_grep "scripts fetched over HTTP" 'GET /assemble' "$T_DIR/http.log"
else
  t_fail "local script server did not answer on 127.0.0.1:$port"
fi
kill "$http_pid" 2>/dev/null
wait "$http_pid" 2>/dev/null

# ---- --exclude -------------------------------------------------------------
repo=$T_DIR/exrepo
fx_site_repo "$repo"
mkdir -p "$repo/logs"
echo log > "$repo/app.log"
echo log > "$repo/logs/debug.log"
echo keep > "$repo/logs/keep.txt"
echo 'x' > "$repo/.gitignore"
fx_commit "$repo" logs
out=$T_DIR/exclude.tar
t_check "build with --exclude '\\.log\$'" \
  "$S2I" build -q "$repo" "$BUILDER" ex:1 --exclude '\.log$' -o "$out"
layer_list "$out" "$T_DIR/exclude-layer.txt"
not_in "--exclude leaves out *.log" '\.log$' "$T_DIR/exclude-layer.txt"
t_grep "--exclude keeps the rest" 'opt/app-root/src/logs/keep.txt' "$T_DIR/exclude-layer.txt"
not_in ".git still not copied with a custom --exclude" '(^| )opt/app-root/src/\.git(/|$)' "$T_DIR/exclude-layer.txt"
t_grep "custom --exclude replaces the default: .gitignore kept" 'opt/app-root/src/\.gitignore$' "$T_DIR/exclude-layer.txt"
out=$T_DIR/exclude-copy.tar
t_check "build --copy with --exclude" \
  "$S2I" build -q --copy "$repo" "$BUILDER" ex:1 --exclude '\.log$' -o "$out"
layer_list "$out" "$T_DIR/exclude-copy-layer.txt"
not_in "--copy: --exclude leaves out *.log" '\.log$' "$T_DIR/exclude-copy-layer.txt"
not_in "--copy: .git not copied with a custom --exclude" '(^| )opt/app-root/src/\.git(/|$)' "$T_DIR/exclude-copy-layer.txt"
out=$T_DIR/exclude-default.tar
t_check "build --copy with the default exclude" \
  "$S2I" build -q --copy "$repo" "$BUILDER" ex:1 -o "$out"
layer_list "$out" "$T_DIR/exclude-default-layer.txt"
t_grep "default exclude keeps *.log" 'opt/app-root/src/app.log$' "$T_DIR/exclude-default-layer.txt"
t_grep "default exclude keeps .gitignore" 'opt/app-root/src/\.gitignore$' "$T_DIR/exclude-default-layer.txt"
not_in "default exclude: .git not copied" '(^| )opt/app-root/src/\.git(/|$)' "$T_DIR/exclude-default-layer.txt"

# ---- plain directory, --copy -----------------------------------------------
src=$T_DIR/plain
plain_dir "$src"
out=$T_DIR/plain.tar
t_check "build from a plain directory" "$S2I" build -q "$src" "$BUILDER" plain:1 -o "$out"
config "$out" "$T_DIR/plain.json"
not_in "plain dir: no commit labels" '"io\.openshift\.s2i\.build\.commit\.' "$T_DIR/plain.json"
t_grep "plain dir: the labels are there (sanity)" '"io\.openshift\.s2i\.build\.image"' "$T_DIR/plain.json"
t_eq "plain dir: source location label" "$(label_of "$T_DIR/plain.json" $L.source-location)" "$src"
layer_list "$out" "$T_DIR/plain-layer.txt"
t_grep "plain dir: page in the layer" 'opt/app-root/src/index.html$' "$T_DIR/plain-layer.txt"

repo=$T_DIR/dirty
fx_site_repo "$repo"
echo '<h1>uncommitted</h1>' > "$repo/index.html"
echo new > "$repo/untracked.txt"
out=$T_DIR/head.tar
t_check "build a repository with uncommitted changes (HEAD)" "$S2I" build -q "$repo" "$BUILDER" d:1 -o "$out"
app_layer "$out" >/dev/null
t_grep "HEAD build has the committed page" 'Hello from s2i' <(layer_cat "$out" opt/app-root/src/index.html)
layer_list "$out" "$T_DIR/head-layer.txt"
not_in "HEAD build leaves out the untracked file" 'untracked\.txt' "$T_DIR/head-layer.txt"
out=$T_DIR/copy.tar
t_check "build the same repository with --copy" "$S2I" build -q --copy "$repo" "$BUILDER" d:1 -o "$out"
app_layer "$out" >/dev/null
t_grep "--copy has the uncommitted change" 'uncommitted' <(layer_cat "$out" opt/app-root/src/index.html)
layer_list "$out" "$T_DIR/copy-layer.txt"
t_grep "--copy has the untracked file" 'opt/app-root/src/untracked\.txt$' "$T_DIR/copy-layer.txt"
config "$out" "$T_DIR/copy.json"
t_eq "--copy still labels the HEAD commit" "$(label_of "$T_DIR/copy.json" $L.commit.id)" "$(git -C "$repo" rev-parse HEAD)"

# ---- --assemble-user, --allowed-uids ---------------------------------------
src=$T_DIR/uid
plain_dir "$src"
action "$src" 'id -u > /opt/app-root/src/uid.txt'
out=$T_DIR/uid-default.tar
t_check "build with the default assemble user" "$S2I" build -q "$src" "$BUILDER" u:1 -o "$out"
app_layer "$out" >/dev/null
t_eq "assemble runs as the image's user (1001)" "$(layer_cat "$out" opt/app-root/src/uid.txt)" "1001"
out=$T_DIR/uid-root.tar
t_check "build with --assemble-user 0" "$S2I" build -q "$src" "$BUILDER" u:1 --assemble-user 0 -o "$out"
layer_list "$out" "$T_DIR/uid-root-layer.txt"
t_eq "--assemble-user 0 runs assemble as root" "$(layer_cat "$out" opt/app-root/src/uid.txt)" "0"
t_grep "--assemble-user 0: files it writes are root's" '0/0 .* opt/app-root/src/uid.txt$' "$T_DIR/uid-root-layer.txt"
config "$out" "$T_DIR/uid-root.json"
t_eq "--assemble-user does not change the image USER" "$(cfg_field "$T_DIR/uid-root.json" User)" '"1001"'
t_check "-u 1000-2000 accepts the builder's USER 1001" \
  "$S2I" build -q "$src" "$BUILDER" u:1 -u 1000-2000 -o "$T_DIR/uid-allowed.tar"
t_check "--allowed-uids with several ranges (0-10,1000-)" \
  "$S2I" build -q "$src" "$BUILDER" u:1 --allowed-uids 0-10,1000- -o "$T_DIR/uid-allowed2.tar"
rm -f "$T_DIR/uid-refused.tar"
"$S2I" build -q "$src" "$BUILDER" u:1 -u 1000-2000 --assemble-user 0 -o "$T_DIR/uid-refused.tar" \
  > "$T_DIR/uid-refused.txt" 2>&1
st=$?
if [ $st -ne 0 ] && [ ! -e "$T_DIR/uid-refused.tar" ]; then t_ok "-u 1000-2000 refuses --assemble-user 0 (exit $st)"
else t_fail "-u 1000-2000 refuses --assemble-user 0: exit $st"; sed 's/^/    # /' "$T_DIR/uid-refused.txt" | tail -5; fi

# ---- --network -------------------------------------------------------------
ifaces() { awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' "$1" | sort; }
src=$T_DIR/net
plain_dir "$src"
action "$src" 'cat /proc/net/dev > /opt/app-root/src/netdev.txt'
out=$T_DIR/net-none.tar
t_check "build with --network none" "$S2I" build -q "$src" "$BUILDER" n:1 --network none -o "$out"
app_layer "$out" >/dev/null
layer_cat "$out" opt/app-root/src/netdev.txt > "$T_DIR/netdev-none.txt"
t_eq "--network none: assemble sees only lo" "$(ifaces "$T_DIR/netdev-none.txt" | tr '\n' ' ')" "lo "
out=$T_DIR/net-host.tar
t_check "build with the default network" "$S2I" build -q "$src" "$BUILDER" n:1 -o "$out"
app_layer "$out" >/dev/null
layer_cat "$out" opt/app-root/src/netdev.txt > "$T_DIR/netdev-host.txt"
host_n=$(ifaces /proc/net/dev | wc -l)
seen_n=$(ifaces "$T_DIR/netdev-host.txt" | wc -l)
if [ "$host_n" -gt 1 ]; then
  if [ "$seen_n" -gt 1 ] && ifaces "$T_DIR/netdev-host.txt" | grep -qx lo; then
    t_ok "default (host) network: assemble sees more than lo ($seen_n interfaces)"
  else t_fail "default (host) network: assemble sees $seen_n interface(s), the host $host_n"; fi
else
  t_ok "default (host) network: host has only lo, nothing to compare # SKIP"
fi
t_check "--network host is accepted" "$S2I" build -q "$src" "$BUILDER" n:1 --network host -o "$T_DIR/net-host2.tar"

# ---- builder transports ----------------------------------------------------
# first_layer_oci DIR [REF]: the first layer digest of an OCI layout.
first_layer_oci() {
  python3 - "$1" "${2:-}" <<'EOF'
import json, sys
d, ref = sys.argv[1], sys.argv[2]
ms = json.load(open(d + "/index.json"))["manifests"]
if ref:
    ms = [m for m in ms if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
m = json.load(open(d + "/blobs/sha256/" + ms[0]["digest"].split(":")[1]))
print(m["layers"][0]["digest"])
EOF
}
# first_layer_out OUT.tar: the first layer digest of the output, both ways.
first_layer_out() {
  local x=$1.fx
  rm -rf "$x" && mkdir -p "$x" && tar -xf "$1" -C "$x" || return 1
  python3 -c 'import json,sys; print("sha256:" + json.load(open(sys.argv[1]))[0]["Layers"][0].split("/")[-1])' "$x/manifest.json"
  first_layer_oci "$x"
}
src=$T_DIR/tsrc
plain_dir "$src"
skopeo copy -q "docker-archive:$BUILDER" "oci-archive:$T_DIR/b-oci.tar" > "$T_DIR/sk1.txt" 2>&1
skopeo copy -q "docker-archive:$BUILDER" "oci:$T_DIR/b-ocidir:busybox" > "$T_DIR/sk2.txt" 2>&1
if skopeo copy --help 2>&1 | grep -q -- '--dest-compress-format'; then
  skopeo copy -q --dest-compress --dest-compress-format gzip "docker-archive:$BUILDER" \
    "oci:$T_DIR/b-ocigz:busybox" > "$T_DIR/sk3.txt" 2>&1
else
  skopeo copy -q --dest-compress "docker-archive:$BUILDER" "oci:$T_DIR/b-ocigz:busybox" > "$T_DIR/sk3.txt" 2>&1
fi
mkdir -p "$T_DIR/b-ociarch" && tar -xf "$T_DIR/b-oci.tar" -C "$T_DIR/b-ociarch"
# layer_type DIR: the media type of an OCI layout's first layer.
layer_type() {
  python3 - "$1" <<'EOF2'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]
m = json.load(open(d + "/blobs/sha256/" + m["digest"].split(":")[1]))
print(m["layers"][0]["mediaType"])
EOF2
}
t_eq "the compressed OCI dir has a gzip layer" "$(layer_type "$T_DIR/b-ocigz")" \
  "application/vnd.oci.image.layer.v1.tar+gzip"
t_eq "the builder tarball read as OCI has an uncompressed layer" "$(layer_type "$T_DIR/builder")" \
  "application/vnd.oci.image.layer.v1.tar"
want_docker="sha256:$(basename "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$T_DIR/builder/manifest.json")")"
for case in "docker-archive:$BUILDER|$want_docker" \
            "oci-archive:$T_DIR/b-oci.tar|$(first_layer_oci "$T_DIR/b-ociarch")" \
            "oci:$T_DIR/b-ocidir:busybox|$(first_layer_oci "$T_DIR/b-ocidir" busybox)" \
            "oci:$T_DIR/b-ocidir|$(first_layer_oci "$T_DIR/b-ocidir")" \
            "oci:$T_DIR/b-ocigz:busybox|$(first_layer_oci "$T_DIR/b-ocigz" busybox)" \
            "oci-archive:$BUILDER|$want_docker"; do
  b=${case%%|*}
  want=${case#*|}
  out=$T_DIR/transport.tar
  rm -f "$out"
  if ! "$S2I" build -q "$src" "$b" t:1 -o "$out" > "$T_DIR/transport.txt" 2>&1; then
    t_fail "build from $b"; sed 's/^/    # /' "$T_DIR/transport.txt" | tail -5; continue
  fi
  t_ok "build from $b"
  got=$(first_layer_out "$out" | sort -u | tr '\n' ' ')
  t_eq "builder layer reused byte for byte from $b (manifest.json and index.json)" "$got" "$want "
  t_check "skopeo reads the image built from $b" skopeo inspect "oci-archive:$out"
  layer_list "$out" "$T_DIR/transport-layer.txt"
  t_grep "image built from $b has the page" 'opt/app-root/src/index.html$' "$T_DIR/transport-layer.txt"
done

# ---- without -o: the store only --------------------------------------------
cwd=$T_DIR/cwd
mkdir -p "$cwd"
(cd "$cwd" && "$S2I" build -q "$src" "$BUILDER" myapp:v1 > "$T_DIR/noout.txt" 2>&1)
t_eq "without -o: exit 0" "$?" "0"
"$S2I" images > "$T_DIR/images.txt" 2>&1
t_grep "without -o: s2i images lists the tag" '^myapp:v1 +sha256:' "$T_DIR/images.txt"
t_check "without -o: skopeo reads the store as oci:" skopeo inspect "oci:$S2I_STORE:myapp:v1"
"$S2I" save myapp:v1 -o "$T_DIR/saved.tar" > "$T_DIR/save.txt" 2>&1
tar -xOf "$T_DIR/saved.tar" manifest.json > "$T_DIR/noout-manifest.json" 2>&1
t_grep "s2i save: RepoTags is the tag" '"RepoTags":\["myapp:v1"\]' "$T_DIR/noout-manifest.json"
(cd "$cwd" && "$S2I" build -q "$src" "$BUILDER" team/app:2 > "$T_DIR/noout2.txt" 2>&1)
"$S2I" images --format json > "$T_DIR/images.json" 2>&1
t_check "without -o: team/app:2 in images --format json" \
  python3 -c 'import json,sys; assert any(i["tag"]=="team/app:2" for i in json.load(open(sys.argv[1])))' "$T_DIR/images.json"
t_eq "without -o: nothing written in the cwd" \
  "$(find "$cwd" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')" ""

# ---- -q, --loglevel --------------------------------------------------------
"$S2I" build -q "$src" "$BUILDER" q:1 -o "$T_DIR/q.tar" > "$T_DIR/q.out" 2> "$T_DIR/q.err"
t_eq "-q: exit 0" "$?" "0"
t_eq "-q: stdout empty" "$(cat "$T_DIR/q.out")" ""
t_eq "-q: stderr empty" "$(cat "$T_DIR/q.err")" ""
"$S2I" build "$src" "$BUILDER" q:1 -o "$T_DIR/q0.tar" > "$T_DIR/q0.txt" 2>&1
t_grep "default output has step lines" '^---> ' "$T_DIR/q0.txt"
not_in "default output has no timings" '^\[ *[0-9]+\.[0-9]{3}s\]' "$T_DIR/q0.txt"
"$S2I" build --loglevel 2 "$src" "$BUILDER" q:1 -o "$T_DIR/q2.tar" > "$T_DIR/q2.txt" 2>&1
t_eq "--loglevel 2: exit 0" "$?" "0"
t_grep "--loglevel 2 prints step timings" '^\[ *[0-9]+\.[0-9]{3}s\] ---> ' "$T_DIR/q2.txt"

# ---- --help, unknown command / option --------------------------------------
help_ok() { # help_ok DESCRIPTION PATTERN CMD...
  local d=$1 pat=$2 st
  shift 2
  "$@" > "$T_DIR/help.out" 2> "$T_DIR/help.err"
  st=$?
  if [ $st -ne 0 ]; then t_fail "$d: exit $st"; return; fi
  t_grep "$d" "$pat" "$T_DIR/help.out"
}
help_ok "s2i --help lists the commands" '^  build ' "$S2I" --help
t_grep "s2i --help lists mkimage, usage, verify, version" 'mkimage' "$T_DIR/help.out"
help_ok "s2i build --help" '^Usage: s2i build ' "$S2I" build --help
for opt in --output --ref --context-dir --copy --exclude --env --environment-file \
           --scripts-url --assemble-user --allowed-uids --as-dockerfile --network \
           --no-runtime --cache-dir --quiet --loglevel; do
  grep -q -- "$opt" "$T_DIR/help.out" || t_fail "s2i build --help lacks $opt"
done
help_ok "s2i mkimage --help" '^Usage: s2i mkimage' "$S2I" mkimage --help
help_ok "s2i usage --help" '^Usage: s2i usage' "$S2I" usage --help
help_ok "s2i verify --help" '^Usage: s2i verify' "$S2I" verify --help
help_ok "s2i build --help after other arguments" '^Usage: s2i build ' "$S2I" build "$src" --help

"$S2I" frobnicate > "$T_DIR/unk.out" 2> "$T_DIR/unk.err"
t_eq "unknown command: exit 2" "$?" "2"
t_grep "unknown command is named" 'frobnicate' "$T_DIR/unk.err"
"$S2I" build --frobnicate "$src" "$BUILDER" x:1 -o "$T_DIR/unk.tar" > "$T_DIR/unk.out" 2> "$T_DIR/unk.err"
t_eq "build with an unknown option: exit 2" "$?" "2"
t_grep "unknown option is named" 'frobnicate' "$T_DIR/unk.err"
t_check "unknown option: nothing written" test ! -e "$T_DIR/unk.tar"
"$S2I" build -Z "$src" "$BUILDER" x:1 > "$T_DIR/unk.out" 2> "$T_DIR/unk.err"
t_eq "build with an unknown short option: exit 2" "$?" "2"
"$S2I" > "$T_DIR/none.out" 2> "$T_DIR/none.err"
t_eq "no command: exit 2" "$?" "2"

t_check "no leftover mounts or temp dirs" test -z "$(leftovers)"
