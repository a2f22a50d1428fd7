#!/bin/sh
# All benchmarks; paste their tables into docs/PERFORMANCE.md.
set -e
cd "$(dirname "$0")"
for b in ./build.sh ./builders.sh ./serve.sh ./sandbox.sh ./registry.sh; do echo "## $b"; "$b"; done
