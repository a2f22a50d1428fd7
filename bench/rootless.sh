#!/bin/bash
# The same `s2i build` as root and as an unprivileged user with a
# /etc/subuid range (rootless: a user namespace of its own, overlay with
# userxattr, no cgroups), median of RUNS each, default network
# (slirp4netns), --no-cache so every run assembles; root and rootless
# alternate.  Two sources: the
# busybox builder with a 200-file / 5 MB Git repository, and the Lektor
# builder with the quickstart site (when build/builders/lektor.tar is
# there).  Target (issue 10): rootless <= 1.2x root.  Prints a Markdown
# table for docs/PERFORMANCE.md.  Run as root: it makes the test user
# s2i-bench-rl (and its range) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/rootless.sh: run as root" >&2; exit 1; }
S2I=$PWD/bin/s2i
RUNS=${RUNS:-15}
user=s2i-bench-rl
if ! id "$user" >/dev/null 2>&1; then
  useradd -M -d /nonexistent -s /usr/sbin/nologin -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$user"
fi
grep -q "^$user:" /etc/subuid || usermod --add-subuids 500000-565535 --add-subgids 500000-565535 "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")

work=$(mktemp -d /var/tmp/s2i-bench-rl.XXXXXX)
tun_mode=$(stat -c %a /dev/net/tun)
cleanup() {
  chmod "$tun_mode" /dev/net/tun
  rm -rf "$work"
}
trap cleanup EXIT
chmod 0666 /dev/net/tun # slirp4netns opens it as the user (udev's mode)
chmod 0755 "$work"

builder=$PWD/build/fixtures/busybox-builder.tar
tests/fixtures/busybox-builder.sh "$builder"
cp "$builder" "$work/busybox.tar"
src=$work/src
for d in $(seq 0 9); do
  mkdir -p "$src/dir$d"
  for f in $(seq 0 19); do head -c 25600 /dev/urandom > "$src/dir$d/file$f.bin"; done
done
git -C "$src" init -q && git -C "$src" add -A &&
  git -C "$src" -c user.name=b -c user.email=b@b commit -qm bench
cases=("busybox $src busybox.tar")
if [ -f build/builders/lektor.tar ] && command -v lektor >/dev/null; then
  cp build/builders/lektor.tar "$work/lektor.tar"
  printf 'My Site\n\n\n\n\n\n\n' | (cd "$work" && timeout 60 lektor quickstart --name "My Site" --path site) >/dev/null 2>&1
  cases+=("lektor $work/site lektor.tar")
fi
chown -R "$uid:$gid" "$work"

# as root: its own cache and store; as the user: the user's.  The two run
# alternately, pair after pair (hyperfine would run all of one, then all
# of the other, and the load of a shared machine drifts in between).
cat > "$work/pairs.py" <<'PY'
import statistics, subprocess, sys, time
runs, name, root_cmd, user_cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def once(cmd):
    t = time.monotonic()
    subprocess.run(cmd, shell=True, check=True)
    return time.monotonic() - t
for cmd in (root_cmd, user_cmd):  # warm-up
    once(cmd)
a, b = [], []
for _ in range(runs):
    a.append(once(root_cmd))
    b.append(once(user_cmd))
ma, mb = statistics.median(a), statistics.median(b)
pairs = statistics.median(y / x for x, y in zip(a, b))
print(f"| {name} | {ma:.3f} | {mb:.3f} | {mb / ma:.2f}x | {pairs:.2f}x | {min(a):.3f} / {min(b):.3f} |")
PY
root_env="S2I_CACHE_DIR=$work/cache-root S2I_STORE=$work/store-root"
user_env="HOME=$work S2I_CACHE_DIR=$work/cache-user S2I_STORE=$work/store-user"
echo "| build (RUNS=$RUNS) | root median (s) | rootless median (s) | rootless / root | median of pair ratios | min root / rootless (s) |"
echo "|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  read -r name dir tar <<< "$c"
  build="$S2I build -q --no-cache $dir $work/$tar bench-$name:1 -o $work/out-$name.tar"
  # one build each first: the layer caches (a user's is its own) warm
  env $root_env $S2I build -q "$dir" "$work/$tar" warm:1 -o "$work/warm-root.tar"
  (cd "$work" && env $user_env setpriv --reuid="$uid" --regid="$gid" --clear-groups \
    "$S2I" build -q "$dir" "$work/$tar" warm:1 -o "$work/warm-user.tar")
  python3 "$work/pairs.py" "$RUNS" "$name" \
    "cd $work && env $root_env $build" \
    "cd $work && env $user_env setpriv --reuid=$uid --regid=$gid --clear-groups $build"
done
