#!/bin/bash
# A build must not touch the host's mounts.  slirp4netns --enable-sandbox
# (the default network) once detached its old root with the host's shared
# mounts still shared, which unmounted podman's /run/netns entries: every
# container started before the build lost its network namespace.
. "$(dirname "$0")/../cli/common.sh"
t_plan 4

img=localhost/s2i-e2e-mounts:$$
src=$T_DIR/src
mkdir -p "$src" && echo '<h1>mounts</h1>' > "$src/index.html"
t_check "build an image to run" "$S2I" build -q "$src" "$BUILDER" "$img" --load
t_defer "podman rmi -f $img"
cid=$(podman run -d --entrypoint /bin/sleep "$img" 600 2>"$T_DIR/run.err")
t_defer "podman rm -f $cid"
key=$(podman inspect --format '{{.NetworkSettings.SandboxKey}}' "$cid" 2>/dev/null)
echo '<h1>changed</h1>' > "$src/index.html"
t_check "a build on the default (private) network" "$S2I" build -q "$src" "$BUILDER" "$img-2"
t_defer "podman rmi -f $img-2"
t_check "the container's network namespace is still mounted ($key)" \
  grep -q " ${key} " /proc/self/mountinfo
t_check "podman exec still works in it" podman exec "$cid" true
