#!/bin/bash
# s2i build vs the same work done the OpenShift way (podman build of the
# --as-dockerfile shape, then podman save), same busybox builder, a
# 200-file / 5 MB source.  Then peak RSS of s2i build on a 1 GB source.
# Prints a Markdown table for docs/PERFORMANCE.md.  --no-cache: every run
# is a real build (an unchanged rebuild would reuse the stored image).
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=$PWD/tests/containers.conf
export S2I_CACHE_DIR=$PWD/build/bench-cache S2I_STORE=$PWD/build/bench-store
S2I=$PWD/bin/s2i
RUNS=${RUNS:-5}
work=$(mktemp -d /var/tmp/s2i-bench.XXXXXX)
trap 'rm -rf "$work"; podman rmi -f localhost/bench-df:1 >/dev/null 2>&1 || true' EXIT

builder=$PWD/build/fixtures/busybox-builder.tar
tests/fixtures/busybox-builder.sh "$builder"

# 200 files, 25 KiB each = 5 MB, in 10 directories; a Git repository.
src=$work/src
for d in $(seq 0 9); do
  mkdir -p "$src/dir$d"
  for f in $(seq 0 19); do
    head -c 25600 /dev/urandom > "$src/dir$d/file$f.bin"
  done
done
git -C "$src" init -q && git -C "$src" add -A &&
  git -C "$src" -c user.name=b -c user.email=b@b commit -qm bench

"$S2I" build -q "$src" "$builder" bench:1 -o "$work/warm.tar" # warm the cache
"$S2I" build -q "$src" "$builder" bench:1 --as-dockerfile "$work/df/Dockerfile"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$work/h.json" \
  -n "s2i build" "$S2I build -q --no-cache $src $builder bench:1 -o $work/out.tar" \
  -n "podman build + save" "podman build -q -t localhost/bench-df:1 $work/df >/dev/null && podman save -q -o $work/podman.tar localhost/bench-df:1 && rm -f $work/podman.tar" \
  >&2

python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| command | median (s) | min (s) | max (s) |")
print("|---|---|---|---|")
for x in r:
    print(f"| {x['command']} | {x['median']:.3f} | {x['min']:.3f} | {x['max']:.3f} |")
print(f"\nratio s2i / podman: {r[0]['median'] / r[1]['median']:.3f}")
PY

# Peak RSS on a 1 GB source tree (64 files of 16 MB).
big=$work/big
mkdir -p "$big"
for i in $(seq 1 64); do head -c 16777216 /dev/zero > "$big/f$i"; done
python3 - "$S2I" "$big" "$builder" "$work/big.tar" <<'PY'
import resource, subprocess, sys, time
s2i, src, builder, out = sys.argv[1:]
t = time.time()
subprocess.run([s2i, "build", "-q", src, builder, "big:1", "-o", out], check=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"\n1 GB source: s2i build peak RSS {rss:.1f} MB, {time.time() - t:.1f} s")
PY
