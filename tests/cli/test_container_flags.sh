#!/bin/bash
# The original's container flags on assemble (pkg/build/strategies/sti
# Execute and Save pass Binds, CapDrop and AddHost to Docker):
# -v/--volume HOST:CONTAINER[:ro|rw] is a bind mount whose content never
# reaches the image, --add-host HOST:IP a line of /etc/hosts, --cap-drop
# takes capabilities away, --rm is accepted.
. "$(dirname "$0")/common.sh"
t_plan 17

src=$T_DIR/src
mkdir -p "$src/.s2i"
echo '<h1>flags</h1>' > "$src/index.html"
# the builder's assemble runs .s2i/action; what it does is up to $CASE
cat > "$src/.s2i/action" <<'SH'
#!/bin/sh
case "$CASE" in
vol) echo "vol read: $(cat /data/in.txt)"; echo written > /data/out.txt && echo "vol write ok" ;;
ro) if echo x > /data/ro.txt 2>/dev/null; then echo "ro write ok"; else echo "ro write refused"; fi ;;
hosts) echo "hosts: $(grep myhost /etc/hosts)" ;;
chown) if chown 1:1 /opt/app-root/src/index.html 2>/dev/null; then echo "chown ok"; else echo "chown refused"; fi ;;
esac
SH
chmod 0755 "$src/.s2i/action"

# layer_files TAR: every path in every layer of an image tarball
layer_files() {
  python3 - "$1" <<'EOF2'
import json, sys, tarfile, io
with tarfile.open(sys.argv[1]) as t:
    for l in json.load(t.extractfile("manifest.json"))[0]["Layers"]:
        with tarfile.open(fileobj=io.BytesIO(t.extractfile(l).read())) as lt:
            for n in lt.getnames(): print(n)
EOF2
}

vol=$T_DIR/vol
mkdir -p "$vol"
echo from-host > "$vol/in.txt"
chown -R 1001:0 "$vol"   # the assemble user, as inside (idmapped mount)
t_check "-v: builds" "$S2I" build "$src" "$BUILDER" flags-vol:1 -e CASE=vol \
  -v "$vol:/data" -o "$T_DIR/vol.tar"
t_grep "-v: assemble read the host file" 'vol read: from-host' "$T_DIR/last.out"
t_grep "-v: and wrote to the volume (read-write by default)" 'vol write ok' "$T_DIR/last.out"
t_eq "-v: the write is on the host" written "$(cat "$vol/out.txt" 2>&1)"
layer_files "$T_DIR/vol.tar" > "$T_DIR/vol.files"
if grep -q 'data/in.txt\|data/out.txt' "$T_DIR/vol.files"; then
  t_fail "-v: the volume's files are in the image"
else t_ok "-v: the volume's files are not in the image"; fi
t_check "-v :ro: builds" "$S2I" build "$src" "$BUILDER" flags-ro:1 -e CASE=ro \
  --volume "$vol:/data:ro" -o "$T_DIR/ro.tar"
t_grep "-v :ro: a write is refused" 'ro write refused' "$T_DIR/last.out"
"$S2I" build "$src" "$BUILDER" bad:1 -v data:/data > "$T_DIR/bad.out" 2>&1
t_grep "-v: a named volume is refused, naming it" '-v data:/data: named volumes are not supported' "$T_DIR/bad.out"
"$S2I" build "$src" "$BUILDER" bad:1 -v "$vol:/data:bogus" > "$T_DIR/bad.out" 2>&1
t_grep "-v: an unknown option is refused" 'unknown option "bogus"' "$T_DIR/bad.out"

t_check "--add-host: builds" "$S2I" build "$src" "$BUILDER" flags-hosts:1 -e CASE=hosts \
  --add-host myhost:10.1.2.3 -o "$T_DIR/hosts.tar"
t_grep "--add-host: assemble's /etc/hosts has the line" 'hosts: 10.1.2.3[[:space:]]+myhost' "$T_DIR/last.out"
layer_files "$T_DIR/hosts.tar" > "$T_DIR/hosts.files"
if grep -q '^etc/hosts$' "$T_DIR/hosts.files"; then
  t_fail "--add-host: an /etc/hosts reached the image (the builder has none)"
else t_ok "--add-host: no /etc/hosts left in the image"; fi
"$S2I" build "$src" "$BUILDER" bad:1 --add-host myhost:notanip > "$T_DIR/bad.out" 2>&1
t_grep "--add-host: a bad IP is refused, naming it" '--add-host myhost:notanip: notanip is not an IP address' "$T_DIR/bad.out"

t_check "--cap-drop: without it a root assemble may chown" "$S2I" build "$src" "$BUILDER" flags-chown:1 \
  -e CASE=chown --assemble-user 0 --no-cache
t_grep "... chown ok" 'chown ok' "$T_DIR/last.out"
t_check "--cap-drop CHOWN (and --rm): builds" "$S2I" build "$src" "$BUILDER" flags-chown:1 \
  -e CASE=chown --assemble-user 0 --cap-drop CHOWN --rm
t_grep "... chown refused" 'chown refused' "$T_DIR/last.out"
