#!/bin/bash
# s2i build --incremental: the previous image's save-artifacts output reaches
# the next assemble at /tmp/artifacts; checked as a user sees it, in the
# output image's application layer and in what the command prints.
. "$(dirname "$0")/common.sh"
t_plan 28

# variant NAME SAVE-ARTIFACTS-BODY [FILE-TO-ADD]: the busybox builder plus
# an assemble that restores /tmp/artifacts/cache and counts builds in
# cache/builds.txt, and the given save-artifacts.
variant() {
  local d=$T_DIR/$1-layer
  mkdir -p "$d/usr/libexec/s2i"
  printf '%s\n' '#!/bin/sh' 'set -e' \
    'if [ -d /tmp/artifacts/cache ]; then' \
    '  echo "---> Restoring build artifacts"' \
    '  stat -c %u:%g /tmp/artifacts/cache/builds.txt > /opt/app-root/src/artifacts-owner.txt' \
    '  mkdir -p /opt/app-root/src/cache' \
    '  cp -Rf /tmp/artifacts/cache/. /opt/app-root/src/cache/' \
    'fi' \
    'cp -Rf /tmp/src/. /opt/app-root/src/' \
    'mkdir -p /opt/app-root/src/cache' \
    'echo built >> /opt/app-root/src/cache/builds.txt' \
    > "$d/usr/libexec/s2i/assemble"
  printf '#!/bin/sh\n%s\n' "$2" > "$d/usr/libexec/s2i/save-artifacts"
  [ $# -lt 3 ] || cp "$3" "$d/usr/libexec/s2i/"
  chmod 0755 "$d/usr/libexec/s2i/assemble" "$d/usr/libexec/s2i/save-artifacts"
  "$S2I" mkimage --from "$BUILDER" --layer "$d" -o "$T_DIR/$1.tar" "$1:test" >/dev/null
}

# app_cat OUT.tar BUILDER.tar PATH: PATH from the layer assemble made (the
# one right after the builder's layers).
app_cat() {
  local x=$1.x
  rm -rf "$x" && mkdir -p "$x" && tar -xf "$1" -C "$x" manifest.json &&
    tar -xf "$1" -C "$x" || return 1
  python3 - "$x" "$2" "$3" <<'EOF'
import json, subprocess, sys, tarfile
x, builder, path = sys.argv[1:]
with tarfile.open(builder) as t:
    nb = len(json.load(t.extractfile("manifest.json"))[0]["Layers"])
layer = json.load(open(x + "/manifest.json"))[0]["Layers"][nb]
with tarfile.open(x + "/" + layer) as t:
    names = t.getnames()
    open(x + "/layer.txt", "w").write("\n".join(names) + "\n")
    m = t.extractfile(path) if path in names else None
    sys.stdout.write(m.read().decode() if m else "")
EOF
}
lines() { app_cat "$1" "$2" opt/app-root/src/cache/builds.txt | wc -l | tr -d ' '; }

mkdir -p "$T_DIR/src" && echo '<h1>incremental</h1>' > "$T_DIR/src/index.html"
variant good 'cd /opt/app-root/src && tar -cf - cache'
GOOD=$T_DIR/good.tar
out=$T_DIR/app.tar

# ---- no previous image: a clean build --------------------------------------
"$S2I" build --incremental "$T_DIR/src" "$GOOD" app:1 -o "$out" > "$T_DIR/b1.log" 2>&1
t_eq "--incremental with no previous output builds" "$?" "0"
t_grep "it says there is no previous image" "No previous image at $out" "$T_DIR/b1.log"
t_eq "first build: builds.txt has one line" "$(lines "$out" "$GOOD")" "1"

# ---- the previous output's artifacts ---------------------------------------
"$S2I" build --incremental "$T_DIR/src" "$GOOD" app:1 -o "$out" > "$T_DIR/b2.log" 2>&1
t_eq "second --incremental build to the same -o" "$?" "0"
t_grep "it runs the previous image's save-artifacts" \
  "Saving artifacts of $out with /usr/libexec/s2i/save-artifacts as user 1001" "$T_DIR/b2.log"
t_grep "assemble found /tmp/artifacts/cache" 'Restoring build artifacts' "$T_DIR/b2.log"
t_eq "second build: builds.txt has two lines" "$(lines "$out" "$GOOD")" "2"
t_eq "artifacts are owned by the assemble user, group 0" \
  "$(app_cat "$out" "$GOOD" opt/app-root/src/artifacts-owner.txt)" "1001:0"
app_cat "$out" "$GOOD" x >/dev/null
not_in() { # not_in DESCRIPTION PATTERN FILE
  if grep -Eq -- "$2" "$3"; then t_fail "$1 (/$2/ in $3)"; else t_ok "$1"; fi
}
not_in "<dest>/artifacts is not left in the image" '^tmp/artifacts' "$out.x/layer.txt"
not_in "<dest>/scripts is not either" '^tmp/scripts' "$out.x/layer.txt"

# ---- --incremental-from ------------------------------------------------------
t_check "--incremental-from IMAGE (another -o)" \
  "$S2I" build -q --incremental-from "$out" "$T_DIR/src" "$GOOD" app:2 -o "$T_DIR/from.tar"
t_eq "--incremental-from: builds.txt has three lines" "$(lines "$T_DIR/from.tar" "$GOOD")" "3"
"$S2I" build -q --incremental-from "$T_DIR/nowhere.tar" "$T_DIR/src" "$GOOD" app:2 \
  -o "$T_DIR/from2.tar" > "$T_DIR/nowhere.log" 2>&1
t_eq "--incremental-from a missing image fails" "$?" "1"
t_grep "naming it" "nowhere.tar" "$T_DIR/nowhere.log"

# ---- without --incremental ---------------------------------------------------
t_check "build without --incremental over the same -o" \
  "$S2I" build -q "$T_DIR/src" "$GOOD" app:1 -o "$out"
t_eq "without --incremental: builds.txt has one line" "$(lines "$out" "$GOOD")" "1"

# ---- a previous image without save-artifacts --------------------------------
plain=$T_DIR/plain.tar
t_check "busybox builder (no save-artifacts): first build" \
  "$S2I" build -q "$T_DIR/src" "$BUILDER" plain:1 -o "$plain"
"$S2I" build --incremental "$T_DIR/src" "$BUILDER" plain:1 -o "$plain" > "$T_DIR/plain.log" 2>&1
t_eq "--incremental over an image without save-artifacts builds" "$?" "0"
t_grep "it says so" "Previous image $plain has no save-artifacts script" "$T_DIR/plain.log"

# ---- a failing save-artifacts ------------------------------------------------
variant bad 'echo "cache is gone" >&2; exit 7'
bad=$T_DIR/bad-app.tar
t_check "failing save-artifacts builder: first build" \
  "$S2I" build -q "$T_DIR/src" "$T_DIR/bad.tar" bad:1 -o "$bad"
"$S2I" build -q --incremental "$T_DIR/src" "$T_DIR/bad.tar" bad:1 -o "$bad" > "$T_DIR/bad.log" 2>&1
t_eq "a failing save-artifacts fails the build (exit 3)" "$?" "3"
t_grep "the error names the script and its exit code" \
  'save-artifacts script /usr/libexec/s2i/save-artifacts of the previous image .*bad-app.tar failed with exit code 7' \
  "$T_DIR/bad.log"
t_grep "its stderr reaches ours" 'cache is gone' "$T_DIR/bad.log"

# ---- a save-artifacts whose tar escapes -----------------------------------
python3 - "$T_DIR/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    i = tarfile.TarInfo("../../escaped.txt"); i.size = 3
    t.addfile(i, io.BytesIO(b"bad"))
EOF
variant evil 'cat /usr/libexec/s2i/evil.tar' "$T_DIR/evil.tar"
evil=$T_DIR/evil-app.tar
t_check "escaping save-artifacts builder: first build" \
  "$S2I" build -q "$T_DIR/src" "$T_DIR/evil.tar" evil:1 -o "$evil"
"$S2I" build -q --incremental "$T_DIR/src" "$T_DIR/evil.tar" evil:1 -o "$evil" > "$T_DIR/evil.log" 2>&1
t_eq "a ../ entry fails the build" "$?" "1"
t_grep "the error names the entry" 'entry \.\./\.\./escaped\.txt escapes the artifacts directory' "$T_DIR/evil.log"
t_eq "nothing escaped" "$(find "$S2I_CACHE_DIR" -name escaped.txt | wc -l | tr -d ' ')" "0"

t_eq "no mounts or work dirs left behind" "$(leftovers)" ""
