#!/bin/bash
# The built image under a real engine, the way Kubernetes runs it: podman
# load, a random UID in group 0, read-only root, an emptyDir-like /tmp
# (mode 0777, no sticky bit), all capabilities dropped.
. "$(dirname "$0")/../cli/common.sh"
t_plan 11

repo=$T_DIR/repo
fx_site_repo "$repo"
out=$T_DIR/site.tar
name=localhost/s2i-e2e-site:$$

t_check "build the site" "$S2I" build -q "$repo" "$BUILDER" "$name" -o "$out"
t_check "podman load reads the tarball" podman load -q -i "$out"
t_defer "podman rmi -f $name"

emptydir=$T_DIR/emptydir
mkdir -p "$emptydir" && chmod 0777 "$emptydir"
cid=$(podman run -d -u 123456:0 --read-only --read-only-tmpfs=false \
  -v "$emptydir:/tmp" --cap-drop ALL --security-opt no-new-privileges \
  -p "127.0.0.1::8080" "$name" 2>"$T_DIR/run.err")
t_defer "podman rm -f $cid"
port=$(t_podman_port "$cid" 8080)
if t_wait_http "http://127.0.0.1:$port/index.html" 10; then
  t_ok "serves as uid 123456 on a read-only root"
else
  t_fail "container did not answer"; podman logs "$cid" 2>&1 | tail -5 | sed 's/^/    # /'
fi
curl -fsS "http://127.0.0.1:$port/index.html" > "$T_DIR/page.html" 2>&1
t_grep "page content" 'Hello from s2i' "$T_DIR/page.html"

start=$(date +%s%N)
podman stop -t 10 "$cid" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 5000 ]; then t_ok "podman stop took ${ms} ms"; else t_fail "podman stop took ${ms} ms"; fi

# --as-dockerfile: the OpenShift Source-strategy shape, built by podman.
df=$T_DIR/df/Dockerfile
t_check "--as-dockerfile writes a Dockerfile" \
  "$S2I" build -q "$repo" "$BUILDER" site:df --as-dockerfile "$df"
t_grep "Dockerfile copies the source owned by the assemble user" \
  '^COPY --chown=1001:0 upload/src /tmp/src$' "$df"
t_grep "Dockerfile runs assemble" '^RUN /usr/libexec/s2i/assemble$' "$df"
t_check "upload/src holds the source" test -f "$T_DIR/df/upload/src/index.html"
dfname=localhost/s2i-e2e-df:$$
t_check "podman build of the Dockerfile" timeout 300 podman build -q -t "$dfname" "$T_DIR/df"
t_defer "podman rmi -f $dfname"
cid2=$(podman run -d -u 123456:0 --read-only -p "127.0.0.1::8080" "$dfname" 2>/dev/null)
t_defer "podman rm -f $cid2"
port2=$(t_podman_port "$cid2" 8080)
if t_wait_http "http://127.0.0.1:$port2/index.html" 10; then
  t_ok "the Dockerfile-built image serves the same page"
else
  t_fail "the Dockerfile-built image did not answer"
fi
