#!/bin/bash
# prepare_environment() as the init runs it, outside containers: an
# arbitrary UID in group 0, a temp root standing in for /tmp (S2I_TMP_ROOT).
. "$(dirname "$0")/../lib.sh"
t_plan 60

INIT=$BUILD/runtime/rootfs/usr/libexec/s2i-runtime/init
UID_=123456

t_need_root "setpriv to another UID"
if [ ! -x "$INIT" ]; then
  t_fail "the init is missing: $INIT (make all builds it)"; exit 0
fi

chmod 0755 "$T_DIR" # the UID must reach the temp roots below

# as_uid ROOT CMD...: run CMD through the init as UID_:0 with a bare env.
as_uid() {
  local root=$1; shift
  setpriv --reuid $UID_ --regid 0 --clear-groups \
    env -i PATH=/usr/bin:/bin HOME=/ S2I_TMP_ROOT="$root" ${EXTRA_ENV:-} \
    "$INIT" -- "$@"
}

# An emptyDir: 0777 without the sticky bit.
empty_dir() { mkdir -p "$1" && chmod 0777 "$1"; }

R=$T_DIR/tmp1
empty_dir "$R"
as_uid "$R" sh -c 'echo "TMPDIR=$TMPDIR"; echo "HOME=$HOME"; echo "USER=$USER";
  echo "LOGNAME=$LOGNAME"; echo "XDG=$XDG_CACHE_HOME";
  touch "$HOME/x" && echo home-writable; touch "$XDG_CACHE_HOME/x" && echo cache-writable;
  mktemp >/dev/null && echo mktemp-ok' > "$T_DIR/out" 2>&1
t_eq "init exits 0" "$?" 0
t_grep "TMPDIR is the fixed path under the temp root" "^TMPDIR=$R/s2i\$" "$T_DIR/out"
t_eq "TMPDIR is 0700 and owned by the UID" "$(stat -c '%a %u' "$R/s2i")" "700 $UID_"
t_grep "HOME (/ not writable) moved under TMPDIR" "^HOME=$R/s2i/home\$" "$T_DIR/out"
t_grep "HOME is writable" "^home-writable\$" "$T_DIR/out"
t_grep "XDG_CACHE_HOME set and writable" "^cache-writable\$" "$T_DIR/out"
t_grep "mktemp works" "^mktemp-ok\$" "$T_DIR/out"
t_grep "USER is default" "^USER=default\$" "$T_DIR/out"
t_grep "LOGNAME is default" "^LOGNAME=default\$" "$T_DIR/out"
t_grep "passwd line for the UID" \
  "^default:x:$UID_:0:Default Application User:$R/s2i/home:/bin/sh\$" "$R/s2i/passwd"
t_grep "passwd keeps the image's lines" "^root:x:0:0:" "$R/s2i/passwd"
t_eq "nothing else written to the temp root" "$(ls -A "$R")" "s2i"

# Second start (container restart, same emptyDir): reused, mode repaired.
chmod 0755 "$R/s2i"
as_uid "$R" sh -c 'echo "$TMPDIR"' > "$T_DIR/out2" 2>&1
t_eq "restart reuses our TMPDIR" "$(cat "$T_DIR/out2")" "$R/s2i"
t_eq "reused TMPDIR back to 0700" "$(stat -c %a "$R/s2i")" 700
t_eq "passwd has one line for the UID" "$(grep -c ":$UID_:" "$R/s2i/passwd")" 1

# S2I_USER_NAME names the user; a writable HOME is kept.
R=$T_DIR/tmp2; empty_dir "$R"; H=$T_DIR/home; empty_dir "$H"
EXTRA_ENV="S2I_USER_NAME=app HOME=$H" as_uid "$R" sh -c 'echo "$USER $LOGNAME $HOME"' \
  > "$T_DIR/out" 2>&1
t_eq "S2I_USER_NAME and a writable HOME" "$(cat "$T_DIR/out")" "app app $H"
t_grep "passwd line uses S2I_USER_NAME" "^app:x:$UID_:0:.*:$H:/bin/sh\$" "$R/s2i/passwd"
EXTRA_ENV="S2I_USER_NAME=bad:name" as_uid "$R" sh -c 'echo "$USER"' > "$T_DIR/out" 2>&1
t_eq "an invalid S2I_USER_NAME falls back to default" "$(cat "$T_DIR/out")" default

# s2i build's image env: HOME=TMPDIR/home, the builder's HOME in
# S2I_HOME_ORIG.  Writable (a writable root): TMPDIR/home leads there.
R=$T_DIR/tmp5; empty_dir "$R"; H=$T_DIR/home5; empty_dir "$H"; echo built > "$H/from-build"
EXTRA_ENV="HOME=$R/s2i/home S2I_HOME_ORIG=$H" as_uid "$R" sh -c 'echo "$HOME $(cat "$HOME/from-build")"' \
  > "$T_DIR/out" 2>&1
t_eq "S2I_HOME_ORIG writable: HOME is TMPDIR/home and shows the image's HOME" "$(cat "$T_DIR/out")" "$R/s2i/home built"
t_eq "S2I_HOME_ORIG writable: TMPDIR/home is a symlink to it" "$(readlink "$R/s2i/home")" "$H"
# Not writable (a read-only root): a private directory, as before.
R=$T_DIR/tmp6; empty_dir "$R"
EXTRA_ENV="HOME=$R/s2i/home S2I_HOME_ORIG=/proc" as_uid "$R" sh -c 'touch "$HOME/x" && echo "$HOME"' \
  > "$T_DIR/out" 2>&1
t_eq "S2I_HOME_ORIG read-only: HOME is a writable TMPDIR/home" "$(cat "$T_DIR/out")" "$R/s2i/home"
t_check "S2I_HOME_ORIG read-only: TMPDIR/home is a real directory" test -d "$R/s2i/home" -a ! -L "$R/s2i/home"

# A UID with a passwd line keeps its name (root here).
R=$T_DIR/tmp3; empty_dir "$R"
env -i PATH=/usr/bin:/bin HOME=/root S2I_TMP_ROOT="$R" "$INIT" -- sh -c 'echo "$USER"' \
  > "$T_DIR/out" 2>&1
t_eq "a known UID gets its own name" "$(cat "$T_DIR/out")" root
t_eq "no extra line for a known UID" "$(diff /etc/passwd "$R/s2i/passwd" && echo same)" same

# The failure cases: one line on stderr, non-zero exit, the app never runs.
expect_refusal() { # DESC ROOT PATTERN
  local st
  as_uid "$2" sh -c 'echo app-ran' > "$T_DIR/o" 2> "$T_DIR/e"
  st=$?
  t_eq "$1: init exits 70" "$st" 70
  t_eq "$1: app did not run" "$(cat "$T_DIR/o")" ""
  t_eq "$1: exactly one line on stderr" "$(wc -l < "$T_DIR/e")" 1
  t_grep "$1: the line names the fix" "$3" "$T_DIR/e"
}

R=$T_DIR/ro; mkdir -p "$R"; chmod 0555 "$R"
expect_refusal "unwritable temp root" "$R" \
  "^init: no writable temporary directory: cannot create $R/s2i: Permission denied; mount an emptyDir \(or tmpfs\) at $R\$"

R=$T_DIR/rofs; mkdir -p "$R"; chmod 0777 "$R"
if unshare -m sh -c "mount -t tmpfs -o ro,mode=0777 none '$R' &&
    setpriv --reuid $UID_ --regid 0 --clear-groups env -i PATH=/usr/bin:/bin \
    S2I_TMP_ROOT='$R' '$INIT' -- sh -c 'echo app-ran'" > "$T_DIR/o" 2> "$T_DIR/e"; then
  t_fail "read-only file system at the temp root: init exited 0"
else
  t_eq "read-only fs: one line" "$(wc -l < "$T_DIR/e")" 1
  t_grep "read-only fs: names /tmp-like root and the fix" \
    "cannot create $R/s2i: Read-only file system; mount an emptyDir \(or tmpfs\) at $R\$" "$T_DIR/e"
fi

R=$T_DIR/theirs; empty_dir "$R"; mkdir -m 0700 "$R/s2i"; chown 4242 "$R/s2i"
expect_refusal "TMPDIR owned by someone else" "$R" "refusing TMPDIR $R/s2i: it is owned by uid 4242"

R=$T_DIR/link; empty_dir "$R"; mkdir -m 0777 "$T_DIR/elsewhere"
ln -s "$T_DIR/elsewhere" "$R/s2i"
expect_refusal "TMPDIR is a symlink" "$R" "refusing TMPDIR $R/s2i: it is a symlink"
t_eq "nothing written through the symlink" "$(ls -A "$T_DIR/elsewhere")" ""

# The passwd pointer of images without glibc (/etc/passwd.s2i-orig):
# a private /etc with that file, as the busybox layer has it.  Outside
# TMPDIR only ROOT/s2i-id/passwd may be written, and only in the image's
# root:0 0775 directory or the UID's own; see s2i_env.h.
ETC=$T_DIR/etc; mkdir -p "$ETC"
cp /etc/passwd /etc/group "$ETC/"
[ -f /etc/ld.so.cache ] && cp /etc/ld.so.cache "$ETC/"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ETC/passwd.s2i-orig"
# as_uid_img ROOT: the init as UID_:0 with that /etc, app `true`.
as_uid_img() {
  unshare -m sh -c "mount --bind '$ETC' /etc && exec setpriv --reuid $UID_ \
    --regid 0 --clear-groups env -i PATH=/usr/bin:/bin HOME=/ \
    S2I_TMP_ROOT='$1' '$INIT' -- sh -c 'echo app-ran'"
}
# id_dir ROOT OWNER:GROUP MODE: ROOT/s2i-id as the image ships it.
id_dir() {
  rm -rf "$1"; empty_dir "$1"; mkdir "$1/s2i-id"
  cp "$ETC/passwd.s2i-orig" "$1/s2i-id/passwd"
  chown "$2" "$1/s2i-id"; chmod "$3" "$1/s2i-id"
}
# untouched DESC ROOT: the app ran and ROOT/s2i-id is as id_dir left it.
untouched() {
  as_uid_img "$2" > "$T_DIR/o" 2>&1
  t_eq "$1: the app runs" "$(cat "$T_DIR/o")" app-ran
  t_eq "$1: s2i-id left alone" \
    "$(ls -A "$2/s2i-id" | tr '\n' ' ')$(stat -c %F "$2/s2i-id/passwd")" \
    "passwd regular file"
}

R=$T_DIR/id-image; id_dir "$R" 0:0 0775
as_uid_img "$R" > "$T_DIR/o" 2>&1
t_eq "image's s2i-id: the app runs" "$(cat "$T_DIR/o")" app-ran
t_eq "image's s2i-id: passwd points at TMPDIR" "$(readlink "$R/s2i-id/passwd")" ../s2i/passwd
t_grep "image's s2i-id: /etc/passwd's target names the UID" "^default:x:$UID_:0:" \
  "$R/s2i-id/passwd"
t_eq "image's s2i-id: no temporary entry left" "$(ls -A "$R/s2i-id")" passwd
t_eq "image's s2i-id: nothing else in the temp root" "$(ls -A "$R" | tr '\n' ' ')" "s2i s2i-id "
ino=$(stat -c %i "$R/s2i-id/passwd")
as_uid_img "$R" > /dev/null 2>&1
t_eq "image's s2i-id: a restart writes nothing there" "$(stat -c %i "$R/s2i-id/passwd")" "$ino"

R=$T_DIR/id-own; id_dir "$R" "$UID_:0" 0700
as_uid_img "$R" > /dev/null 2>&1
t_eq "the UID's own s2i-id is used" "$(readlink "$R/s2i-id/passwd")" ../s2i/passwd

R=$T_DIR/id-none; rm -rf "$R"; empty_dir "$R"
as_uid_img "$R" > /dev/null 2>&1
t_eq "no s2i-id (a mount hid it): a symlink to s2i" "$(readlink "$R/s2i-id")" s2i
t_eq "no s2i-id: owned by the UID" "$(stat -c %u "$R/s2i-id")" "$UID_"
ino=$(stat -c %i "$R/s2i-id")
as_uid_img "$R" > /dev/null 2>&1
t_eq "no s2i-id: a restart writes nothing" "$(stat -c %i "$R/s2i-id")" "$ino"

R=$T_DIR/id-theirs; id_dir "$R" 4242:0 0777
untouched "s2i-id owned by another user" "$R"
R=$T_DIR/id-o+w; id_dir "$R" 0:0 0777
untouched "root's s2i-id writable by others" "$R"
R=$T_DIR/id-sticky; id_dir "$R" 0:0 1775
untouched "root's s2i-id with another mode" "$R"
R=$T_DIR/id-group; id_dir "$R" 0:4242 0775
untouched "root's s2i-id in another group" "$R"
R=$T_DIR/id-own-o+w; id_dir "$R" "$UID_:0" 0777
untouched "the UID's s2i-id writable by others" "$R"

R=$T_DIR/id-link; rm -rf "$R"; empty_dir "$R"; mkdir -p "$T_DIR/planted"
ln -s "$T_DIR/planted" "$R/s2i-id"; chown -h 4242 "$R/s2i-id"
as_uid_img "$R" > /dev/null 2>&1
t_eq "another user's s2i-id symlink is left alone" \
  "$(readlink "$R/s2i-id") $(ls -A "$T_DIR/planted")" "$T_DIR/planted "
