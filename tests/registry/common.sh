# Shared by the registry suite: Debian's docker-registry on 127.0.0.1 with a
# port the kernel picks, seeded with skopeo; optional TLS (a certificate made
# here with openssl), htpasswd Basic auth, Bearer token auth against
# token_server.py, and proxy.py in front (throttled, counting bytes).
# Nothing leaves the machine.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

RDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The token issuer needs Debian's python3-jwt: Debian's python.
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3

# Each file its own store and cache, so faults in one do not touch another.
export S2I_STORE=$T_DIR/store
export S2I_CACHE_DIR=$T_DIR/cache

fx_busybox_builder

# reg_start NAME [YAML]: a registry with its own storage under
# $T_DIR/NAME; YAML is added to the config (auth:, http.tls).  Sets
# REG_PORT (empty when it did not come up), REG_PID, REG_DATA, REG_LOG
# and REG_CONF.  REG_ADDR_PORT (when set) fixes the port, for a restart.
reg_start() {
  local name=$1 extra=${2:-}
  REG_DATA=$T_DIR/$name/data
  REG_LOG=$T_DIR/$name/registry.log
  REG_CONF=$T_DIR/$name/config.yml
  mkdir -p "$REG_DATA"
  cat > "$REG_CONF" <<YAML
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $REG_DATA
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${REG_ADDR_PORT:-0}
  secret: s2i-test-secret
$extra
YAML
  touch "$REG_LOG"
  local seen
  seen=$(grep -c 'listening on 127.0.0.1:[0-9]' "$REG_LOG")
  docker-registry serve "$REG_CONF" >> "$REG_LOG" 2>&1 &
  REG_PID=$!
  t_defer "kill $REG_PID"
  REG_PORT=
  # a restart appends to the log: wait for a new "listening on" line
  if t_wait 20 reg_listening_more "$seen"; then
    REG_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$REG_LOG" | tail -n 1)
  fi
}

# reg_listening_more N: the log has more than N "listening on" lines.
reg_listening_more() {
  [ "$(grep -c 'listening on 127.0.0.1:[0-9]' "$REG_LOG")" -gt "$1" ]
}

# reg_stop: stop the registry (SIGKILL: as a crash would).
reg_stop() { kill -9 "$REG_PID" 2>/dev/null; wait "$REG_PID" 2>/dev/null; true; }

# reg_seed PORT REPO:TAG [ARCHIVE]: copy a docker-archive (the busybox
# builder by default) into the registry with skopeo.
reg_seed() {
  skopeo copy -q --dest-tls-verify=false "docker-archive:${3:-$BUILDER}" \
    "docker://127.0.0.1:$1/$2"
}

# reg_requests PATTERN: how many requests of the access log match (ERE on
# '"METHOD /v2/... HTTP/1.1" STATUS').
reg_requests() { grep -Ec "\"$1" "$REG_LOG"; }

# proxy_start TARGET_PORT [RATE]: proxy.py in front of a registry; sets
# PROXY_PORT, PROXY_PID and PROXY_COUNTS.
proxy_start() {
  PROXY_COUNTS=$T_DIR/proxy-counts.$RANDOM
  python3 -u "$RDIR/proxy.py" "$1" ${2:+--rate "$2"} --counts "$PROXY_COUNTS" \
    > "$T_DIR/proxy.log" 2>&1 &
  PROXY_PID=$!
  t_defer "kill $PROXY_PID"
  PROXY_PORT=
  t_wait 10 grep -q 'listening on port' "$T_DIR/proxy.log" &&
    PROXY_PORT=$(t_port_of_log "$T_DIR/proxy.log")
}

# make_cert DIR: a self-signed certificate for 127.0.0.1 in DIR/domain.crt
# (a --cert-dir) and its key in DIR.key (not in DIR: a *.key there is read
# as a client key).
make_cert() {
  mkdir -p "$1"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$1.key" -out "$1/domain.crt" >/dev/null 2>&1
}

# auth_json FILE HOST USER PASSWORD: a containers-auth.json.
auth_json() {
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" \
    "$(printf '%s:%s' "$3" "$4" | base64 -w0)" > "$1"
}

# big_image OUT.tar MB: the busybox builder plus a layer of MB MiB of
# random bytes (incompressible: the blob is that large on the wire).
big_image() {
  local d=$T_DIR/big-layer
  mkdir -p "$d/data"
  head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$d/data/random.bin"
  "$S2I" mkimage --from "$BUILDER" --layer "$d" -o "$1" big:1 >/dev/null 2>&1
}

# app_src DIR: a small directory source.
app_src() { mkdir -p "$1" && echo "<h1>registry</h1>" > "$1/index.html"; }

t_need docker-registry skopeo openssl
