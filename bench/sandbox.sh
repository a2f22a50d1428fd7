#!/bin/bash
# The cost of the sandbox's boundaries (issue 10): the same small build
# with every boundary on (the default: user namespace with idmapped
# layers, seccomp, cgroups, private network through slirp4netns) and with
# them off (--userns host --network host --security-opt seccomp=unconfined,
# cgroups still made).  Prints a Markdown table for docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export S2I_CACHE_DIR=$PWD/build/bench-cache
S2I=$PWD/bin/s2i
RUNS=${RUNS:-10}
work=$(mktemp -d /var/tmp/s2i-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

builder=$PWD/build/fixtures/busybox-builder.tar
tests/fixtures/busybox-builder.sh "$builder"
src=$work/src
mkdir -p "$src" && echo '<h1>bench</h1>' > "$src/index.html"
"$S2I" build -q --copy "$src" "$builder" bench:1 -o "$work/warm.tar"

off="--userns host --network host --security-opt seccomp=unconfined"
hyperfine --runs "$RUNS" --warmup 2 --export-json "$work/h.json" \
  -n "default (all boundaries)" "$S2I build -q --copy $src $builder bench:1 -o $work/out.tar" \
  -n "network none" "$S2I build -q --copy --network none $src $builder bench:1 -o $work/out.tar" \
  -n "boundaries off" "$S2I build -q --copy $off $src $builder bench:1 -o $work/out.tar" \
  >&2

python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| build | median (ms) | min (ms) | max (ms) |")
print("|---|---|---|---|")
for x in r:
    print(f"| {x['command']} | {x['median']*1000:.0f} | {x['min']*1000:.0f} | {x['max']*1000:.0f} |")
print(f"\nratio default / off: {r[0]['median'] / r[2]['median']:.2f}")
PY
