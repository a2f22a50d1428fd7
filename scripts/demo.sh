#!/bin/bash
# make demo: build s2i and the Lektor builder, build the example site in
# examples/lektor-site into an image, run it the way OpenShift would (a
# random UID in group 0, read-only root, an emptyDir-like /tmp, no
# capabilities), and show it answering.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=$PWD/tests/containers.conf
export S2I_CACHE_DIR=${S2I_CACHE_DIR:-$PWD/build/cache}
export S2I_STORE=${S2I_STORE:-$PWD/build/store}
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# `make demo` has built s2i and the builder images (Debian packages,
# cached in build/) before this runs.
say "s2i build examples/lektor-site build/builders/lektor.tar lektor-demo:1"
mkdir -p build/demo
time bin/s2i build examples/lektor-site build/builders/lektor.tar \
  localhost/lektor-demo:1 -o build/demo/lektor-demo.tar

say "podman load -i build/demo/lektor-demo.tar"
podman load -i build/demo/lektor-demo.tar

tmp=$(mktemp -d /var/tmp/s2i-demo.XXXXXX)
chmod 0777 "$tmp" # what a Kubernetes emptyDir looks like: 0777, no sticky bit
# DEMO_PORT picks the host port; by default the kernel gives a free one.
port=${DEMO_PORT:-}
say "Running it as uid 1000650000:0, read-only root, emptyDir /tmp, all capabilities dropped"
podman rm -f lektor-demo >/dev/null 2>&1 || true
podman run -d --name lektor-demo -u 1000650000:0 --passwd=false \
  --read-only --read-only-tmpfs=false -v "$tmp:/tmp" \
  --cap-drop ALL --security-opt no-new-privileges \
  -p "127.0.0.1:$port:8080" localhost/lektor-demo:1 >/dev/null
trap 'podman rm -f lektor-demo >/dev/null 2>&1; rm -rf "$tmp"' EXIT
port=$(podman port lektor-demo 8080/tcp | sed 's/.*://')
up=""
for _ in $(seq 1 100); do # at most 10 s
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && { up=1; break; }
  sleep 0.1
done
if [ -z "$up" ]; then
  echo "demo: the container did not answer on 127.0.0.1:$port within 10 s; its log:" >&2
  podman logs lektor-demo >&2
  exit 1
fi

say "curl -i http://127.0.0.1:$port/"
curl -sS -i "http://127.0.0.1:$port/" | sed -n '1,/<\/h1>/p' | grep -Ev '^\s*$' | head -20
say "Inside: who am I, what is PID 1, where is TMPDIR"
podman exec lektor-demo sh -c 'echo "whoami: $(whoami)  id: $(id)"; echo "PID 1: $(tr "\0" " " < /proc/1/cmdline)"; echo "TMPDIR=$TMPDIR HOME=$HOME"'
say "podman stop (SIGTERM reaches the server through init)"
time podman stop -t 10 lektor-demo >/dev/null
echo
echo "The image is build/demo/lektor-demo.tar; run it again with:"
echo "  podman run -u 123456:0 --read-only --tmpfs /tmp -p 8080:8080 localhost/lektor-demo:1"
