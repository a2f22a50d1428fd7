#!/bin/bash
# Rootless `s2i build` (issue 10): started by an unprivileged user with a
# range in /etc/subuid, the builder's uid 0 is that user and its other ids
# the user's subordinate ones; the image keeps the builder's ids, podman
# loads and runs it.  Without a range, or without newuidmap, one id is
# mapped and a warning says so and how to fix it.
. "$(dirname "$0")/../cli/common.sh"
t_plan 26
t_need_root "creates a test user and its /etc/subuid range"
t_need newuidmap newgidmap slirp4netns podman setpriv useradd python3

user=s2i-rootless-t
sub=400000 # the test user's range: 400000-465535
if ! id "$user" >/dev/null 2>&1; then
  useradd -M -d /nonexistent -s /usr/sbin/nologin -K SUB_UID_COUNT=0 \
    -K SUB_GID_COUNT=0 "$user" || t_skip_all "useradd $user failed"
  t_defer "userdel $user"
fi
grep -q "^$user:" /etc/subuid ||
  usermod --add-subuids "$sub-$((sub + 65535))" --add-subgids "$sub-$((sub + 65535))" "$user"
sub=$(awk -F: -v u="$user" '$1 == u { print $2; exit }' /etc/subuid)
uid=$(id -u "$user")
gid=$(id -g "$user")

# slirp4netns opens /dev/net/tun as the caller: udev's mode is 0666, some
# machines have 0600.  Put udev's mode back for this test only.
tun_mode=$(stat -c %a /dev/net/tun)
if [ "$tun_mode" != 666 ]; then
  chmod 0666 /dev/net/tun && t_defer "chmod $tun_mode /dev/net/tun"
fi

chmod a+x "$T_DIR"
home=$T_DIR/home
mkdir -p "$home" && cp "$BUILDER" "$home/b.tar"
fx_site_repo "$home/src"
# What assemble sees: its user namespace's map, and who it is.
printf '#!/bin/sh\ncat /proc/self/uid_map > /opt/app-root/src/uid_map.txt\n' > "$home/src/.s2i/action"
chmod +x "$home/src/.s2i/action"
(cd "$home/src" && git add -A && git -c user.name=t -c user.email=t@t commit -qm action)
chown -R "$uid:$gid" "$home" && chmod 0777 "$home"

# as_user USER_SPEC CMD...: CMD as an unprivileged user, HOME and cache its own.
as_user() {
  local who=$1; shift
  (cd "$home" && exec env -u S2I_STORE -u S2I_CACHE_DIR HOME="$home" \
    S2I_CACHE_DIR="$home/cache-$who" S2I_STORE="$home/store-$who" \
    setpriv --reuid="$who" --regid="$who" --clear-groups "$@")
}

# --- with a subordinate range: the builder's ids kept ----------------------
out=$home/out.tar
name=localhost/s2i-rootless:$$
as_user "$uid" "$S2I" build src b.tar "$name" -o "$out" > "$T_DIR/build.log" 2>&1
t_eq "a rootless build (default network) succeeds" "$?" 0
t_eq "the image tarball is the user's" "$(stat -c %u "$out" 2>/dev/null)" "$uid"
t_eq "the source in the image is the assemble user's (1001:0)" \
  "$(app_ids "$out" opt/app-root/src/index.html 2>&1)" "1001:0"
t_eq "the builder's own dirs keep their ids (/opt/app-root 1001:0)" \
  "$(app_ids "$out" opt/app-root 2>&1)" "1001:0"
map=$(python3 - "$out" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    with tarfile.open(fileobj=t.extractfile(m["Layers"][-2])) as l:
        print(" ".join(l.extractfile("opt/app-root/src/uid_map.txt").read().decode().split()))
PY
)
t_eq "assemble's uid 0 is the user, 1.. the user's range" "$map" \
  "0 $uid 1 1 $sub 65536"
layer=$(ls -d "$home/cache-$uid/layers/"*[0-9a-f] 2>/dev/null | head -n 1)
t_eq "the cached layer holds the builder's 1001 as subordinate id $((sub + 1000))" \
  "$(stat -c %u "$layer/opt/app-root" 2>/dev/null)" "$((sub + 1000))"
t_eq "no cgroup controller warning per controller" \
  "$(grep -c 'cgroup controller' "$T_DIR/build.log")" 0
n=$(grep -c 'rootless: no writable cgroup' "$T_DIR/build.log")
if [ "$n" -le 1 ]; then t_ok "cgroups not writable: said at most once ($n)"; else
  t_fail "cgroups said $n times"; fi

t_check "podman loads the rootless build" podman load -q -i "$out"
t_defer "podman rmi -f $name"
podman run --rm --passwd=false "$name" stat -c %u:%g /opt/app-root/src/index.html \
  > "$T_DIR/stat.out" 2>&1
t_eq "podman sees the builder's ids in the image" "$(cat "$T_DIR/stat.out")" "1001:0"
podman run --rm -u 123456:0 --read-only --cap-drop ALL "$name" \
  cat /opt/app-root/src/index.html > "$T_DIR/page.out" 2>&1
t_grep "the image runs as uid 123456" 'Hello from s2i' "$T_DIR/page.out"

# --- ^C: the rootless build's process tree goes --------------------------
mkdir -p "$home/slow/.s2i" && printf '#!/bin/sh\necho slow-started\nsleep 60\n' > "$home/slow/.s2i/action"
chmod +x "$home/slow/.s2i/action" && chown -R "$uid:$gid" "$home/slow"
# not through as_user: $! must be s2i itself (each exec replaces the last)
(cd "$home" && exec env HOME="$home" S2I_CACHE_DIR="$home/cache-$uid" \
  S2I_STORE="$home/store-$uid" setpriv --reuid="$uid" --regid="$gid" \
  --clear-groups "$S2I" build --copy slow b.tar slow:1 -o slow.tar) > "$T_DIR/slow.log" 2>&1 &
pid=$!
if t_wait 60 grep -q slow-started "$T_DIR/slow.log"; then
  start=$(date +%s%N)
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  t_eq "SIGINT ends a rootless build with 130 within 5 s (${ms} ms)" "$rc:$((ms < 5000))" "130:1"
  if t_wait 10 sh -c "! pgrep -u $uid >/dev/null && ! pgrep -u $((sub + 1000)) >/dev/null"; then
    t_ok "no process of the user or its range is left"
  else
    t_fail "left: $(pgrep -a -u "$uid,$((sub + 1000))")"
  fi
else
  t_fail "the slow assemble did not start"; kill "$pid" 2>/dev/null; wait "$pid"
  t_skip "no build to interrupt"
fi
t_check "nothing left in the cache's tmp/" test -z "$(ls -A "$home/cache-$uid/tmp")"

# --- no subordinate range: one id, a warning naming the fix ----------------
nobody=65534
as_user "$nobody" "$S2I" build --network none --copy src b.tar one:1 -o one.tar \
  > "$T_DIR/one.log" 2>&1
t_eq "without a subuid range the build still succeeds" "$?" 0
t_grep "the warning names /etc/subuid" \
  'rootless: no range for this user in /etc/subuid: only your own uid 65534' "$T_DIR/one.log"
t_grep "the warning names the fix" 'usermod --add-subuids' "$T_DIR/one.log"
t_eq "with one id, files are the caller's (0:0 in the image)" \
  "$(app_ids "$home/one.tar" opt/app-root/src/index.html 2>&1)" "0:0"
t_check "one-id layers are cached apart (1id-)" \
  sh -c "ls '$home/cache-$nobody/layers' | grep -q '^1id-'"

# --- newuidmap missing: one id, a warning naming the package ---------------
mkdir -p "$home/bin" && ln -sf "$(command -v slirp4netns)" "$home/bin/slirp4netns"
as_user "$uid" env PATH="$home/bin" "$S2I" build --no-cache --copy src b.tar nomap:1 \
  -o nomap.tar > "$T_DIR/nomap.log" 2>&1
t_eq "without newuidmap the build still succeeds" "$?" 0
t_grep "the warning names newuidmap" 'newuidmap/newgidmap not found in PATH' "$T_DIR/nomap.log"
t_grep "the warning names the package" 'install the uidmap package' "$T_DIR/nomap.log"

# --- s2i usage, rootless ---------------------------------------------------
as_user "$uid" "$S2I" usage b.tar > "$T_DIR/usage.log" 2>&1
t_grep "s2i usage runs the builder's usage script rootless" 'busybox test builder' "$T_DIR/usage.log"

# --- s2i prune, rootless: what the namespace unpacked, it removes ---------
as_user "$uid" sh -c "'$S2I' images --format json | python3 -c 'import json,sys; print(chr(10).join(i[\"tag\"] for i in json.load(sys.stdin)))' | xargs -r '$S2I' rmi && '$S2I' prune" \
  > "$T_DIR/prune.log" 2>&1
t_grep "prune as the user frees the unpacked layers" 'Freed .* [1-9][0-9]* unpacked layer' "$T_DIR/prune.log"
t_check "... the layer owned by subordinate ids is gone" test ! -e "$layer"

# --- root: --userns host still runs without a user namespace --------------
t_check "root with --userns host still builds" \
  "$S2I" build -q --userns host "$home/src" "$BUILDER" host:1 -o "$T_DIR/host.tar"
