#!/bin/bash
# s2i create IMAGE DIR (the original's `s2i create`): the skeleton of a new
# builder, its files and modes, existing files left alone, a bad name
# refused; and its scripts follow the s2i contract: put into a builder
# (the busybox fixture's root, with run told how to serve), s2i builds the
# skeleton's own test app with them.
. "$(dirname "$0")/common.sh"
t_plan 18

d=$T_DIR/my-builder
"$S2I" create my-builder "$d" > "$T_DIR/create.log" 2>&1
t_eq "create exits 0" "$?" 0
t_eq "nine files" "$(find "$d" -type f | wc -l)" 9
t_grep "each one is named" "created $d/test/test-app/index.html" "$T_DIR/create.log"
t_eq "scripts are executable" \
  "$(stat -c %a "$d"/.s2i/bin/assemble "$d"/.s2i/bin/run "$d"/.s2i/bin/save-artifacts "$d"/.s2i/bin/usage "$d"/test/run | sort -u)" 755
t_check "the scripts parse" sh -n "$d"/.s2i/bin/assemble "$d"/.s2i/bin/run \
  "$d"/.s2i/bin/save-artifacts "$d"/.s2i/bin/usage "$d"/test/run
t_grep "the Dockerfile sets the scripts-url label" 'io.openshift.s2i.scripts-url="image:///usr/libexec/s2i"' "$d/Dockerfile"
t_grep "the Dockerfile's user is numeric" '^USER 1001$' "$d/Dockerfile"
t_check "no placeholder is left" sh -c "! grep -r '@IMAGE@' '$d'"

# A second run keeps what the user has edited.
echo '# mine' >> "$d/Dockerfile"
"$S2I" create my-builder "$d" > "$T_DIR/again.log" 2>&1
t_eq "create again exits 0" "$?" 0
t_grep "existing files are named and left alone" "$d/Dockerfile already exists" "$T_DIR/again.log"
t_eq "the edit is kept" "$(tail -n 1 "$d/Dockerfile")" "# mine"

"$S2I" create 'my builder;x' "$T_DIR/bad" > "$T_DIR/bad.log" 2>&1
t_eq "a bad image name fails" "$?" 1
t_grep "and is named" "image name 'my builder;x'" "$T_DIR/bad.log"
t_check "nothing is written for it" test ! -e "$T_DIR/bad"
"$S2I" create only-one > /dev/null 2>&1
t_eq "a missing DIR is a usage error" "$?" 2

# The scripts at work: the busybox builder with the skeleton's scripts.
cp -a "$d/.s2i/bin" "$T_DIR/scripts"
printf '%s\n' '#!/bin/sh' 'exec httpd -f -p 8080 -h /opt/app-root/src' > "$T_DIR/scripts/run"
mkdir -p "$T_DIR/layer/usr/libexec" && mv "$T_DIR/scripts" "$T_DIR/layer/usr/libexec/s2i"
"$S2I" mkimage --from "$BUILDER" --layer "$T_DIR/layer" \
  -o "$T_DIR/skel.tar" my-builder:1 > "$T_DIR/mk.log" 2>&1
"$S2I" build "$d/test/test-app" "$T_DIR/skel.tar" my-app:1 -o "$T_DIR/app.tar" \
  > "$T_DIR/build.log" 2>&1
t_eq "s2i builds the test app with the skeleton's scripts" "$?" 0
t_grep "its assemble ran" '^---> Installing application source' "$T_DIR/build.log"
"$S2I" usage "$T_DIR/skel.tar" > "$T_DIR/usage.log" 2>&1
t_grep "its usage names the builder" 'This is the my-builder s2i builder image' "$T_DIR/usage.log"
