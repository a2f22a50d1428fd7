#!/bin/bash
# Registry and store (issue 8), all against Debian's docker-registry on
# 127.0.0.1 (a kernel-given port), the python builder
# (build/builders/python.tar) pushed into it with skopeo first:
#  1. pull of the builder into an empty store: `s2i pull` vs
#     `skopeo copy docker://... oci:DIR` (target <= 1.0x);
#  2. an unchanged rebuild of a small WSGI app vs its first build (the
#     builder pulled and unpacked; target <= 0.05x);
#  3. the bytes the registry received when pushing a rebuilt app whose
#     builder (and previous version) are already there, counted by
#     tests/registry/proxy.py in front of the registry.
# Prints Markdown for docs/PERFORMANCE.md.  Knob: RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
S2I=$PWD/bin/s2i
RUNS=${RUNS:-5}
for t in docker-registry skopeo python3; do
  command -v "$t" >/dev/null || { echo "registry.sh: needs $t" >&2; exit 1; }
done
[ -x "$S2I" ] || make -s bin/s2i
[ -f build/builders/python.tar ] || make -s builders

work=$(mktemp -d /var/tmp/s2i-bench-registry.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "registry.sh: $*" >&2; }
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat > "$work/config.yml" <<YAML
version: 0.1
log: {level: info}
storage:
  filesystem: {rootdirectory: $work/registry}
http:
  addr: 127.0.0.1:0
  secret: bench
YAML
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grep -q 'listening on' "$work/registry.log" && break; sleep 0.1
done
REG_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/registry.log" | head -n 1)
python3 -u tests/registry/proxy.py "$REG_PORT" --counts "$work/counts" > "$work/proxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening on port' "$work/proxy.log" && break; sleep 0.1; done
PROXY_PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/proxy.log")
R=127.0.0.1:$REG_PORT
log "registry on $R, counting proxy on $PROXY_PORT; pushing the python builder"
skopeo copy -q --dest-tls-verify=false docker-archive:build/builders/python.tar "docker://$R/bench/python:1"
size=$(skopeo inspect --tls-verify=false --raw "docker://$R/bench/python:1" |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print(sum(l["size"] for l in m["layers"]) + m["config"]["size"])')

# ---- 1. pull into an empty store --------------------------------------------
s2i_t=() skopeo_t=()
for i in $(seq "$RUNS"); do
  rm -rf "$work/store" "$work/oci"; sync
  t=$(now); S2I_STORE=$work/store "$S2I" pull -q --tls-verify=false "$R/bench/python:1" >/dev/null
  s2i_t+=($(( ($(now) - t) / 1000000 )))
  t=$(now); skopeo copy -q --src-tls-verify=false "docker://$R/bench/python:1" "oci:$work/oci:python" >/dev/null
  skopeo_t+=($(( ($(now) - t) / 1000000 )))
done
s2i_pull=$(printf '%s\n' "${s2i_t[@]}" | median)
skopeo_pull=$(printf '%s\n' "${skopeo_t[@]}" | median)

# ---- 2. unchanged rebuild vs first build ---------------------------------------
export S2I_STORE=$work/store S2I_CACHE_DIR=$work/cache
app=$work/app
mkdir -p "$app"
cat > "$app/app.py" <<'PY'
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from the bench\n"]
PY
"$S2I" build -q --tls-verify=false "$app" "$R/bench/python:1" bench/app:1 >/dev/null  # unpacks the layers
first_t=() warm_t=() re_t=()
for i in $(seq "$RUNS"); do
  # the first build of the app: the builder in the store, its layers not
  # unpacked yet (the cache is empty)
  rm -rf "$S2I_CACHE_DIR"
  t=$(now); "$S2I" build -q --no-cache "$app" "$R/bench/python:1" bench/app:1 >/dev/null
  first_t+=($(( ($(now) - t) / 1000000 )))
  t=$(now); "$S2I" build -q --no-cache "$app" "$R/bench/python:1" bench/app:1 >/dev/null
  warm_t+=($(( ($(now) - t) / 1000000 )))
  t=$(now); "$S2I" build -q "$app" "$R/bench/python:1" bench/app:1 >/dev/null
  re_t+=($(( ($(now) - t) / 1000000 )))
done
first=$(printf '%s\n' "${first_t[@]}" | median)
warm=$(printf '%s\n' "${warm_t[@]}" | median)
rebuild=$(printf '%s\n' "${re_t[@]}" | median)

# ---- 2b. a warm build + push vs the OpenShift path ---------------------------------
# OpenShift's Source strategy: s2i build --as-dockerfile, then a container
# build of it and a push (buildah bud + buildah push there; podman build +
# podman push here, the same buildah code), the builder already local.
export CONTAINERS_CONF=$PWD/tests/containers.conf
os_t=() ours_t=()
if command -v podman >/dev/null; then
  podman pull -q --tls-verify=false "$R/bench/python:1" >/dev/null
  "$S2I" build -q "$app" "$R/bench/python:1" bench/df:1 --as-dockerfile "$work/df/Dockerfile" >/dev/null
  sed -i "s|^FROM .*|FROM $R/bench/python:1|" "$work/df/Dockerfile"
  for i in $(seq "$RUNS"); do
    t=$(now); "$S2I" build -q --no-cache --tls-verify=false --push "$app" "$R/bench/python:1" "$R/bench/ours:1" >/dev/null
    ours_t+=($(( ($(now) - t) / 1000000 )))
    t=$(now)
    podman build -q --no-cache -t "$R/bench/theirs:1" "$work/df" >/dev/null 2>&1
    podman push -q --tls-verify=false "$R/bench/theirs:1" >/dev/null 2>&1
    os_t+=($(( ($(now) - t) / 1000000 )))
  done
  podman rmi -f "$R/bench/theirs:1" "$R/bench/python:1" >/dev/null 2>&1 || true
  ours=$(printf '%s\n' "${ours_t[@]}" | median)
  theirs=$(printf '%s\n' "${os_t[@]}" | median)
fi

# ---- 3. bytes received for a rebuilt app's push ------------------------------------
P=127.0.0.1:$PROXY_PORT
"$S2I" push -q --tls-verify=false bench/app:1 "$P/bench/app:1" >/dev/null 2>&1
echo "    return [b'changed']" >> "$app/app.py"
"$S2I" build -q "$app" "$R/bench/python:1" bench/app:2 >/dev/null
before=$(awk '{print $2}' "$work/counts")
"$S2I" push --tls-verify=false bench/app:2 "$P/bench/app:2" > "$work/push.out" 2> "$work/push.err"
after=$(awk '{print $2}' "$work/counts")
new_blobs=$(python3 - "$work/store" <<'PY'
import json, os, sys
store = sys.argv[1]
idx = json.load(open(os.path.join(store, "index.json")))
def manifest(tag):
    d = [m for m in idx["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == tag][0]
    return d, json.load(open(os.path.join(store, "blobs/sha256", d["digest"][7:])))
d1, m1 = manifest("bench/app:1"); d2, m2 = manifest("bench/app:2")
old = {l["digest"] for l in m1["layers"]}
new = [l["size"] for l in m2["layers"] if l["digest"] not in old]
print(sum(new) + m2["config"]["size"] + d2["size"], len(new))
PY
)

cat <<MD
$(date -u +%F), $(nproc) cores, docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}') on 127.0.0.1, skopeo $(skopeo --version | awk '{print $3}'), python builder ($(( size / 1000000 )) MB of blobs), RUNS=$RUNS, medians:

| what | s2i | reference | ratio | target |
|---|---|---|---|---|
| pull of the python builder into an empty store | ${s2i_pull} ms | skopeo copy to oci: ${skopeo_pull} ms | $(python3 -c "print(f'{$s2i_pull/$skopeo_pull:.2f}')") | <= 1.0 |
| unchanged rebuild of a small WSGI app | ${rebuild} ms | first build (layer cache empty) ${first} ms | $(python3 -c "print(f'{$rebuild/$first:.3f}')") | <= 0.05 |
| unchanged rebuild of a small WSGI app | ${rebuild} ms | a warm build with --no-cache ${warm} ms | $(python3 -c "print(f'{$rebuild/$warm:.3f}')") | - |
| warm build + push of the small WSGI app | ${ours:-?} ms | --as-dockerfile + podman build + podman push ${theirs:-?} ms | $( [ -n "${ours:-}" ] && python3 -c "print(f'{$ours/$theirs:.3f}')" || echo -) | <= 0.1 |

Push of a rebuilt app (one changed file) whose builder and previous version are in the registry: the registry received $((after - before)) bytes (requests included); the new blobs (${new_blobs#* } layer(s), config, manifest) are ${new_blobs% *} bytes.  \`s2i push\` said: $(grep '^Pushed' "$work/push.err" | sed 's/^Pushed [^:]*: //').
MD
