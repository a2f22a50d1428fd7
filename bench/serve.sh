#!/bin/bash
# s2i serve's two targets (docs/PERFORMANCE.md, "s2i serve"):
#  1. zero failed requests while 10 consecutive redeploys switch nginx
#     (wrk against the app's public port the whole time; its max latency
#     is the longest request seen, switches included);
#  2. webhook answer latency p99 under 50 ms while a build runs and 200
#     requests/s of mixed valid and invalid webhooks arrive (a paced,
#     bounded Python client: 10 s x 200 req/s).
# Uses the busybox fixture builder; run from the top: bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=$PWD/tests/containers.conf
S2I=$PWD/bin/s2i
BUILDER=$PWD/build/fixtures/busybox-builder.tar
tests/fixtures/busybox-builder.sh "$BUILDER"
W=$(mktemp -d /tmp/bench-serve.XXXXXX)
SECRET=bench-secret-123
APP=bench-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/state/apps/$APP/nginx/nginx.pid" ] && kill "$(cat "$W/state/apps/$APP/nginx/nginx.pid")" 2>/dev/null
  for c in $(podman ps -a --filter "label=io.s2i.serve.app=$APP" --format '{{.Names}}'); do
    podman rm -f -t 0 "$c" > /dev/null 2>&1 || true
  done
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
commit() {
  git -C "$W/work" add -A
  git -C "$W/work" -c user.name=b -c user.email=b@x commit -qm "$1"
  git -C "$W/work" push -q "$W/site.git" main
}

mkdir -p "$W/work"
git init -q --bare -b main "$W/site.git"
git -C "$W/work" init -q -b main
echo v0 > "$W/work/index.html"
commit v0
PUB=$(free_port)
cat > "$W/serve.json" <<JSON
{"listen": "127.0.0.1:0", "state_dir": "$W/state", "rate_limit": 100000,
 "rate_burst": 100000, "max_connections": 256,
 "apps": [{"name": "$APP", "source": "file://$W/site.git",
 "builder": "$BUILDER", "secret": "$SECRET",
 "deploy": {"type": "podman", "port": $PUB, "drain_ms": 1000}}]}
JSON
chmod 600 "$W/serve.json"
"$S2I" serve --config "$W/serve.json" > "$W/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'port [0-9]' "$W/serve.log" && break; sleep 0.1; done
URL=http://127.0.0.1:$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$W/serve.log")

hook() {
  local c body
  c=$(git -C "$W/site.git" rev-parse main)
  body="{\"ref\":\"refs/heads/main\",\"after\":\"$c\"}"
  curl -sS -H 'X-GitHub-Event: push' --data-binary "$body" \
    "$URL/apps/$APP/webhooks/$SECRET/github" | jq -r .build
}
wait_done() {
  for _ in $(seq 1 600); do
    case $(curl -sS "$URL/apps/$APP/builds" | jq -r ".[] | select(.id == $1) | .status") in
      succeeded) return 0 ;;
      failed|cancelled) echo "build $1 failed:" >&2; tail -n 30 "$W/state/logs/$1.log" >&2; return 1 ;;
    esac
    sleep 0.2
  done
  return 1
}

id=$(hook); wait_done "$id"
echo "== 1. 10 redeploys under wrk (2 threads, 8 connections)"
wrk -t2 -c8 -d600s --latency "http://127.0.0.1:$PUB/" > "$W/wrk.out" 2>&1 &
WRK=$!
PIDS+=($WRK)
sleep 1
t0=$(date +%s)
for i in $(seq 1 10); do
  echo "v$i" > "$W/work/index.html"; commit "v$i"
  id=$(hook); wait_done "$id"
done
t1=$(date +%s)
sleep 1
kill -INT "$WRK"; wait "$WRK" || true
cat "$W/wrk.out"
echo "redeploys: 10 in $((t1 - t0)) s; served now: $(curl -sS "http://127.0.0.1:$PUB/")"
if grep -Eq 'Non-2xx|Socket errors' "$W/wrk.out"; then echo "FAILED REQUESTS: see above"; else echo "failed requests: 0"; fi

echo "== 2. webhook latency at 200 req/s, mixed, while a build runs"
mkdir -p "$W/work/.s2i"
printf '#!/bin/sh\nsleep 60\n' > "$W/work/.s2i/action"; chmod +x "$W/work/.s2i/action"
commit slow
id=$(hook)
for _ in $(seq 1 100); do
  [ "$(curl -sS "$URL/apps/$APP/builds" | jq -r ".[] | select(.id == $id) | .status")" = running ] && break
  sleep 0.1
done
python3 - "$URL" "$APP" "$SECRET" "$(git -C "$W/site.git" rev-parse main)" <<'PY'
import hashlib, hmac, http.client, sys, threading, time
url, app, secret, commit = sys.argv[1:5]
host, port = url.split("//")[1].split(":")
body = ('{"ref":"refs/heads/main","after":"%s"}' % commit).encode()
sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
kinds = [  # (path secret, headers, body): valid, bad signature, wrong secret, malformed
    (secret, {"X-GitHub-Event": "push", "X-Hub-Signature-256": sig}, body),
    (secret, {"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + "0" * 64}, body),
    ("wrong-secret-1", {"X-GitHub-Event": "push"}, body),
    (secret, {"X-GitHub-Event": "push"}, b'{"ref": '),
]
RATE, SECS, N_THREADS = 200, 10, 8
lat, codes, lock = [], {}, threading.Lock()
start = time.monotonic()
def worker(k):
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    for i in range(k, RATE * SECS, N_THREADS):
        due = start + i / RATE
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        s, h, b = kinds[i % len(kinds)]
        t = time.monotonic()
        try:
            conn.request("POST", "/apps/%s/webhooks/%s/github" % (app, s), b, h)
            r = conn.getresponse(); r.read(); c = r.status
        except Exception as e:
            c = "error"; conn = http.client.HTTPConnection(host, int(port), timeout=5)
        with lock:
            lat.append(time.monotonic() - t); codes[c] = codes.get(c, 0) + 1
ts = [threading.Thread(target=worker, args=(k,)) for k in range(N_THREADS)]
[t.start() for t in ts]; [t.join() for t in ts]
el = time.monotonic() - start
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
print("requests %d in %.1f s (%.0f req/s); answers %s" % (len(lat), el, len(lat) / el, codes))
print("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f" % (p(.5), p(.9), p(.99), lat[-1] * 1000))
print("p99 < 50 ms: %s" % ("met" if p(.99) < 50 else "MISSED"))
PY
echo "build $id still: $(curl -sS "$URL/apps/$APP/builds" | jq -r ".[] | select(.id == $id) | .status")"
