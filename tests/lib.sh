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

# Every result is one TAP line on stdout and in $S2I_RESULTS_TMP.  A file
# declares how many results it gives with t_plan N before its first one;
# run-shell-suite.sh fails a file that gives fewer or more.
T_PLAN=
T_RAN=0
t_line() { echo "$1"; echo "$1" >> "$S2I_RESULTS_TMP"; T_RAN=$((T_RAN + 1)); }
t_plan() { T_PLAN=$1; echo "1..$1"; echo "1..$1" >> "$S2I_RESULTS_TMP"; }
t_ok()   { t_line "ok - $*"; }
t_fail() { t_line "not ok - $*"; }

# t_skip REASON [COUNT]: COUNT (default 1) tests that cannot run here, with
# the reason.  A skip is counted as a skip, never as a pass.
t_skip() {
  local i
  for i in $(seq 1 "${2:-1}"); do t_line "ok - # SKIP $1"; done
}

# t_skip_all REASON: the file cannot run here; skip the rest of its plan
# and exit.
t_skip_all() {
  if [ -z "$T_PLAN" ]; then
    t_fail "$(basename "$0"): t_skip_all before t_plan ($1)"; exit 1
  fi
  local ran=$T_RAN   # results given in subshells count too
  [ -f "$S2I_RESULTS_TMP" ] && ran=$(grep -c '^\(ok\|not ok\)' "$S2I_RESULTS_TMP")
  [ "$T_PLAN" -gt "$ran" ] && t_skip "$1" $((T_PLAN - ran))
  exit 0
}

# t_need_root REASON: skip the rest of the file unless running as root.
t_need_root() { [ "$(id -u)" = 0 ] || t_skip_all "needs root ($1)"; }

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
