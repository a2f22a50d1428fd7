# shellcheck shell=bash
# Shared helpers for the shell test suites (tests/*/test_*.sh).
# A test file sources this, declares its plan (`t_plan N`), calls
# `t_ok`/`t_fail`/`t_skip` or the check helpers, and every result line goes
# to $S2I_RESULTS_TMP for run-shell-suite.sh to count.  A file that cannot
# run here says why with `t_skip_all REASON` (or t_need / t_need_root).
set -u
# Sourced once per test file, even when two suites' helpers both source it.
[ -n "${T_LIB_LOADED:-}" ] && return 0
T_LIB_LOADED=1

S2I=${S2I_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/s2i}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${S2I_BUILD_DIR:-$TOP/build}
# Slow images (builders, Debian fixtures) are shared by every build dir.
SHARED=$TOP/build
export CONTAINERS_CONF=${CONTAINERS_CONF:-$TOP/tests/containers.conf}
: "${S2I_RESULTS_TMP:=/dev/null}"
# Each suite has its own s2i cache: suites run side by side, and a test
# checks that its builds leave nothing behind in the cache's tmp/.
export S2I_CACHE_DIR=${S2I_CACHE_DIR:-$BUILD/cache-${S2I_SUITE:-tests}}
# ... and its own image store (what `s2i build` records, `s2i images` lists).
export S2I_STORE=${S2I_STORE:-$BUILD/store-${S2I_SUITE:-tests}}

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s2i-test.XXXXXX")
T_CLEANUP=()
t_cleanup() {
  [ -n "${T_KEEP:-}" ] && { echo "# kept $T_DIR"; return; }
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

# t_need TOOL...: skip the rest of the file unless every TOOL (a command or
# a path) is here.  scripts/deps.sh installs them all.
t_need() {
  local c missing=""
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || [ -e "$c" ] || missing="$missing $c"
  done
  [ -z "$missing" ] || t_skip_all "not installed:$missing (scripts/deps.sh installs it)"
}

# t_wait SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds, for
# at most SECONDS (whole seconds); returns 1 when time runs out.
t_wait() {
  local end=$(($(date +%s%N) + $1 * 1000000000))
  shift
  while ! "$@"; do
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# t_wait_http URL SECONDS: poll until URL answers 200 (bounded).
t_wait_http() { t_wait "$2" curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; }

# t_gone PID: true once PID no longer exists (or is a zombie).
t_gone() {
  [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# t_all_gone PID...: true once none of the PIDs runs any more.
t_all_gone() {
  local p
  for p in "$@"; do t_gone "$p" || return 1; done
}

# t_descendants PID: the PIDs below PID, by parent links (the processes a
# process the test started has started in turn).
t_descendants() {
  local c
  for c in $(pgrep -P "$1"); do echo "$c"; t_descendants "$c"; done
}

# t_port_of_log FILE: the port a server printed in its ready line
# ("Serving HTTP on 127.0.0.1 port N" or "port N"), once it has.
t_port_of_log() { sed -n 's/.* port \([0-9][0-9]*\).*/\1/p' "$1" | head -n 1; }

# t_http_server DIR: serve DIR with python3's http.server on a port the
# kernel picks (port 0); sets T_HTTP_PID and T_HTTP_PORT (empty if it did
# not come up within 10 s) and logs requests to $T_DIR/http.log.
t_http_server() {
  python3 -u -m http.server --bind 127.0.0.1 --directory "$1" 0 > "$T_DIR/http.log" 2>&1 &
  T_HTTP_PID=$!
  t_defer "kill $T_HTTP_PID"
  T_HTTP_PORT=
  t_wait 10 grep -q 'Serving HTTP on .* port [0-9]' "$T_DIR/http.log" &&
    T_HTTP_PORT=$(t_port_of_log "$T_DIR/http.log")
}

# t_podman_port CONTAINER PORT: the host port podman published PORT on
# (run with -p 127.0.0.1::PORT, so the kernel picked it).
t_podman_port() { podman port "$1" "$2" 2>/dev/null | sed -n '1s/.*://p'; }

# t_port: a free TCP port on loopback, for a server under test that cannot
# be told to bind port 0 (it takes its port from $PORT): a random one that
# was free a moment ago, so prefer port 0 where possible.
t_port() {
  # Below the kernel's ephemeral range: podman publishes `-p ::PORT` on
  # ports the kernel gives (that range), with DNAT rules that can outlive a
  # removed container; a port from here never collides with one of those.
  python3 -c '
import random, socket
lo, hi = (int(x) for x in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
for _ in range(200):
    p = random.randint(20000, max(20001, lo - 1))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
'
}

# The shared fixtures: Git repositories, the Lektor quickstart site.
# shellcheck source=fixtures/fixtures.sh
. "$TOP/tests/fixtures/fixtures.sh"
