#!/bin/sh
# Run a libFuzzer binary for SECONDS on a copy of the seed corpus; write
# "<passed> <failed> <skipped>" to OUT (one result: no crash, no leak).
#   run-fuzz.sh OUT BINARY SECONDS
out=$1 bin=$2 secs=$3
echo running > "$out"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$(dirname "$0")"/fuzz-seeds/* "$corpus"/
if timeout $((secs + 60)) "$bin" -max_total_time="$secs" -rss_limit_mb=1024 \
    -artifact_prefix="$(dirname "$out")/fuzz-" "$corpus" > "$corpus.log" 2>&1; then
  echo "fuzz: $(tail -n 1 "$corpus.log")"
  echo "1 0 0" > "$out"
else
  tail -n 30 "$corpus.log"
  echo "fuzz: the webhook parsers crashed (input kept as $(dirname "$out")/fuzz-*)"
  echo "0 1 0" > "$out"
fi
rm -f "$corpus.log"
