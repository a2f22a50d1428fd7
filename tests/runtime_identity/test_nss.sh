#!/bin/bash
# libnss_s2i.so.2 on this (glibc) host: a private mount namespace gets an
# nsswitch.conf made by the same rule as the runtime layer's, and processes
# that never went through the init (the `podman exec` case) resolve the UID.
. "$(dirname "$0")/../lib.sh"
t_plan 14

NSS_DIR=$BUILD/runtime/rootfs/usr/lib/s2i-runtime
NSS=$NSS_DIR/libnss_s2i.so.2
UID_=123456

t_need_root "unshare -m, setpriv"
if [ ! -f "$NSS" ]; then
  t_fail "the NSS module is missing: $NSS (make all builds it)"; exit 0
fi
chmod 0755 "$T_DIR"

bad=$(objdump -T "$NSS" | grep -o 'GLIBC_[0-9.]*' | sort -u | grep -vx GLIBC_2.2.5)
t_eq "only GLIBC_2.2.5 symbols (loads in any x86_64 glibc)" "$bad" ""
t_eq "needs only libc.so.6" \
  "$(readelf -d "$NSS" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')" "libc.so.6"

sed -E '/^passwd:/ s/$/ s2i/' /etc/nsswitch.conf > "$T_DIR/nsswitch.conf"

cp /etc/passwd "$T_DIR/passwd"

# in_ns CMD: run the shell command CMD as ${AS:-UID_}:0 with the
# nsswitch.conf ($NSSWITCH, default the rewritten one) and $T_DIR/passwd.
in_ns() {
  unshare -m sh -c "mount --bind '${NSSWITCH:-$T_DIR/nsswitch.conf}' /etc/nsswitch.conf &&
    mount --bind '$T_DIR/passwd' /etc/passwd &&
    exec setpriv --reuid ${AS:-$UID_} --regid 0 --clear-groups env -i \
      PATH=/usr/bin:/bin LD_LIBRARY_PATH='$NSS_DIR' $EXTRA sh -c '$1'"
}

EXTRA='' in_ns 'whoami' > "$T_DIR/o" 2>&1
t_eq "whoami without the init" "$(cat "$T_DIR/o")" default
EXTRA='' in_ns 'id -un; id -gn' > "$T_DIR/o" 2>&1
t_eq "id -un / id -gn" "$(tr '\n' ' ' < "$T_DIR/o")" "default root "
EXTRA='' in_ns "getent passwd $UID_" > "$T_DIR/o" 2>&1
t_eq "getent passwd UID (no HOME: /tmp/s2i/home)" "$(cat "$T_DIR/o")" \
  "default:x:$UID_:0:Default Application User:/tmp/s2i/home:/bin/sh"
EXTRA='' in_ns "getent passwd default" > "$T_DIR/o" 2>&1
t_grep "getent passwd by name" "^default:x:$UID_:0:" "$T_DIR/o"
EXTRA='' in_ns "getent passwd | grep -c :$UID_:" > "$T_DIR/o" 2>&1
t_eq "enumeration lists the UID once" "$(cat "$T_DIR/o")" 1
EXTRA='' in_ns "getent passwd 4242 || echo absent" > "$T_DIR/o" 2>&1
t_eq "another unknown UID stays unknown" "$(cat "$T_DIR/o")" absent
EXTRA="HOME=/srv S2I_USER_NAME=app" in_ns "getent passwd $UID_" > "$T_DIR/o" 2>&1
t_eq "S2I_USER_NAME and HOME are used" "$(cat "$T_DIR/o")" \
  "app:x:$UID_:0:Default Application User:/srv:/bin/sh"
if command -v python3 >/dev/null; then
  EXTRA='' in_ns 'python3 -c "import getpass, pwd, os; print(getpass.getuser(), pwd.getpwuid(os.getuid()).pw_name)"' \
    > "$T_DIR/o" 2>&1
  t_eq "python getpass.getuser() and pwd.getpwuid()" "$(cat "$T_DIR/o")" "default default"
else
  t_skip "python3 is not installed: getpass.getuser() not checked"
fi
# Root and users with a files entry are never answered by the module,
# even when it comes first: "passwd: s2i files", as uid 1 and as root.
sed -E '/^passwd:/ s/^passwd:.*/passwd: s2i files/' /etc/nsswitch.conf > "$T_DIR/nss-first.conf"
AS=1 NSSWITCH=$T_DIR/nss-first.conf EXTRA='' in_ns 'getent passwd 1' > "$T_DIR/o" 2>&1
t_eq "s2i first, as uid 1: getent passwd 1 is daemon" "$(cut -d: -f1 "$T_DIR/o")" daemon
AS=0 NSSWITCH=$T_DIR/nss-first.conf EXTRA='' in_ns 'getent passwd 0' > "$T_DIR/o" 2>&1
t_eq "s2i first, as root: getent passwd 0 is root" "$(cut -d: -f1 "$T_DIR/o")" root
AS=1 NSSWITCH=$T_DIR/nss-first.conf EXTRA='' in_ns 'getent passwd | grep -c "^[^:]*:[^:]*:1:"' \
  > "$T_DIR/o" 2>&1
t_eq "s2i first, as uid 1: enumeration lists uid 1 once" "$(cat "$T_DIR/o")" 1

# A uid field that is not all digits is no entry for glibc's files module
# either: the module still answers (the init reads it the same way).
printf 'junk:x:%sx:0::/:/bin/sh\n' "$UID_" >> "$T_DIR/passwd"
EXTRA='' in_ns 'whoami' > "$T_DIR/o" 2>&1
t_eq "a uid field with trailing junk is not the UID's entry" "$(cat "$T_DIR/o")" default
