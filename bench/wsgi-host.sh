#!/bin/bash
# WSGI hello world on this host, without containers: the python
# builder's `run` (Apache httpd + mod_wsgi as run configures it, from
# build/builders/bin, its defaults: embedded mode, worker MPM) vs
# gunicorn (Debian's, 4 sync workers, as sclorg runs it on 2 cores), like
# for like: both logging each request to stdout (ACCESS_LOG=on /
# --access-logfile=-) or neither.  OURS_ENV adds variables to ours (e.g.
# OURS_ENV=WEB_CONCURRENCY=4 for 4 Apache children, WSGI_MODE=daemon for
# mod_wsgi-express's daemon process).  The same
# comparison as bench/builders.sh part 2, for when podman's networking
# is unavailable or to leave container overhead out.  wrk -t2 -c50;
# prints Markdown for docs/PERFORMANCE.md.
#
# Knobs: RUNS (3), DURATION (10s).  Needs root (run as uid 1001, as in
# the image), apache2-bin, libapache2-mod-wsgi-py3, gunicorn, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
BIN=$PWD/build/builders/bin
for t in wrk setpriv apache2 curl; do
  command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "wsgi-host.sh: needs $t" >&2; exit 1; }
done
/usr/bin/python3 -c 'import gunicorn' || { echo "wsgi-host.sh: needs gunicorn" >&2; exit 1; }
[ -x "$BIN/run" ] || make -s builder-progs

work=$(mktemp -d /var/tmp/s2i-bench-wsgi.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/app/src" "$work/data"
cat > "$work/app/src/wsgi.py" <<'EOF'
def application(environ, start_response):
    body = b"Hello World!"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
EOF
/usr/bin/python3 -m venv --system-site-packages --without-pip "$work/app/venv"
chown -R 1001:0 "$work"

# free_port: a port the kernel hands out now (closed again at once).
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start NAME: the server in its own process group; sets PORT_<NAME>.
start() {
  local name=$1 port tmp log
  port=$(free_port)
  tmp=$work/tmp-$name
  mkdir -p "$tmp" && chown 1001:0 "$tmp" && chmod 700 "$tmp"
  log=$work/$name.log
  case $name in
  ours-log | ours-nolog)
    local acc=on
    [ "$name" = ours-nolog ] && acc=off
    setsid setpriv --reuid 1001 --regid 0 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/bin \
      APP_ROOT="$work/app" TMPDIR="$tmp" WHISKEY_DATADIR="$work/data" PORT="$port" \
      ${OURS_ENV:-} ACCESS_LOG=$acc "$BIN/run" > "$log" 2>&1 &
    ;;
  gunicorn-log | gunicorn-nolog)
    local logopt=(--access-logfile=-)
    [ "$name" = gunicorn-nolog ] && logopt=()
    setsid setpriv --reuid 1001 --regid 0 --clear-groups env -i --chdir="$work/app/src" PATH=/usr/bin:/bin \
      /usr/bin/python3 -m gunicorn wsgi --workers 4 \
      --bind "127.0.0.1:$port" "${logopt[@]}" --worker-tmp-dir "$tmp" > "$log" 2>&1 &
    ;;
  esac
  pids+=($!)
  for _ in $(seq 1 300); do
    [ "$(curl -s --max-time 1 "http://127.0.0.1:$port/" || true)" = "Hello World!" ] && break
    sleep 0.05
  done
  [ "$(curl -s --max-time 1 "http://127.0.0.1:$port/")" = "Hello World!" ] ||
    { echo "wsgi-host.sh: $name did not answer; its log:" >&2; cat "$log" >&2; exit 1; }
  printf -v "PORT_${name//-/_}" '%s' "$port"
  echo "wsgi-host.sh: $name on port $port" >&2
}

# rps NAME URL -> requests/s; non-2xx answers abort, socket errors are
# counted in $work/errors (reported with the table).
rps() {
  local out
  out=$(wrk -t2 -c50 -d"$DURATION" "$2")
  if grep -q 'Non-2xx' <<<"$out"; then echo "wsgi-host.sh: non-2xx from $1" >&2; echo "$out" >&2; return 1; fi
  sed -n "s/.*Socket errors: \(.*\)/$1: \1/p" <<<"$out" >> "$work/errors"
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Ours (chdir in the app root, as the image's WORKDIR).
cd "$work/app/src"
for s in ours-log gunicorn-log ours-nolog gunicorn-nolog; do start "$s"; done
declare -A R
for i in $(seq 1 "$RUNS"); do
  order="ours-log gunicorn-log ours-nolog gunicorn-nolog"
  [ $((i % 2)) = 0 ] && order="gunicorn-nolog ours-nolog gunicorn-log ours-log"
  for s in $order; do
    v=PORT_${s//-/_}
    R[$s]+="$(rps "$s" "http://127.0.0.1:${!v}/") "
  done
  for m in log nolog; do
    R[ratio-$m]+="$(ratio "$(echo "${R[ours-$m]}" | awk '{print $NF}')" "$(echo "${R[gunicorn-$m]}" | awk '{print $NF}')") "
  done
done
lines=$(wc -l < "$work/ours-log.log")
echo "Date: $(date -u +%Y-%m-%d), $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "wrk -t2 -c50 -d$DURATION; median of $RUNS runs (all runs in brackets). Access log lines written by ours-log: $lines."
echo
echo "| pair | ours: Apache 2.4 + mod_wsgi${OURS_ENV:+ with $OURS_ENV}, req/s | gunicorn 20.1, 4 sync workers, req/s | ours / gunicorn: of medians, median of per-run | target |"
echo "|---|---|---|---|---|"
touch "$work/errors"
for m in log nolog; do
  label="access log to stdout"
  [ $m = nolog ] && label="no access log"
  # shellcheck disable=SC2086
  echo "| $label | $(median ${R[ours-$m]}) (${R[ours-$m]% }) | $(median ${R[gunicorn-$m]}) (${R[gunicorn-$m]% }) | $(ratio "$(median ${R[ours-$m]})" "$(median ${R[gunicorn-$m]})"), $(median ${R[ratio-$m]}) (${R[ratio-$m]% }) | >= 1 |"
done
echo
echo "wrk socket errors: $(if [ -s "$work/errors" ]; then tr '\n' ';' < "$work/errors"; else echo none; fi)"
