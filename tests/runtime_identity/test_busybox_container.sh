#!/bin/bash
# The no-glibc fallback in a real container: a busybox root file system
# laid out as s2i_runtime_compose() lays out the runtime layer for an
# image without glibc (init, /etc/passwd -> /tmp/s2i-id/passwd with a copy
# there in a root:0 0775 directory, the original kept as
# /etc/passwd.s2i-orig), run by podman under OpenShift-like
# conditions: arbitrary UID in group 0, read-only root, caps dropped, and
# an emptyDir-like /tmp (a 0777 host directory, no sticky bit).
. "$(dirname "$0")/../lib.sh"
t_plan 12

INIT=$BUILD/runtime/rootfs/usr/libexec/s2i-runtime/init
BUSYBOX=$(command -v busybox)
UID_=1000650000

t_need podman
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
  t_skip_all "busybox-static is not installed (scripts/deps.sh installs it)"
if [ ! -x "$INIT" ]; then
  t_fail "the init is missing: $INIT (make all builds it)"; exit 0
fi
chmod 0755 "$T_DIR"

R=$T_DIR/rootfs
mkdir -p "$R"/{bin,etc,tmp,proc,sys,dev,usr/libexec/s2i-runtime}
cp "$BUSYBOX" "$R/bin/busybox"
for c in sh whoami id sleep cat echo ls stat env true; do ln -s busybox "$R/bin/$c"; done
cp "$INIT" "$R/usr/libexec/s2i-runtime/init"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd.s2i-orig"
printf 'root:x:0:\n' > "$R/etc/group"
ln -s /tmp/s2i-id/passwd "$R/etc/passwd"
chmod 1777 "$R/tmp"
# reset_image_tmp: the image's /tmp as the layer has it
reset_image_tmp() {
  rm -rf "$R/tmp/s2i" "$R/tmp/s2i-id"
  mkdir -m 0775 "$R/tmp/s2i-id"
  cp "$R/etc/passwd.s2i-orig" "$R/tmp/s2i-id/passwd"
}
reset_image_tmp

# prun TMP_DIR PODMAN_OPTS... -- CMD...
prun() {
  local tmp=$1; shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  timeout 120 podman run --rm --read-only --read-only-tmpfs=false \
    ${tmp:+-v "$tmp:/tmp"} -u $UID_:0 --cap-drop ALL \
    --security-opt no-new-privileges "${opts[@]}" \
    --rootfs "$R" /usr/libexec/s2i-runtime/init -- "$@"
}
empty_dir() { rm -rf "$1"; mkdir -p "$1" && chmod 0777 "$1"; }

D=$T_DIR/empty; empty_dir "$D"
prun "$D" --passwd=false -- sh -c 'whoami; id -un; echo "$USER $HOME $TMPDIR";
  stat -c "%a %u" "$TMPDIR"; touch "$HOME/x" && echo home-ok' > "$T_DIR/o" 2>&1
t_eq "runs with --passwd=false" "$?" 0
t_eq "whoami / id -un / env / TMPDIR mode / HOME writable" "$(tr '\n' '|' < "$T_DIR/o")" \
  "default|default|default /tmp/s2i/home /tmp/s2i|700 $UID_|home-ok|"

# podman exec: a process that never went through the init
empty_dir "$D"
c=$(timeout 120 podman run -d --read-only --read-only-tmpfs=false -v "$D:/tmp" \
  -u $UID_:0 --passwd=false --cap-drop ALL --rootfs "$R" \
  /usr/libexec/s2i-runtime/init -- sleep 60)
t_defer "podman rm -f -t 0 $c"
t_wait 5 test -L "$D/s2i-id" || true   # the init has set up /tmp
timeout 60 podman exec "$c" sh -c 'whoami' > "$T_DIR/o" 2>&1
t_eq "podman exec whoami" "$(cat "$T_DIR/o")" default
timeout 60 podman exec -e TMPDIR=/tmp/s2i "$c" sh -c 'echo x > "$TMPDIR/f" && echo tmp-ok' \
  > "$T_DIR/o" 2>&1
t_eq "podman exec can use TMPDIR" "$(cat "$T_DIR/o")" tmp-ok
timeout 60 podman rm -f -t 0 "$c" >/dev/null 2>&1

# podman's own passwd handling (it bind mounts a generated file through
# the /etc/passwd symlink): TMPDIR must still be ours.
empty_dir "$D"
prun "$D" -- sh -c 'whoami >/dev/null && echo named; stat -c "%u" "$TMPDIR"' > "$T_DIR/o" 2>&1
t_eq "with podman's injected passwd: starts, named, TMPDIR ours" \
  "$(tr '\n' '|' < "$T_DIR/o")" "named|$UID_|"

# container restart on the same emptyDir
empty_dir "$D"
prun "$D" --passwd=false -- true
prun "$D" --passwd=false -- whoami > "$T_DIR/o" 2>&1
t_eq "second start on the same emptyDir" "$(cat "$T_DIR/o")" default

# A writable root and no /tmp mount (OpenShift's default): the init
# re-points the image's /tmp/s2i-id/passwd, with podman's own line
# appended to it (default) or without (--passwd=false, like CRI-O/Docker).
for opt in --passwd=true --passwd=false; do
  reset_image_tmp
  timeout 120 podman run --rm -u $UID_:0 $opt --rootfs "$R" /usr/libexec/s2i-runtime/init -- \
    sh -c 'echo "$(whoami) $TMPDIR"' > "$T_DIR/o" 2>&1
  t_eq "writable root, no /tmp mount, $opt" "$(cat "$T_DIR/o")" "default /tmp/s2i"
done
reset_image_tmp

# no writable /tmp at all: one line, exit 70, the app never runs
prun "" --passwd=false -- echo app-ran > "$T_DIR/o" 2> "$T_DIR/e"
t_eq "read-only /tmp: exit 70" "$?" 70
t_eq "read-only /tmp: app did not run" "$(cat "$T_DIR/o")" ""
t_eq "read-only /tmp: one line" "$(grep -vc '^$' "$T_DIR/e")" 1
t_grep "read-only /tmp: names /tmp and the fix" \
  '^init: no writable temporary directory: cannot create /tmp/s2i: Read-only file system; mount an emptyDir \(or tmpfs\) at /tmp$' \
  "$T_DIR/e"
