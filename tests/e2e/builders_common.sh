# shellcheck shell=bash
# Shared by tests/e2e/test_builders_*.sh: the python and lektor builder
# images (build/builders/*.tar) end to end, the way a user runs them:
# `s2i build` to a tarball, `podman load`, then `podman run` the way
# Kubernetes does (random UID in group 0, no passwd line, read-only root,
# an emptyDir-like 0777 /tmp, no capabilities), and curl on loopback.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PY_TAR=$SHARED/builders/python.tar
LK_TAR=$SHARED/builders/lektor.tar
export ARTIFACTS=$BUILD/artifacts
# One random high UID per test file, as OpenShift assigns one per project.
UIDN=$((1000000000 + (RANDOM << 15 | RANDOM)))

# bld_builders: the builder images must be there: the Makefile makes them
# (`make builders`) before the e2e suite runs, outside its time.
bld_builders() {
  local t missing=""
  for t in "$PY_TAR" "$LK_TAR"; do [ -f "$t" ] || missing="$missing $t"; done
  if [ -n "$missing" ]; then
    t_fail "builder images missing:$missing; run \`make builders\` first"
    exit 1
  fi
}

# bld_wsgi FILE CALLABLE TEXT: a WSGI module whose CALLABLE answers TEXT.
bld_wsgi() {
  mkdir -p "$(dirname "$1")"
  cat > "$1" <<PY
def $2(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"$3"]
PY
}

# bld_image SLUG SRC BUILDER [s2i options...]: s2i build SRC with BUILDER
# (log in $T_DIR/SLUG.build.log), podman load it; sets IMG to its name and
# IMG_TAR to the tarball.  Reports one line for each step.
bld_image() {
  local slug=$1 src=$2 builder=$3
  shift 3
  IMG=localhost/s2i-e2e-bld-$slug:$$
  IMG_TAR=$T_DIR/$slug.tar
  if "$S2I" build "$@" "$src" "$builder" "$IMG" -o "$IMG_TAR" > "$T_DIR/$slug.build.log" 2>&1; then
    t_ok "$slug: s2i build with $(basename "$builder")"
  else
    t_fail "$slug: s2i build with $(basename "$builder")"
    tail -n 20 "$T_DIR/$slug.build.log" | sed 's/^/    # /'
    return 1
  fi
  t_defer "podman rmi -f $IMG"
  t_check "$slug: podman load" podman load -q -i "$IMG_TAR"
}

# bld_run SLUG IMAGE [podman run options...]: run IMAGE detached, hostile;
# publishes container port ${CPORT:-8080} on a loopback port podman gets
# from the kernel.  Sets CID, PORT_H (that host port) and EMPTYDIR (the host
# directory mounted at /tmp).
bld_run() {
  local slug=$1 image=$2
  shift 2
  CID=
  EMPTYDIR=$(mktemp -d "$T_DIR/emptydir-$slug.XXXXXX")
  chmod 0777 "$EMPTYDIR"
  PORT_H=
  CID=$(podman run -d --pull=never -u "$UIDN:0" --passwd=false --read-only --read-only-tmpfs=false \
    -v "$EMPTYDIR:/tmp" --cap-drop ALL --security-opt no-new-privileges \
    -p "127.0.0.1::${CPORT:-8080}" "$@" "$image" 2> "$T_DIR/$slug.run.err")
  if [ -z "$CID" ]; then
    t_fail "$slug: podman run"; sed 's/^/    # /' "$T_DIR/$slug.run.err"
    return 1
  fi
  t_defer "podman rm -f -t 2 $CID"
  PORT_H=$(t_podman_port "$CID" "${CPORT:-8080}")
}

# bld_up DESC PATH [SECONDS]: passes when the container answers 200 on PATH.
bld_up() {
  if [ -z "${CID:-}" ]; then t_fail "$1 (no container)"; return 1; fi
  if t_wait_http "http://127.0.0.1:$PORT_H$2" "${3:-15}"; then t_ok "$1"; else
    t_fail "$1 (no 200 on $2)"; podman logs "$CID" 2>&1 | tail -n 15 | sed 's/^/    # /'
    return 1
  fi
}

# bld_stop: remove the current container now (frees its server early).
bld_stop() { podman rm -f -t 2 "$CID" > /dev/null 2>&1; }

# bld_get PATH [curl options...]: GET PATH from the current container.
# Prints the status code; the body goes to $T_DIR/body, the headers to
# $T_DIR/headers.
bld_get() {
  local p=$1
  shift
  rm -f "$T_DIR/body" "$T_DIR/headers"
  curl -sS --max-time 10 -o "$T_DIR/body" -D "$T_DIR/headers" -w '%{http_code}' "$@" \
    "http://127.0.0.1:$PORT_H$p" 2>/dev/null || true
}

# bld_hdr NAME: a header's value from the last bld_get ("" if absent).
bld_hdr() {
  tr -d '\r' < "$T_DIR/headers" 2>/dev/null | awk -v n="$1" '
    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == tolower(n)) { v = substr($0, i + 1); sub(/^ +/, "", v); print v; exit } }'
}

# bld_exited SECONDS: wait (bounded) for the current container to stop;
# prints its exit code, or "running".
bld_exited() {
  local st
  # shellcheck disable=SC2317
  stopped() {
    st=$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$CID" 2>/dev/null)
    case "$st" in exited*|stopped*) return 0 ;; esac
    return 1
  }
  if t_wait "$1" stopped; then echo "${st#* }"; else echo running; fi
}

# bld_layers TAR: the Layers of the first image in TAR's manifest.json.
bld_layers() {
  python3 -c '
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    print("\n".join(json.load(tf.extractfile("manifest.json"))[0]["Layers"]))' "$1"
}

# bld_chromium URL PNG: a headless Chromium screenshot of URL (1024x768).
bld_chromium() {
  local prof
  prof=$(mktemp -d "$T_DIR/chromium.XXXXXX")
  mkdir -p "$(dirname "$2")"
  rm -f "$2"
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$prof" --screenshot="$2" --window-size=1024,768 "$1" \
    > "$T_DIR/chromium.log" 2>&1
}

# bld_png_size PNG: "WIDTHxHEIGHT" from a PNG's IHDR, or "not a PNG".
bld_png_size() {
  python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(24)
print("%dx%d" % struct.unpack(">II", d[16:24]) if d[:8] == b"\x89PNG\r\n\x1a\n" else "not a PNG")' "$1"
}
