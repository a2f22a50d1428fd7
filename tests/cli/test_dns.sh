#!/bin/bash
# Name resolution under the default (slirp4netns) network, issue 10: a host
# whose only resolver is on loopback (systemd-resolved's 127.0.0.53) cannot
# serve the build, whose network has no way to the host's loopback.  s2i
# then gives the build systemd-resolved's upstream list, as podman does,
# and never a public resolver.  Everything runs in a network and mount
# namespace this test makes: a fake /etc/resolv.conf and
# /run/systemd/resolve/resolv.conf bound there, a DNS responder on
# 10.77.0.1 (an address of its own, not loopback's 127/8).
. "$(dirname "$0")/common.sh"
t_plan 8
t_need_root "network and mount namespaces"
t_need unshare ip slirp4netns python3

# A builder with an /etc/resolv.conf for the sandbox to bind over.
python3 - "$T_DIR/etc.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("etc/resolv.conf"); i.mode = 0o644; i.size = 0
    t.addfile(i, io.BytesIO(b""))
PY
"$S2I" mkimage --from "$BUILDER" --layer-tar "$T_DIR/etc.tar" \
  -o "$T_DIR/dnsbuilder.tar" dnsbuilder:1 > "$T_DIR/mkimage.log" 2>&1 ||
  t_skip_all "cannot make the test builder: $(tail -n 1 "$T_DIR/mkimage.log")"

repo=$T_DIR/repo
fx_site_repo "$repo"
printf '#!/bin/sh\ncat /etc/resolv.conf > /opt/app-root/src/resolv.txt\nnslookup s2i-dns.test > /opt/app-root/src/lookup.txt 2>&1 || true\n' \
  > "$repo/.s2i/action"
chmod +x "$repo/.s2i/action"
(cd "$repo" && git add -A && git -c user.name=t -c user.email=t@t commit -qm dns)

cat > "$T_DIR/dns.py" <<'PY'
# A DNS responder for one name: s2i-dns.test A 192.0.2.77 (else no answer).
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
s.settimeout(60)
open(sys.argv[2], "w").write("ready\n")
for _ in range(200):
    try:
        q, peer = s.recvfrom(512)
    except socket.timeout:
        break
    end = 12
    while q[end] != 0:
        end += q[end] + 1
    qtype = q[end + 1:end + 3]
    name = q[13:end]
    hit = qtype == b"\x00\x01" and b"s2i-dns" in name
    head = q[:2] + b"\x81\x80" + b"\x00\x01" + (b"\x00\x01" if hit else b"\x00\x00") + b"\x00\x00\x00\x00"
    body = q[12:end + 5]
    if hit:
        body += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([192, 0, 2, 77])
    s.sendto(head + body, peer)
PY

# in_fake_host ETC SYSTEMD OUT: build with the given resolv.conf texts
# (SYSTEMD "" for no systemd file) in a namespace of the test's own.
in_fake_host() {
  printf '%s' "$1" > "$T_DIR/etc-resolv"
  printf '%s' "$2" > "$T_DIR/sd-resolv"
  rm -f "$T_DIR/ready"
  unshare -n -m bash -c '
    set -e
    mount --make-rprivate /
    mount --bind "$1/etc-resolv" /etc/resolv.conf
    mount -t tmpfs tmpfs /run
    if [ -s "$1/sd-resolv" ]; then
      mkdir -p /run/systemd/resolve && cp "$1/sd-resolv" /run/systemd/resolve/resolv.conf
    fi
    ip link set lo up
    ip addr add 10.77.0.1/32 dev lo
    python3 "$1/dns.py" 10.77.0.1 "$1/ready" & dns=$!
    for i in $(seq 1 50); do [ -f "$1/ready" ] && break; sleep 0.1; done
    rc=0
    "$2" build --no-cache "$3" "$1/dnsbuilder.tar" dns:1 -o "$4" || rc=$?
    kill $dns 2>/dev/null || true
    exit $rc' _ "$T_DIR" "$S2I" "$repo" "$3"
}

# app_file OUT.tar PATH: PATH from the image's application layer.
app_file() {
  python3 - "$1" "$2" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    with tarfile.open(fileobj=t.extractfile(m["Layers"][-2])) as l:
        sys.stdout.write(l.extractfile(sys.argv[2]).read().decode())
PY
}

# --- only loopback on the host, systemd-resolved's upstream known ----------
in_fake_host $'nameserver 127.0.0.53\noptions edns0\n' \
  $'nameserver 10.77.0.1\nsearch s2i.test\n' "$T_DIR/up.tar" > "$T_DIR/up.log" 2>&1
t_eq "a build on a loopback-only host succeeds" "$?" 0
app_file "$T_DIR/up.tar" opt/app-root/src/resolv.txt > "$T_DIR/resolv.txt" 2>&1
t_grep "the build's resolv.conf names the upstream resolver" '^nameserver 10\.77\.0\.1$' "$T_DIR/resolv.txt"
t_check "... and not the host's loopback one" sh -c "! grep -q 127.0.0.53 '$T_DIR/resolv.txt'"
app_file "$T_DIR/up.tar" opt/app-root/src/lookup.txt > "$T_DIR/lookup.txt" 2>&1
t_grep "assemble resolves a name through it" '192\.0\.2\.77' "$T_DIR/lookup.txt"

# --- only loopback, nothing upstream: a warning, no public resolver --------
in_fake_host $'nameserver 127.0.0.53\n' '' "$T_DIR/none.tar" > "$T_DIR/none.log" 2>&1
t_eq "a build needing no names still succeeds" "$?" 0
t_grep "the warning says why names will not resolve" \
  'names only resolvers on loopback.*--network host' "$T_DIR/none.log"
app_file "$T_DIR/none.tar" opt/app-root/src/resolv.txt > "$T_DIR/none-resolv.txt" 2>&1
t_check "no public resolver is put in" sh -c "! grep -Eq '8\.8\.|1\.1\.1\.1|9\.9\.9\.9' '$T_DIR/none-resolv.txt'"

# --- a reachable resolver on the host: its resolv.conf as it is ------------
in_fake_host $'nameserver 10.77.0.1\n' $'nameserver 10.9.9.9\n' "$T_DIR/direct.tar" > "$T_DIR/direct.log" 2>&1
app_file "$T_DIR/direct.tar" opt/app-root/src/lookup.txt > "$T_DIR/direct.txt" 2>&1
t_grep "a host resolver off loopback serves the build directly" '192\.0\.2\.77' "$T_DIR/direct.txt"
