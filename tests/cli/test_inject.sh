#!/bin/bash
# -i/--inject SRC:DEST (the original's): the files are there while assemble
# runs and empty in the image; DEST relative to WORKDIR or absolute; bad
# specs refused naming them; an assemble that swaps an injected file for a
# symlink to a host file cannot make s2i truncate that host file.
. "$(dirname "$0")/common.sh"
t_plan 15

src=$T_DIR/src
sec=$T_DIR/secrets
mkdir -p "$src/.s2i/bin" "$sec/sub"
echo '<h1>inject</h1>' > "$src/index.html"
echo 'TOKEN-123' > "$sec/token"
echo 'deep' > "$sec/sub/more"
printf '%s\n' '#!/bin/sh' 'set -e' \
  'echo "during assemble: $(cat /opt/app-root/src/creds/token) $(cat /etc/s2i-creds/token)"' \
  'cp -Rf /tmp/src/. /opt/app-root/src/' > "$src/.s2i/bin/assemble"
chmod +x "$src/.s2i/bin/assemble"

# layer_list OUT.tar: `tar -tv` of the layer assemble made.
layer_list() {
  mkdir -p "$1.x" && tar -xf "$1" -C "$1.x" &&
    tar -tvf "$1.x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' "$1.x/manifest.json")"
}

"$S2I" build "$src" "$BUILDER" inj:1 -i "$sec:creds" --inject "$sec:/etc/s2i-creds" \
  -o "$T_DIR/inj.tar" > "$T_DIR/inj.log" 2>&1
t_eq "a build with two injections succeeds" "$?" 0
t_grep "assemble reads them, relative DEST under WORKDIR and absolute" 'during assemble: TOKEN-123 TOKEN-123' "$T_DIR/inj.log"
layer_list "$T_DIR/inj.tar" > "$T_DIR/layer.txt"
t_grep "the injected file is empty in the image" ' 1001/0 +0 .* opt/app-root/src/creds/token$' "$T_DIR/layer.txt"
t_grep "and so is a nested one" ' 0 .* opt/app-root/src/creds/sub/more$' "$T_DIR/layer.txt"
t_grep "the absolute DEST too" ' 0 .* etc/s2i-creds/token$' "$T_DIR/layer.txt"
t_check "the host's files are untouched" grep -qx TOKEN-123 "$sec/token"

expect_fail() { # expect_fail DESCRIPTION PATTERN COMMAND...
  local d=$1 pat=$2
  shift 2
  "$@" > "$T_DIR/fail.log" 2>&1
  local st=$?
  if [ $st -eq 1 ] && grep -Eq -- "$pat" "$T_DIR/fail.log"; then t_ok "$d"; else
    t_fail "$d (exit $st)"; sed 's/^/    # /' "$T_DIR/fail.log" | tail -n 5; fi
}
expect_fail "a spec without SRC is refused" "--inject :t: want SRC\\[:DEST\\]" \
  "$S2I" build "$src" "$BUILDER" x:1 -i ":t" -o "$T_DIR/x.tar"
expect_fail "SRC that is not a directory is refused" "is not a directory" \
  "$S2I" build "$src" "$BUILDER" x:1 -i "$sec/token:t" -o "$T_DIR/x.tar"
expect_fail "DEST climbing out is refused" 'DEST must be a path below /' \
  "$S2I" build "$src" "$BUILDER" x:1 -i "$sec:../../x" -o "$T_DIR/x.tar"
"$S2I" build -q "$src" "$BUILDER" x:1 -i "$sec:creds" --as-dockerfile "$T_DIR/df/" > "$T_DIR/df.log" 2>&1
t_grep "--as-dockerfile: the files are copied in, then removed after assemble" \
  "^RUN rm /opt/app-root/src/creds/(token|sub/more)" "$T_DIR/df/Dockerfile"
t_check "no output was written for them" test ! -e "$T_DIR/x.tar"

# A hostile assemble: the injected file becomes a symlink to a host file.
victim=$T_DIR/victim.txt
echo 'precious' > "$victim"
printf '%s\n' '#!/bin/sh' "ln -sf $victim /opt/app-root/src/creds/token" > "$src/.s2i/bin/assemble"
"$S2I" build "$src" "$BUILDER" evil:1 -i "$sec:creds" -o "$T_DIR/evil.tar" > "$T_DIR/evil.log" 2>&1
t_eq "a symlink swapped in for an injected file fails the build" "$?" 1
t_grep "naming the file" 'inject: truncate /opt/app-root/src/creds/token' "$T_DIR/evil.log"
t_check "the host file it points to is intact" grep -qx precious "$victim"
t_check "and no image was written" test ! -e "$T_DIR/evil.tar"
