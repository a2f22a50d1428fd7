#!/bin/bash
# s2i runs as root; a builder's labels, a repository's files and what
# assemble leaves behind must not reach the host through "..", symlinks or
# capabilities.
. "$(dirname "$0")/common.sh"
t_plan 19

secret=$T_DIR/host-secret.json
echo '{"labels":[{"stolen":"HOSTSECRET"}]}' > "$secret"
out=$T_DIR/out.tar

# no_secret DESCRIPTION TAR: the host secret is in no layer of TAR.
no_secret() {
  rm -rf "$T_DIR/x" && mkdir -p "$T_DIR/x"
  if [ ! -f "$2" ]; then t_ok "$1 (no image written)"; return; fi
  tar -xf "$2" -C "$T_DIR/x"
  if grep -rqa HOSTSECRET "$T_DIR/x"; then t_fail "$1: the host file reached the image"; else t_ok "$1"; fi
}

# A builder whose destination label climbs out of the build's upper dir.
"$S2I" mkimage --from "$BUILDER" \
  --label "io.openshift.s2i.destination=/../../../../../../../../..$T_DIR/escape" \
  -o "$T_DIR/climb.tar" climb:1 >/dev/null
repo=$T_DIR/repo
fx_site_repo "$repo"
rm -f "$out"
"$S2I" build -q "$repo" "$T_DIR/climb.tar" x:1 -o "$out" > "$T_DIR/err.txt" 2>&1
t_eq "destination with .. is refused" "$?" "1"
t_grep "the error names the label" 'io.openshift.s2i.destination' "$T_DIR/err.txt"
t_check "nothing was created outside" test ! -e "$T_DIR/escape"
t_check "/tmp kept its mode" test "$(stat -c %a /tmp)" = 1777

# A repository whose .s2i/bin/run and .s2i/environment are symlinks to
# host files.
evil=$T_DIR/evil
fx_site_repo "$evil"
ln -sf "$secret" "$evil/.s2i/environment"
rm -f "$out"
"$S2I" build -q --copy "$evil" "$BUILDER" x:1 -o "$out" > "$T_DIR/err.txt" 2>&1
t_eq "a symlinked .s2i/environment fails the build" "$?" "1"
t_grep "the error names .s2i/environment" '\.s2i/environment' "$T_DIR/err.txt"
no_secret "the host file behind .s2i/environment stays out" "$out"

evil2=$T_DIR/evil2
fx_site_repo "$evil2"
mkdir -p "$evil2/.s2i/bin"
ln -sf "$secret" "$evil2/.s2i/bin/run"
rm -f "$out"
"$S2I" build -q --copy "$evil2" "$BUILDER" x:1 -o "$out" > "$T_DIR/err.txt" 2>&1
t_eq "a symlinked .s2i/bin/run fails the build" "$?" "1"
t_grep "the error names the script" 's2i/bin/run' "$T_DIR/err.txt"
no_secret "the host file behind .s2i/bin/run stays out" "$out"

# assemble plants image_metadata.json as a symlink to a host file.
evil3=$T_DIR/evil3
fx_site_repo "$evil3"
printf '#!/bin/sh\nmkdir -p /tmp/.s2i\nln -s %s /tmp/.s2i/image_metadata.json\n' "$secret" > "$evil3/.s2i/action"
chmod +x "$evil3/.s2i/action"
rm -f "$out"
"$S2I" build -q --copy "$evil3" "$BUILDER" x:1 -o "$out" > "$T_DIR/err.txt" 2>&1
t_eq "a symlinked image_metadata.json fails the build" "$?" "1"
t_grep "the error names image_metadata.json" 'image_metadata.json' "$T_DIR/err.txt"
no_secret "the host file behind image_metadata.json stays out" "$out"

# A root assemble keeps only a small capability set and cannot gain more.
caps=$T_DIR/caps
fx_site_repo "$caps"
printf '#!/bin/sh\ngrep -E "^(CapBnd|CapEff|NoNewPrivs)" /proc/self/status > /opt/app-root/src/status.txt\nmknod /opt/app-root/src/disk b 8 0 2>/dev/null && echo made >> /opt/app-root/src/status.txt\nexit 0\n' > "$caps/.s2i/action"
chmod +x "$caps/.s2i/action"
t_check "root assemble builds" "$S2I" build -q --copy --assemble-user 0 "$caps" "$BUILDER" x:1 -o "$out"
rm -rf "$T_DIR/x" && mkdir -p "$T_DIR/x" && tar -xf "$out" -C "$T_DIR/x"
layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][1])' "$T_DIR/x/manifest.json")
tar -xOf "$T_DIR/x/$layer" opt/app-root/src/status.txt > "$T_DIR/status.txt" 2>/dev/null
t_grep "no_new_privs is set for assemble" '^NoNewPrivs:[[:space:]]+1' "$T_DIR/status.txt"
bnd=$(awk '/^CapBnd/ {print $2}' "$T_DIR/status.txt")
t_check "CAP_SYS_ADMIN is not in assemble's bounding set" \
  python3 -c "import sys; sys.exit(int('$bnd', 16) >> 21 & 1)"
t_check "CAP_MKNOD is not in assemble's bounding set" \
  python3 -c "import sys; sys.exit(int('$bnd', 16) >> 27 & 1)"
if grep -q '^made' "$T_DIR/status.txt"; then t_fail "root assemble made a block device"; else t_ok "root assemble cannot make a block device"; fi
t_check "no leftover mounts or temp dirs" test -z "$(leftovers)"
