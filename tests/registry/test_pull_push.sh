#!/bin/bash
# Plain HTTP: pull a builder by reference, build from it, push with --push
# and `s2i push`, cross-repository mount, podman pulls and runs the result,
# skopeo reads the store; pull policies; unknown reference; unreachable host.
. "$(dirname "$0")/common.sh"
t_plan 42

reg_start plain
[ -n "$REG_PORT" ] || t_skip_all "docker-registry did not start: $(tail -n 3 "$REG_LOG")"
R=127.0.0.1:$REG_PORT
reg_seed "$REG_PORT" builders/busybox:1 || t_skip_all "skopeo could not seed the registry"
app_src "$T_DIR/src"

# ---- pull ---------------------------------------------------------------
"$S2I" pull "$R/builders/busybox:1" > "$T_DIR/tls.out" 2> "$T_DIR/tls.err"
t_eq "plain HTTP without --tls-verify=false: exit 1" "$?" "1"
t_grep "... the error names the registry and the way out" "registry $R: .*TLS.*--tls-verify=false" "$T_DIR/tls.err"
"$S2I" pull --tls-verify=false "$R/builders/busybox:1" > "$T_DIR/pull.out" 2> "$T_DIR/pull.err"
t_eq "s2i pull over plain HTTP with --tls-verify=false" "$?" "0"
t_grep "pull prints the stored name" "^$R/builders/busybox:1\$" "$T_DIR/pull.out"
t_grep "one line per blob when not on a terminal" '^Copying blob sha256:[0-9a-f]{12} done' "$T_DIR/pull.err"
t_check "skopeo reads the pulled image in the store as oci:" \
  skopeo inspect "oci:$S2I_STORE:$R/builders/busybox:1"
gets=$(reg_requests 'GET /v2/builders/busybox/blobs/')
"$S2I" pull -q --tls-verify=false "docker://$R/builders/busybox:1" > "$T_DIR/pull2.out" 2>&1
t_eq "pull again (docker:// form) with -q: exit 0 and silent" "$?:$(cat "$T_DIR/pull2.out")" "0:"
t_eq "blobs already in the store are not fetched again" "$(reg_requests 'GET /v2/builders/busybox/blobs/')" "$gets"
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R/builders/busybox:1")
"$S2I" pull -q --tls-verify=false "$R/builders/busybox@$digest" > /dev/null 2> "$T_DIR/pulld.err"
t_eq "pull by digest" "$?" "0"

# ---- build from a reference, --push ----------------------------------------
"$S2I" build -q --tls-verify=false "$T_DIR/src" "$R/builders/busybox:1" "$R/apps/site:1" --push \
  > "$T_DIR/build.out" 2> "$T_DIR/build.err"
t_eq "build from a registry reference with --push" "$?" "0"
t_check "the registry has the pushed image" \
  skopeo inspect --tls-verify=false "docker://$R/apps/site:1"
t_eq "the builder's layer was mounted across repositories, not uploaded" \
  "$(reg_requests 'POST /v2/apps/site/blobs/uploads/\?mount=')" "1"
"$S2I" images > "$T_DIR/images.txt"
t_grep "s2i images lists the built image" "^$R/apps/site:1 " "$T_DIR/images.txt"
t_grep "s2i images lists the pulled builder" "^$R/builders/busybox:1 " "$T_DIR/images.txt"

# BUILDER as a store tag, pull policy never: no request to the registry.
before=$(grep -c '"' "$REG_LOG")
"$S2I" build -q --pull-policy never "$T_DIR/src" "$R/builders/busybox:1" local/site:2 > /dev/null 2>&1
t_eq "--pull-policy never builds from the store" "$?" "0"
t_eq "... without asking the registry" "$(grep -c '"' "$REG_LOG")" "$before"
"$S2I" build -q --pull-policy never "$T_DIR/src" "$R/builders/other:1" x:1 > /dev/null 2> "$T_DIR/never.err"
t_grep "--pull-policy never and an image not in the store: says so" 'not in the store .*pull policy is never' "$T_DIR/never.err"

# ---- s2i push TAG DEST -----------------------------------------------------
"$S2I" push --tls-verify=false local/site:2 "$R/apps/site:2" > "$T_DIR/push.out" 2> "$T_DIR/push.err"
t_eq "s2i push TAG DEST" "$?" "0"
t_grep "push prints the pushed digest" '^sha256:[0-9a-f]{64}$' "$T_DIR/push.out"
pushed=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R/apps/site:2")
t_eq "the printed digest is the registry's" "$(cat "$T_DIR/push.out")" "$pushed"
t_grep "blobs the registry has are skipped (HEAD)" 'skipped: already exists' "$T_DIR/push.err"
"$S2I" push --tls-verify=false local/site:2 > /dev/null 2> "$T_DIR/push-noreg.err"
t_grep "push of a tag naming no registry asks for DEST" 'names no registry' "$T_DIR/push-noreg.err"

# ---- what the push of a rebuilt app sends (the access log, one line per request)
echo '<p>changed</p>' > "$T_DIR/src/changed.html"
"$S2I" build -q --tls-verify=false "$T_DIR/src" "$R/builders/busybox:1" "$R/apps/site:3" > /dev/null 2>&1
uploads=$(reg_requests 'PUT /v2/apps/site/blobs/uploads/')
"$S2I" push --tls-verify=false "$R/apps/site:3" > /dev/null 2> "$T_DIR/push3.err"
t_eq "pushing a rebuilt app uploads two blobs (the app layer and the config)" \
  "$(( $(reg_requests 'PUT /v2/apps/site/blobs/uploads/') - uploads ))" "2"
t_grep "... the builder's and the runtime's layers are skipped" \
  '2 blob\(s\) uploaded .*, 0 mounted, 2 already there' "$T_DIR/push3.err"
rm -f "$T_DIR/src/changed.html"

# ---- podman pulls and runs what s2i pushed ---------------------------------
if command -v podman >/dev/null 2>&1; then
  out=$(podman run --rm --tls-verify=false "$R/apps/site:1" cat /opt/app-root/src/index.html 2> "$T_DIR/podman.err")
  [ -n "$out" ] || sed "s/^/    # /" "$T_DIR/podman.err" | tail -n 5
  t_eq "podman pulls and runs the pushed image" "$out" "<h1>registry</h1>"
  podman rmi -f "$R/apps/site:1" > /dev/null 2>&1
else
  t_skip "podman not installed"
fi

# ---- errors -----------------------------------------------------------------
"$S2I" pull --tls-verify=false "$R/builders/nope:1" > /dev/null 2> "$T_DIR/404.err"
t_eq "unknown reference: exit 1" "$?" "1"
t_grep "... names registry and reference" "registry $R: .*not found.*$R/builders/nope:1" "$T_DIR/404.err"
port=$(t_port)
"$S2I" pull --tls-verify=false "127.0.0.1:$port/x/y:1" > /dev/null 2> "$T_DIR/unreach.err"
t_eq "unreachable registry: exit 1" "$?" "1"
t_grep "... says it is unreachable and what to check" "registry 127.0.0.1:$port is unreachable.*check the host" "$T_DIR/unreach.err"
"$S2I" pull "Bad/Name" > /dev/null 2> "$T_DIR/bad.err"
t_grep "an invalid reference says why" 'invalid image reference "Bad/Name"' "$T_DIR/bad.err"
t_check "the store still reads after all that" skopeo inspect "oci:$S2I_STORE:local/site:2"

# ---- --incremental: the previous image is TAG, pulled from its registry ------
mkdir -p "$T_DIR/inc-layer/usr/libexec/s2i"
printf '#!/bin/sh\ncd /opt/app-root/src && tar -cf - index.html\n' > "$T_DIR/inc-layer/usr/libexec/s2i/save-artifacts"
chmod 0755 "$T_DIR/inc-layer/usr/libexec/s2i/save-artifacts"
"$S2I" mkimage --from "$BUILDER" --layer "$T_DIR/inc-layer" -o "$T_DIR/inc.tar" inc:1 > /dev/null 2>&1
"$S2I" build --tls-verify=false --incremental "$T_DIR/src" "$T_DIR/inc.tar" "$R/apps/inc:1" --push \
  > "$T_DIR/inc1.log" 2>&1
t_eq "--incremental, TAG nowhere yet: a clean build" "$?" "0"
t_grep "... that says so" "No previous image $R/apps/inc:1" "$T_DIR/inc1.log"
S2I_STORE=$T_DIR/store2 "$S2I" build --tls-verify=false --incremental "$T_DIR/src" "$T_DIR/inc.tar" \
  "$R/apps/inc:1" > "$T_DIR/inc2.log" 2>&1
t_eq "--incremental with TAG only in its registry: exit 0" "$?" "0"
t_grep "... pulls it and runs its save-artifacts" "Saving artifacts of $R/apps/inc:1" "$T_DIR/inc2.log"

# ---- zstd layers; a multi-platform index; progress on a terminal ----------------
skopeo copy -q --dest-tls-verify=false --dest-compress-format zstd --dest-compress \
  "docker-archive:$BUILDER" "docker://$R/z/busybox:1"
"$S2I" build -q --tls-verify=false "$T_DIR/src" "$R/z/busybox:1" z/app:1 > "$T_DIR/zstd.log" 2>&1
t_eq "a builder with zstd layers pulls and builds" "$?" "0"
skopeo copy -q "docker-archive:$BUILDER" "oci:$T_DIR/multi:one"
python3 - "$T_DIR/multi" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
def put(obj):
    b = json.dumps(obj, separators=(",", ":")).encode()
    h = hashlib.sha256(b).hexdigest()
    open(os.path.join(d, "blobs/sha256", h), "wb").write(b)
    return {"digest": "sha256:" + h, "size": len(b)}
def get(desc):
    return json.load(open(os.path.join(d, "blobs/sha256", desc["digest"][7:])))
index = json.load(open(os.path.join(d, "index.json")))
mdesc = index["manifests"][0]
man = get(mdesc)
cfg = get(man["config"]); cfg["architecture"] = "arm64"
arm = dict(man); arm["config"] = dict(man["config"], **put(cfg))
armd = dict(mediaType=man["mediaType"], **put(arm))
amdd = {"mediaType": mdesc["mediaType"], "digest": mdesc["digest"], "size": mdesc["size"]}
amdd["platform"] = {"os": "linux", "architecture": "amd64"}
armd["platform"] = {"os": "linux", "architecture": "arm64"}
idx = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [armd, amdd]})
index["manifests"] = [dict(mediaType="application/vnd.oci.image.index.v1+json",
                           annotations={"org.opencontainers.image.ref.name": "multi"}, **idx)]
json.dump(index, open(os.path.join(d, "index.json"), "w"))
PY
skopeo copy -q --all --dest-tls-verify=false "oci:$T_DIR/multi:multi" "docker://$R/m/busybox:1"
"$S2I" pull -q --tls-verify=false "$R/m/busybox:1" > /dev/null 2>&1
t_eq "an image index: linux/amd64 by default" \
  "$(skopeo inspect --config "oci:$S2I_STORE:$R/m/busybox:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["architecture"])')" "amd64"
"$S2I" pull -q --tls-verify=false --platform linux/arm64 "$R/m/busybox:1" > /dev/null 2>&1
t_eq "... --platform linux/arm64 picks the other" \
  "$(skopeo inspect --config "oci:$S2I_STORE:$R/m/busybox:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["architecture"])')" "arm64"
"$S2I" pull --tls-verify=false --platform linux/s390x "$R/m/busybox:1" > /dev/null 2> "$T_DIR/plat.err"
t_grep "... a platform it lacks: the error lists what it has" 'has no image for linux/s390x \(it has: linux/arm64, linux/amd64\)' "$T_DIR/plat.err"
rm -rf "$T_DIR/store3"
S2I_STORE=$T_DIR/store3 script -qec "$S2I pull --tls-verify=false $R/builders/busybox:1" "$T_DIR/tty.txt" > /dev/null 2>&1
t_eq "on a terminal: exit 0" "$?" "0"
t_grep "... progress lines are redrawn in place (bytes, rate)" $'\r\033\\[K.*B/s' "$T_DIR/tty.txt"
t_grep "... and each finished blob gets its line" 'Copying blob sha256:[0-9a-f]{12} done' "$T_DIR/tty.txt"
