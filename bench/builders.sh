#!/bin/bash
# The builder images at run time (issue 4, bench/ part):
#  1. requests/s, wrk against the Lektor quickstart site served by our
#     lektor image (nginx as `run` configures it) vs Debian's nginx with
#     Debian's default settings serving the same files in the same image
#     and the same kind of container (target >= 1.0x, issue 12);
#  2. requests/s, a WSGI hello world served by our python image (Apache
#     + mod_wsgi as `run` configures it) vs gunicorn run the way sclorg's
#     s2i-python-container runs it, in the same image, like for like:
#     both logging requests or neither
#     (target >= 1x);
#  3. time from `podman run -d` / `podman start` to the first 200
#     (median of 5; target < 1 s).
# Every container: arbitrary UID, read-only root, an emptyDir-like 0777
# /tmp, --cap-drop ALL, published on 127.0.0.1.  wrk runs on the same
# machine as the servers.  Prints Markdown for docs/PERFORMANCE.md.
#
# Knobs: RUNS (3), DURATION (10s), STARTS (5), BENCH_PORT (18380),
# PARTS ("static wsgi start": which of 1-3 to run), OURS_ENV (a NAME=VALUE
# for our WSGI containers, e.g. WEB_CONCURRENCY=4).
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=$PWD/tests/containers.conf
S2I=$PWD/bin/s2i
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
STARTS=${STARTS:-5}
PORT=${BENCH_PORT:-18380}
PARTS=${PARTS:-static wsgi start}
part() { [[ " $PARTS " == *" $1 "* ]]; }
UID_RUN=1000650000
LEKTOR_IMG=localhost/bench-lektor:1
WSGI_IMG=localhost/bench-wsgi:1
NAMES=(bench-b-ours bench-b-base bench-b-w0 bench-b-w1 bench-b-w2 bench-b-w3 bench-b-start)

for t in wrk podman curl lektor python3 git; do
  command -v "$t" >/dev/null || { echo "builders.sh: needs $t" >&2; exit 1; }
done
# gunicorn comes from Debian (python3-gunicorn) and is bind-mounted into
# the python image, which has the same Python 3.11 and pkg_resources.
GUNICORN_PKG=/usr/lib/python3/dist-packages/gunicorn
[ -d "$GUNICORN_PKG" ] || { echo "builders.sh: needs Debian's gunicorn (apt-get install gunicorn)" >&2; exit 1; }
[ -x "$S2I" ] || make -s bin/s2i
if [ ! -f build/builders/python.tar ] || [ ! -f build/builders/lektor.tar ]; then make -s builders; fi

work=$(mktemp -d /var/tmp/s2i-bench-builders.XXXXXX)
cleanup() {
  for n in "${NAMES[@]}"; do podman rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  podman rmi -f "$LEKTOR_IMG" "$WSGI_IMG" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "builders.sh: $*" >&2; }

# A fresh emptyDir-like /tmp (0777, no sticky bit) for each container.
newtmp() {
  local d
  d=$(mktemp -d "$work/tmp.XXXXXX")
  chmod 0777 "$d"
  echo "$d"
}

# run NAME HOSTPORT TMPDIR [podman run options...] IMAGE [args...]
run() {
  local name=$1 port=$2 tmp=$3
  shift 3
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  podman run -d --name "$name" -u "$UID_RUN:0" --read-only --read-only-tmpfs=false \
    -v "$tmp:/tmp" --cap-drop ALL -p "127.0.0.1:$port:8080" "$@" >/dev/null
}

# Wait (bounded: 15 s, each try at most 1 s) for a 200 on URL.
wait200() {
  local end=$((SECONDS + 15))
  while [ $SECONDS -lt $end ]; do
    [ "$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.05
  done
  log "no 200 from $1 within 15 s"
  return 1
}

stop() { podman rm -f -t 2 "$1" >/dev/null 2>&1 || true; }

# rps URL -> requests/s; fails on errors or non-2xx answers.
rps() {
  local out
  out=$(wrk -t2 -c50 -d"$DURATION" "$1")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    log "wrk reported errors for $1:"
    echo "$out" >&2
    return 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lastof() { awk '{ print $NF }' <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "MISSED") }'; }

# ---------------------------------------------------------------- apps
site=$work/site
printf 'My Site\n\n\n\n\n\n\n' | lektor quickstart --name "My Site" --path "$site" >/dev/null
git -C "$site" init -q && git -C "$site" add -A &&
  git -C "$site" -c user.name=b -c user.email=b@b commit -qm bench
"$S2I" build -q "$site" build/builders/lektor.tar "$LEKTOR_IMG" -o "$work/lektor.tar"
podman load -q -i "$work/lektor.tar" >/dev/null

app=$work/wsgi
mkdir -p "$app"
cat >"$app/wsgi.py" <<'EOF'
def application(environ, start_response):
    body = b"Hello World!"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
EOF
git -C "$app" init -q && git -C "$app" add -A &&
  git -C "$app" -c user.name=b -c user.email=b@b commit -qm bench
"$S2I" build -q "$app" build/builders/python.tar "$WSGI_IMG" -o "$work/wsgi.tar"
podman load -q -i "$work/wsgi.tar" >/dev/null
rm -f "$work/lektor.tar" "$work/wsgi.tar"

# Debian's /etc/nginx/nginx.conf + sites-available/default, changed only
# where a read-only root and a non-root UID force it: pid, temp paths
# and error log under /tmp or stderr, port 8080, root /data (the built
# site in the image), no `user` (ignored when not root).  Access log
# off: Debian writes it to /var/log/nginx (read-only here), and ours is
# off by default too, so this favours neither.
stock_conf() {
  mkdir -p "$1/stock"
  cat >"$1/stock/nginx.conf" <<'EOF'
worker_processes auto;
pid /tmp/stock/nginx.pid;
error_log stderr;
events {
	worker_connections 768;
}
http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log off;
	gzip on;
	client_body_temp_path /tmp/stock/body;
	proxy_temp_path /tmp/stock/proxy;
	fastcgi_temp_path /tmp/stock/fastcgi;
	uwsgi_temp_path /tmp/stock/uwsgi;
	scgi_temp_path /tmp/stock/scgi;
	server {
		listen 8080 default_server;
		root /data;
		index index.html index.htm index.nginx-debian.html;
		server_name _;
		location / {
			try_files $uri $uri/ =404;
		}
	}
}
EOF
  chmod -R a+rwX "$1/stock"
}

# start_lektor ours|stock NAME HOSTPORT
start_lektor() {
  case $1 in
  ours) run "$2" "$3" "$(newtmp)" "$LEKTOR_IMG" ;;
  stock)
    local t
    t=$(newtmp)
    stock_conf "$t"
    run "$2" "$3" "$t" --entrypoint '["/usr/sbin/nginx"]' "$LEKTOR_IMG" \
      -p /tmp/stock/ -e stderr -g 'daemon off;' -c /tmp/stock/nginx.conf
    ;;
  esac
  wait200 "http://127.0.0.1:$3/"
}

# sclorg's run: `gunicorn "$APP_MODULE" --bind=0.0.0.0:8080
# --access-logfile=- --config "$APP_CONFIG"` with WEB_CONCURRENCY from
# get_default_web_concurrency: min(2 x cores, (memory MiB - 43) / 40, 12)
# = 4 on 2 cores without a memory limit.  Sync workers.  Ours runs with
# its defaults (mod_wsgi embedded mode: worker MPM, one Apache child per
# CPU, 2 to 8; OURS_ENV adds a variable, e.g. WEB_CONCURRENCY=4 or
# WSGI_MODE=daemon for mod_wsgi-express's daemon process).  Like for like, each logs requests
# to stdout or neither does: "log" pairs ACCESS_LOG=on with gunicorn's
# --access-logfile=-, "nolog" neither.
# start_wsgi ours-log|ours-nolog|gunicorn-log|gunicorn-nolog NAME HOSTPORT
start_wsgi() {
  local log=(--access-logfile=-) acc=on
  case $1 in
  ours*)
    [ "$1" = ours-nolog ] && acc=off
    # shellcheck disable=SC2086
    run "$2" "$3" "$(newtmp)" ${OURS_ENV:+-e $OURS_ENV} -e ACCESS_LOG=$acc "$WSGI_IMG" ;;
  gunicorn*)
    [ "$1" = gunicorn-nolog ] && log=()
    run "$2" "$3" "$(newtmp)" -v "$GUNICORN_PKG:$GUNICORN_PKG:ro" -e WEB_CONCURRENCY=4 \
      "$WSGI_IMG" python3 -m gunicorn wsgi --bind=0.0.0.0:8080 "${log[@]}" --worker-tmp-dir /tmp
    ;;
  esac
  wait200 "http://127.0.0.1:$3/"
}

# The servers under comparison run side by side on PORT, PORT+1 (and
# PORT+2), idle while the other is measured.  wrk alternates between
# them, and the order flips every run, so that load from elsewhere on
# the machine (other builds, other tests) falls on both alike; the
# report gives the median of each and the median of the per-run ratios.
declare -A R
P0=$PORT P1=$((PORT + 1)) P2=$((PORT + 2))

if part static; then
# ------------------------------------------------------- 1. static site
start_lektor ours bench-b-ours "$P0"
start_lektor stock bench-b-base "$P1"
for p in / /static/style.css; do # the two must answer with the same bytes
  [ "$(curl -sf "http://127.0.0.1:$P0$p" | sha256sum)" = "$(curl -sf "http://127.0.0.1:$P1$p" | sha256sum)" ] ||
    { log "ours and Debian's nginx serve different bytes for $p"; exit 1; }
done
log "Lektor site: $RUNS runs x 2 paths x 2 servers x $DURATION"
for i in $(seq 1 "$RUNS"); do
  for p in / /static/style.css; do
    order="ours:$P0 stock:$P1"
    [ $((i % 2)) = 0 ] && order="stock:$P1 ours:$P0"
    for w in $order; do R[${w%:*}$p]+="$(rps "http://127.0.0.1:${w#*:}$p") "; done
    R[ratio$p]+="$(ratio "$(lastof "${R[ours$p]}")" "$(lastof "${R[stock$p]}")") "
  done
done
stop bench-b-ours
stop bench-b-base
fi

if part wsgi; then
# ------------------------------------------------------------ 2. WSGI
WSGI_SERVERS=(ours-log gunicorn-log ours-nolog gunicorn-nolog)
declare -A WP
for k in 0 1 2 3; do
  WP[${WSGI_SERVERS[$k]}]=$((PORT + k))
  start_wsgi "${WSGI_SERVERS[$k]}" "bench-b-w$k" "$((PORT + k))"
  [ "$(curl -s "http://127.0.0.1:$((PORT + k))/")" = "Hello World!" ] ||
    { log "${WSGI_SERVERS[$k]}: wrong body"; exit 1; }
done
log "WSGI hello world: $RUNS runs x 4 servers x $DURATION"
for i in $(seq 1 "$RUNS"); do
  order="${WSGI_SERVERS[*]}"
  [ $((i % 2)) = 0 ] && order="gunicorn-nolog ours-nolog gunicorn-log ours-log"
  for w in $order; do R[$w]+="$(rps "http://127.0.0.1:${WP[$w]}/") "; done
  for v in log nolog; do
    R[ratio-$v]+="$(ratio "$(lastof "${R[ours-$v]}")" "$(lastof "${R[gunicorn-$v]}")") "
  done
done
for k in 0 1 2 3; do stop "bench-b-w$k"; done
fi

if part start; then
# ------------------------------------------------------- 3. first 200
# Python keeps the clock: t0 just before `podman run -d` (or `podman
# start` of a container made by `podman create`), t1 at the first 200,
# polling every 5 ms, bounded at 15 s.
first200() {
  python3 - "$PORT" "$@" <<'PY'
import http.client, subprocess, sys, time
port, cmd = int(sys.argv[1]), sys.argv[2:]
t0 = time.monotonic()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
while time.monotonic() - t0 < 15:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/")
        if c.getresponse().status == 200:
            print(f"{time.monotonic() - t0:.3f}")
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.005)
sys.exit("no 200 within 15 s")
PY
}

log "first 200: $STARTS starts x 2 images x (run -d, start)"
opts() { echo "-u $UID_RUN:0 --read-only --read-only-tmpfs=false -v $(newtmp):/tmp --cap-drop ALL -p 127.0.0.1:$PORT:8080"; }
for _ in $(seq 1 "$STARTS"); do
  for img in lektor wsgi; do
    ref=$LEKTOR_IMG
    [ $img = wsgi ] && ref=$WSGI_IMG
    podman rm -f -t 0 bench-b-start >/dev/null 2>&1 || true
    # shellcheck disable=SC2046
    R[run-$img]+="$(first200 podman run -d --name bench-b-start $(opts) "$ref") "
    stop bench-b-start
    # shellcheck disable=SC2046
    podman create --name bench-b-start $(opts) "$ref" >/dev/null
    R[start-$img]+="$(first200 podman start bench-b-start) "
    stop bench-b-start
  done
done
fi

# -------------------------------------------------------------- report
# shellcheck disable=SC2086
m() { median ${R[$1]}; }
echo "Date: $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "wrk -t2 -c50 -d$DURATION on the same machine as the servers; median of $RUNS runs (all runs in brackets)."
if part static; then
echo
echo "### Static: the Lektor quickstart site"
echo
echo "| path | ours (nginx as run configures it), req/s | Debian nginx, default settings, req/s | ours / Debian: of medians, median of per-run (runs) | target | verdict |"
echo "|---|---|---|---|---|---|"
for p in / /static/style.css; do
  r=$(ratio "$(m "ours$p")" "$(m "stock$p")")
  echo "| \`$p\` | $(m "ours$p") (${R[ours$p]% }) | $(m "stock$p") (${R[stock$p]% }) | $r, $(m "ratio$p") (${R[ratio$p]% }) | >= 1.0 | $(verdict "$(m "ratio$p")" 1.0) |"
done
fi
if part wsgi; then
echo
echo "### WSGI hello world"
echo
echo "| pair | ours: Apache 2.4 + mod_wsgi 4.9${OURS_ENV:+ with $OURS_ENV}, req/s | gunicorn 20.1, 4 sync workers, req/s | ours / gunicorn: of medians, median of per-run (runs) | target | verdict |"
echo "|---|---|---|---|---|---|"
for v in log nolog; do
  label="access log to stdout (ACCESS_LOG=on / --access-logfile=-, as sclorg)"
  [ $v = nolog ] && label="no access log (ACCESS_LOG=off / none)"
  r=$(ratio "$(m ours-$v)" "$(m gunicorn-$v)")
  echo "| $label | $(m ours-$v) (${R[ours-$v]% }) | $(m gunicorn-$v) (${R[gunicorn-$v]% }) | $r, $(m ratio-$v) (${R[ratio-$v]% }) | >= 1 | $(verdict "$(m ratio-$v)" 1) |"
done
fi
if part start; then
echo
echo "### Time to the first 200"
echo
echo "| image | \`podman run -d\` to 200, s | \`podman start\` to 200, s | target | verdict |"
echo "|---|---|---|---|---|"
for img in lektor wsgi; do
  v=$(awk -v a="$(m run-$img)" 'BEGIN { print (a < 1 ? "met" : "MISSED") }')
  echo "| $img | $(m run-$img) (${R[run-$img]% }) | $(m start-$img) (${R[start-$img]% }) | < 1 | $v |"
done
fi
