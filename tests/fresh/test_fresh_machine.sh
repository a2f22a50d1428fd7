#!/bin/bash
# The README's promise, checked: on a fresh Debian 12 root that holds only
# make and git, the README's make targets install what they need and pass.
# The root comes from mmdebstrap (cached under build/fresh/, keyed on the
# command that makes it); each run unpacks a new copy, puts this working
# tree in it, and runs `make lint unit cli` there as the only command.
#
# The root is entered with pivot_root in a private mount namespace (not
# chroot: the sandbox of `s2i build` pivots again, which a chroot forbids).
# Downloaded .debs are shared with the host's apt cache, so a rerun does not
# fetch them again; the package lists are the root's own.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

FRESH_TARGETS=${FRESH_TARGETS:-lint unit cli}
CACHE=$SHARED/fresh
SUITE=bookworm
# The only packages on the "machine" besides Debian's required set.
INCLUDE=make,git
KEY=$(printf '%s %s v1' "$SUITE" "$INCLUDE" | sha256sum | cut -c1-12)
ROOT_TAR=$CACHE/debian-$SUITE-make-git-$KEY.tar

# One result for the root, one for the deps stamp, one per target, one
# for make's exit status.
# shellcheck disable=SC2086
set -- $FRESH_TARGETS
t_plan $(($# + 3))
t_need_root "mmdebstrap, mount namespaces"
t_need mmdebstrap unshare pivot_root busybox

# A machine has init scripts that do not start services during apt-get;
# in a bare root, policy-rc.d says the same (else nginx's postinst would
# start a server on the host's port 80).
make_root() {
  mkdir -p "$CACHE"
  rm -f "$CACHE"/debian-"$SUITE"-make-git-*.tar
  mmdebstrap --quiet --variant=apt --include="$INCLUDE" --format=tar \
    --customize-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"' \
    "$SUITE" "$ROOT_TAR.tmp" < /dev/null > "$T_DIR/mmdebstrap.log" 2>&1 &&
    mv "$ROOT_TAR.tmp" "$ROOT_TAR"
}

if [ ! -s "$ROOT_TAR" ] && ! make_root; then
  t_fail "fresh root: mmdebstrap failed"
  sed 's/^/    # /' "$T_DIR/mmdebstrap.log" | tail -n 20
  exit 1
fi

root=$T_DIR/root
mkdir -p "$root"
tar -C "$root" -xpf "$ROOT_TAR"

# The root really is fresh: no compiler, no pkg-config, no libraries.
absent=""
for tool in cc gcc pkg-config musl-gcc podman cppcheck; do
  [ -e "$root/usr/bin/$tool" ] && absent="$absent $tool"
done
if [ -x "$root/usr/bin/make" ] && [ -x "$root/usr/bin/git" ] && [ -z "$absent" ]; then
  t_ok "fresh root: make and git, no compiler or build tools"
else
  t_fail "fresh root is not fresh: found$absent, or make/git missing"
fi

# This working tree as a user would have it: tracked and new files, no
# build outputs.
mkdir -p "$root/src"
(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 tar --no-recursion -cf - 2>/dev/null) | tar -C "$root/src" -xf -
cp /etc/resolv.conf "$root/etc/resolv.conf"

# Inside: the README's command only.  CI, if set, keeps -Werror.
inner="cd /src && make $FRESH_TARGETS"
log=$BUILD/artifacts/fresh-machine.log
mkdir -p "$(dirname "$log")"
start=$(date +%s)
unshare -m --propagation private -- /bin/bash -c '
  set -e
  root=$1
  mount --bind "$root" "$root"
  mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  cd "$root"
  mkdir -p .oldroot
  pivot_root . .oldroot
  # The bare root has no umount (util-linux mount is not "required"); the
  # static busybox of the host, still reachable under the old root, has one.
  /.oldroot/bin/busybox umount -l /.oldroot
  rmdir /.oldroot
  exec chroot . env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root CI="${CI:-}" sh -c "$2"
' fresh "$root" "$inner" > "$log" 2>&1
st=$?
secs=$(($(date +%s) - start))
echo "    # make $FRESH_TARGETS in the fresh root: exit $st after ${secs}s (log: $log)"

if [ -f "$root/src/build/.deps-ok" ]; then
  t_ok "fresh root: make installed its own packages first"
else
  t_fail "fresh root: no deps stamp, the packages were not installed by make"
fi
# Each suite's own count, as the suite wrote it.
for s in $FRESH_TARGETS; do
  r=$root/src/build/results/$s
  if [ ! -s "$r" ]; then
    t_fail "fresh root: make $s wrote no result"
    continue
  fi
  read -r p f sk < "$r"
  if [ "${f:-1}" -eq 0 ] && [ "${p:-0}" -gt 0 ]; then
    t_ok "fresh root: make $s: $p passed, $f failed, ${sk:-0} skipped"
  else
    t_fail "fresh root: make $s: ${p:-0} passed, ${f:-?} failed, ${sk:-0} skipped"
  fi
done
if [ $st -ne 0 ]; then
  t_fail "fresh root: make $FRESH_TARGETS exited $st"
  sed 's/^/    # /' "$log" | tail -n 40
else
  t_ok "fresh root: make $FRESH_TARGETS exited 0"
fi
