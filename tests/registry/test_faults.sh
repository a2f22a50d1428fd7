#!/bin/bash
# Faults: the registry stopped mid-pull and mid-push (clear error, store
# intact, a rerun completes and resumes the partial blob), a corrupted blob
# in the registry's storage (digest mismatch refused, nothing stored),
# SIGKILL of s2i during a pull then a rerun, two builds and two pulls at
# once on one store.  A throttling proxy (proxy.py) makes "mid-transfer"
# a matter of time, not luck.
. "$(dirname "$0")/common.sh"
t_plan 24

reg_start faults
[ -n "$REG_PORT" ] || t_skip_all "docker-registry did not start: $(tail -n 3 "$REG_LOG")"
big_image "$T_DIR/big.tar" 48
reg_seed "$REG_PORT" big/image:1 "$T_DIR/big.tar" || t_skip_all "skopeo could not seed"
reg_seed "$REG_PORT" b/busybox:1 || t_skip_all "skopeo could not seed"
proxy_start "$REG_PORT" $((12 * 1024 * 1024))
[ -n "$PROXY_PORT" ] || t_skip_all "proxy.py did not start"
P=127.0.0.1:$PROXY_PORT
# s CMD ARGS...: s2i CMD --tls-verify=false ARGS...
s() { "$S2I" "$1" --tls-verify=false "${@:2}"; }

# partial_size: bytes of the largest partial download in the store.
partial_size() {
  local f max=0 s
  for f in "$S2I_STORE"/.s2i/partial/*; do
    [ -f "$f" ] || continue
    s=$(stat -c %s "$f"); [ "$s" -gt "$max" ] && max=$s
  done
  echo "$max"
}
partial_started() { [ "$(partial_size)" -gt 2000000 ]; }

# A small image in the store first: it must stay readable through it all.
s pull -q "$P/b/busybox:1" > /dev/null 2>&1

# ---- the registry stopped mid-pull ----------------------------------------------
"$S2I" pull --tls-verify=false "$P/big/image:1" > "$T_DIR/stop.out" 2> "$T_DIR/stop.err" &
pull=$!
t_wait 30 partial_started
reg_stop
wait "$pull"
t_eq "registry stopped mid-pull: exit 1" "$?" "1"
t_grep "... the error names registry and image and says a rerun resumes" \
  "registry $P: $P/big/image:1: blob sha256:.*gave up after [0-9]+ attempts.*rerun resumes" "$T_DIR/stop.err"
kept=$(partial_size)
t_check "... the partial blob is kept" test "$kept" -gt 0
if grep -q 'big/image' "$S2I_STORE/index.json"; then t_fail "a tag for the half-pulled image"; else
  t_ok "... no tag for the half-pulled image"; fi
t_check "... the store still reads (skopeo, the other image)" skopeo inspect "oci:$S2I_STORE:$P/b/busybox:1"
REG_ADDR_PORT=$REG_PORT reg_start faults
s pull --loglevel 1 "$P/big/image:1" > /dev/null 2> "$T_DIR/resume.err"
t_eq "rerun after the registry is back: exit 0" "$?" "0"
t_grep "... resumed the partial blob (Range) rather than starting over" "resuming sha256:[0-9a-f]+ at [0-9]+ bytes" "$T_DIR/resume.err"
t_check "... and the image reads" skopeo inspect "oci:$S2I_STORE:$P/big/image:1"
t_eq "... no partial download left" "$(ls -A "$S2I_STORE/.s2i/partial" | wc -l)" "0"

# ---- SIGKILL of s2i during a pull ---------------------------------------------------
rm -rf "$S2I_STORE"
"$S2I" pull -q --tls-verify=false "$P/big/image:1" > /dev/null 2>&1 &
pull=$!
t_wait 30 partial_started
kill -9 "$pull"; wait "$pull" 2>/dev/null
"$S2I" images > "$T_DIR/afterkill.txt" 2>&1
t_eq "after SIGKILL mid-pull the store reads (s2i images)" "$?" "0"
s pull -q "$P/big/image:1" > /dev/null 2> "$T_DIR/rerun.err"
t_eq "... a rerun completes" "$?" "0"
t_check "... and the image reads" skopeo inspect "oci:$S2I_STORE:$P/big/image:1"

# ---- the registry stopped mid-push ---------------------------------------------------
# An app whose 72 MB layer the registry has nowhere: it must be uploaded,
# in chunks (PATCH) since it is over 64 MB.
mkdir -p "$T_DIR/bigsrc" && head -c $((72 * 1024 * 1024)) /dev/urandom > "$T_DIR/bigsrc/data.bin"
"$S2I" build -q "$T_DIR/bigsrc" "$BUILDER" local/big:1 > /dev/null 2>&1
"$S2I" push --tls-verify=false local/big:1 "$P/pushed/big:1" > /dev/null 2> "$T_DIR/pushstop.err" &
push=$!
t_wait 30 grep -q 'POST /v2/pushed/big/blobs/uploads' "$REG_LOG"
sleep 1
reg_stop
wait "$push"
t_eq "registry stopped mid-push: exit 1" "$?" "1"
t_grep "... the error names the registry" "registry $P" "$T_DIR/pushstop.err"
REG_ADDR_PORT=$REG_PORT reg_start faults
s push local/big:1 "$P/pushed/big:1" > "$T_DIR/push2.out" 2> "$T_DIR/push2.err"
t_eq "... a rerun of the push completes" "$?" "0"
t_check "... and the registry serves the image" skopeo inspect --tls-verify=false "docker://$P/pushed/big:1"
t_grep "... the large layer went up in chunks (PATCH)" '"PATCH /v2/pushed/big/blobs/uploads/' "$REG_LOG"

# ---- two pulls of one image at once on one store -------------------------------------------
rm -rf "$S2I_STORE"
"$S2I" pull -q --tls-verify=false "$P/big/image:1" > "$T_DIR/p1.log" 2>&1 & a=$!
"$S2I" pull -q --tls-verify=false "$P/big/image:1" > "$T_DIR/p2.log" 2>&1 & b=$!
wait "$a"; sa=$?; wait "$b"; sb=$?
t_eq "two pulls of one image at once both succeed" "$sa $sb" "0 0"
t_check "... and the image reads, every blob verified by skopeo" \
  skopeo copy -q "oci:$S2I_STORE:$P/big/image:1" "dir:$T_DIR/copied"

# ---- a corrupted blob in the registry's storage -----------------------------------------
layer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 0}}' "docker://127.0.0.1:$REG_PORT/b/busybox:1")
hex=${layer#sha256:}
data=$REG_DATA/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
printf 'X' | dd of="$data" bs=1 seek=100 conv=notrunc 2>/dev/null
rm -rf "$S2I_STORE"
s pull "127.0.0.1:$REG_PORT/b/busybox:1" > /dev/null 2> "$T_DIR/corrupt.err"
t_eq "corrupted blob in the registry: exit 1" "$?" "1"
t_grep "... digest mismatch, the partial blob deleted" "blob $layer: digest mismatch.*partial blob was deleted" "$T_DIR/corrupt.err"
t_eq "... nothing of it in the store, not even a partial blob" \
  "$(ls "$S2I_STORE/blobs/sha256" "$S2I_STORE/.s2i/partial" | grep -c "$hex")" "0"

# ---- two builds at once on one store ------------------------------------------------------
app_src "$T_DIR/src"
"$S2I" build -q "$T_DIR/src" "$BUILDER" two/a:1 > "$T_DIR/a.log" 2>&1 & a=$!
"$S2I" build -q "$T_DIR/src" "$BUILDER" two/b:1 > "$T_DIR/b.log" 2>&1 & b=$!
wait "$a"; sa=$?; wait "$b"; sb=$?
t_eq "two builds at once on one store both succeed" "$sa $sb" "0 0"
t_check "... both tags are in a valid index" python3 -c '
import json, sys
names = [m["annotations"]["org.opencontainers.image.ref.name"] for m in json.load(open(sys.argv[1]))["manifests"]]
assert "two/a:1" in names and "two/b:1" in names, names' "$S2I_STORE/index.json"
