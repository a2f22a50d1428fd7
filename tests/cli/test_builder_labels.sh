#!/bin/bash
# Where s2i finds a builder's scripts, as the original s2i does it (its
# integration tests build "test-scripts-url", "test-image" and friends, and
# sti.go reads the same labels): the io.openshift.s2i.scripts-url label in
# its image://, file:// and http(s):// forms, the deprecated
# io.s2i.scripts-url label and STI_SCRIPTS_URL variable, no label at all
# (image:///usr/libexec/s2i), --image-scripts-url, and the source's
# deprecated .sti/bin.  Each build's log shows which assemble ran.
. "$(dirname "$0")/common.sh"
t_plan 17

SL=io.openshift.s2i.scripts-url
src=$T_DIR/src
mkdir -p "$src" && echo '<h1>labels</h1>' > "$src/index.html"

# A scripts dir outside the image whose assemble says where it came from.
lscripts=$T_DIR/lscripts
mkdir -p "$lscripts"
printf '%s\n' '#!/bin/sh' 'set -e' 'echo "assemble from the label dir"' \
  'cp -Rf /tmp/src/. /opt/app-root/src/' > "$lscripts/assemble"
printf '%s\n' '#!/bin/sh' 'exec httpd -f -p 8080 -h /opt/app-root/src' > "$lscripts/run"
chmod 0755 "$lscripts"/*

# derived NAME [mkimage options...]: the busybox builder with other labels.
derived() {
  local name=$1
  shift
  "$S2I" mkimage --from "$BUILDER" "$@" -o "$T_DIR/$name.tar" "$name:1" \
    > "$T_DIR/$name.mk.log" 2>&1
}

# build NAME BUILDER [options...]: s2i build into $T_DIR/NAME.out.tar,
# log in $T_DIR/NAME.log; passes when it exits 0.
build() {
  local name=$1 builder=$2
  shift 2
  t_check "$name: builds" "$S2I" build "$src" "$builder" "$name:1" \
    -o "$T_DIR/$name.out.tar" "$@"
  cp "$T_DIR/last.out" "$T_DIR/$name.log"
}

# A file:// label: the scripts are copied in, as --scripts-url's would be.
derived file-label --label "$SL=file://$lscripts"
build file-label "$T_DIR/file-label.tar"
t_grep "file-label: the label's assemble ran" 'assemble from the label dir' "$T_DIR/file-label.log"

# No label (an empty one says nothing): image:///usr/libexec/s2i.
derived no-label --label "$SL="
build no-label "$T_DIR/no-label.tar"
t_grep "no-label: the image's own assemble ran" 'Installing application source' "$T_DIR/no-label.log"

# --image-scripts-url moves that default; a label still comes first.
build image-url "$T_DIR/no-label.tar" --image-scripts-url "file://$lscripts"
t_grep "image-url: --image-scripts-url's assemble ran" 'assemble from the label dir' "$T_DIR/image-url.log"
build label-first "$T_DIR/file-label.tar" --image-scripts-url image:///usr/libexec/s2i
t_grep "label-first: the label beats --image-scripts-url" 'assemble from the label dir' "$T_DIR/label-first.log"

# The deprecated spellings: used, with a warning naming the new label.
derived old-label --label "$SL=" --label "io.s2i.scripts-url=file://$lscripts"
build old-label "$T_DIR/old-label.tar"
t_grep "old-label: io.s2i.scripts-url is honoured" 'assemble from the label dir' "$T_DIR/old-label.log"
t_grep "old-label: and called deprecated" 'deprecated io.s2i.scripts-url.*io.openshift.s2i.scripts-url' "$T_DIR/old-label.log"
derived sti-env --label "$SL=" --env "STI_SCRIPTS_URL=file://$lscripts"
build sti-env "$T_DIR/sti-env.tar"
t_grep "sti-env: STI_SCRIPTS_URL is honoured" 'assemble from the label dir' "$T_DIR/sti-env.log"
t_grep "sti-env: and called deprecated" 'deprecated STI_SCRIPTS_URL' "$T_DIR/sti-env.log"

# The source's .sti/bin, the old name of .s2i/bin.
mkdir -p "$src/.sti/bin"
printf '%s\n' '#!/bin/sh' 'set -e' 'echo "assemble from .sti/bin"' \
  'cp -Rf /tmp/src/. /opt/app-root/src/' > "$src/.sti/bin/assemble"
chmod 0755 "$src/.sti/bin/assemble"
build sti-bin "$BUILDER"
t_grep "sti-bin: the source's .sti/bin/assemble ran" 'assemble from .sti/bin' "$T_DIR/sti-bin.log"
t_grep "sti-bin: and called deprecated" '.sti/bin/ is deprecated' "$T_DIR/sti-bin.log"
