# Shared helpers for the shell test suites (tests/cli, tests/e2e).
# A test file sources this, calls `t_ok`/`t_fail` or the check helpers, and
# every result line goes to $S2I_RESULTS_TMP for run-shell-suite.sh to count.
set -u

S2I=${S2I_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/s2i}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${S2I_BUILD_DIR:-$TOP/build}
# Slow images (builders, Debian fixtures) are shared by every build dir.
SHARED=$TOP/build
export CONTAINERS_CONF=${CONTAINERS_CONF:-$TOP/tests/containers.conf}
: "${S2I_RESULTS_TMP:=/dev/null}"

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s2i-test.XXXXXX")
T_CLEANUP=()
t_cleanup() {
  local c
  for c in "${T_CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1; done
  rm -rf "$T_DIR"
}
trap t_cleanup EXIT
t_defer() { T_CLEANUP+=("$1"); }

t_ok()   { echo "ok - $*"; echo "ok - $*" >> "$S2I_RESULTS_TMP"; }
t_fail() { echo "not ok - $*"; echo "not ok - $*" >> "$S2I_RESULTS_TMP"; }

# t_check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
t_check() {
  local d=$1; shift
  if "$@" > "$T_DIR/last.out" 2>&1; then t_ok "$d"; else
    t_fail "$d"; sed 's/^/    # /' "$T_DIR/last.out" | tail -n 20; fi
}

# t_grep DESCRIPTION PATTERN FILE: passes when FILE matches PATTERN (ERE).
t_grep() {
  if grep -Eq -- "$2" "$3"; then t_ok "$1"; else
    t_fail "$1 (no /$2/ in $3)"; sed 's/^/    # /' "$3" | tail -n 20; fi
}

t_eq() {
  if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1: expected '$3', got '$2'"; fi
}

# t_wait_http URL SECONDS: poll until URL answers 200 (bounded).
t_wait_http() {
  local i
  for i in $(seq 1 $(($2 * 10))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# A free TCP port on loopback.
t_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
