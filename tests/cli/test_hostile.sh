#!/bin/bash
# A hostile builder image or source repository (issue 10): each case is the
# reproduction of an attack that once worked, and must now fail cleanly or
# be defused.
. "$(dirname "$0")/common.sh"
t_plan 71
t_need_root "device nodes and mounts"

repo=$T_DIR/repo
fx_site_repo "$repo"
out=$T_DIR/out.tar

# Its own cache: the first build must unpack the hostile layers itself.
export S2I_CACHE_DIR=$T_DIR/cache

# built_file OUT.tar PATH: PATH from the image's application layer (the
# one before the runtime layer).
built_file() {
  rm -rf "$T_DIR/x" && mkdir -p "$T_DIR/x" && tar -xf "$1" -C "$T_DIR/x"
  local layer
  layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' "$T_DIR/x/manifest.json")
  tar -xOf "$T_DIR/x/$layer" "$2" 2>/dev/null
}

# --- a device node in a builder layer --------------------------------------
# The layer holds /opt/app-root/disk as the block device of a host disk
# (8:0) and a char device; assemble tries to open both.
python3 - "$T_DIR/devlayer.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, kind, major, minor in (("opt/app-root/disk", tarfile.BLKTYPE, 8, 0),
                                     ("opt/app-root/mem", tarfile.CHRTYPE, 1, 1)):
        i = tarfile.TarInfo(name); i.type = kind; i.devmajor = major; i.devminor = minor
        i.mode = 0o666; t.addfile(i)
PY
"$S2I" mkimage --from "$BUILDER" --layer-tar "$T_DIR/devlayer.tar" \
  -o "$T_DIR/devbuilder.tar" devbuilder:1 >/dev/null 2>&1
dev=$T_DIR/devrepo
fx_site_repo "$dev"
printf '#!/bin/sh\nfor f in /opt/app-root/disk /opt/app-root/mem; do if [ -e $f ]; then echo "present $f"; fi; done > /opt/app-root/src/devs.txt\ngrep " / / " /proc/self/mountinfo > /opt/app-root/src/root-mount.txt\ngrep " /dev " /proc/self/mountinfo > /opt/app-root/src/dev-mount.txt\n' > "$dev/.s2i/action"
chmod +x "$dev/.s2i/action"
"$S2I" build --copy "$dev" "$T_DIR/devbuilder.tar" x:1 -o "$out" > "$T_DIR/dev.log" 2>&1
t_eq "a builder with device nodes builds" "$?" 0
t_grep "the warning names the dropped node" 'opt/app-root/disk: device node dropped' "$T_DIR/dev.log"
t_check "no device node in the layer cache" \
  test -z "$(find "$S2I_CACHE_DIR" \( -type b -o \( -type c ! -size 0 \) \) -print -quit 2>/dev/null; find "$S2I_CACHE_DIR" -type b -print -quit)"
built_file "$out" opt/app-root/src/devs.txt > "$T_DIR/devs.txt"
t_check "assemble sees no device node" test ! -s "$T_DIR/devs.txt" -a -e "$T_DIR/x/manifest.json"
built_file "$out" opt/app-root/src/root-mount.txt > "$T_DIR/root-mount.txt"
t_grep "the build root is mounted nodev,nosuid" '(nosuid,nodev|nodev,nosuid)' "$T_DIR/root-mount.txt"
built_file "$out" opt/app-root/src/dev-mount.txt > "$T_DIR/dev-mount.txt"
t_grep "the sandbox /dev is nodev,nosuid" '(nosuid,nodev|nodev,nosuid)' "$T_DIR/dev-mount.txt"

# --- a tar header with a bad checksum ---------------------------------------
# In the builder tarball itself, and inside one of its layers: exit 1 with a
# message naming the tarball / the layer, never a signal.
python3 - "$BUILDER" "$T_DIR/badsum-outer.tar" "$T_DIR/badsum-layer.tar" <<'PY'
import io, sys, tarfile
src, outer, layer = sys.argv[1:]
data = bytearray(open(src, "rb").read())
off = tarfile.open(fileobj=io.BytesIO(bytes(data))).getmembers()[1].offset
data[off + 148:off + 156] = b"0000000\0"
open(outer, "wb").write(data)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    for n in ("a", "b"):
        t.addfile(tarfile.TarInfo(n))
d = bytearray(buf.getvalue()); d[512 + 148:512 + 156] = b"0000000\0"
open(layer, "wb").write(d)
PY
rm -f "$out"
"$S2I" build --copy "$repo" "$T_DIR/badsum-outer.tar" x:1 -o "$out" > "$T_DIR/badsum.log" 2>&1
t_eq "a bad header checksum in the builder tarball exits 1" "$?" 1
t_grep "the error names the tarball" 'badsum-outer.tar.*(corrupt|Damaged)' "$T_DIR/badsum.log"
"$S2I" mkimage --from "$BUILDER" --layer-tar "$T_DIR/badsum-layer.tar" \
  -o "$T_DIR/badsum-inner.tar" badsum:1 >/dev/null 2>&1
"$S2I" build --copy "$repo" "$T_DIR/badsum-inner.tar" x:1 -o "$out" > "$T_DIR/badsum.log" 2>&1
t_eq "a bad header checksum in a layer exits 1" "$?" 1
t_grep "the error names the layer" 'layer sha256:[0-9a-f]+: read: Damaged' "$T_DIR/badsum.log"
t_check "nothing at -o" test ! -e "$out"

# --- --context-dir through a symlink ----------------------------------------
ctx=$T_DIR/ctxrepo
fx_site_repo "$ctx"
mkdir -p "$T_DIR/hostdir" && echo HOSTSECRET > "$T_DIR/hostdir/secret.txt"
ln -s "$T_DIR/hostdir" "$ctx/link"
mkdir -p "$ctx/sub" && ln -s "$T_DIR" "$ctx/sub/up"
fx_commit "$ctx" >/dev/null 2>&1
for c in link link/. sub/up/hostdir; do
  rm -f "$out"
  "$S2I" build --copy "$ctx" "$BUILDER" x:1 --context-dir "$c" -o "$out" > "$T_DIR/ctx.log" 2>&1
  st=$?
  if [ $st -eq 1 ] && grep -Eq "symlink" "$T_DIR/ctx.log" && [ ! -e "$out" ]; then
    t_ok "directory source: --context-dir $c is refused"
  else t_fail "directory source: --context-dir $c (exit $st)"; sed 's/^/    # /' "$T_DIR/ctx.log" | tail -3; fi
done
"$S2I" build "$ctx" "$BUILDER" x:1 --context-dir link -o "$out" > "$T_DIR/ctx.log" 2>&1
t_eq "git source: --context-dir through a symlink is refused" "$?" 1

# --- .s2iignore as a symlink to /dev/zero, and as a FIFO --------------------
ign=$T_DIR/ignrepo
fx_site_repo "$ign"
rm -f "$ign/.s2iignore" && ln -s /dev/zero "$ign/.s2iignore"
timeout 20 "$S2I" build --copy "$ign" "$BUILDER" x:1 -o "$out" > "$T_DIR/ign.log" 2>&1
t_eq ".s2iignore -> /dev/zero fails the build at once" "$?" 1
t_grep "the error names .s2iignore" '\.s2iignore: a symlink \(refused\)' "$T_DIR/ign.log"
rm "$ign/.s2iignore" && mkfifo "$ign/.s2iignore"
timeout 20 "$S2I" build --copy "$ign" "$BUILDER" x:1 -o "$out" > "$T_DIR/ign.log" 2>&1
t_eq ".s2iignore as a FIFO fails the build at once" "$?" 1

# --- an OCI layout whose index.json is a FIFO; a 200 MB config blob ---------
oci=$T_DIR/oci
mkdir -p "$oci" && tar -xf "$BUILDER" -C "$oci"
mv "$oci/index.json" "$T_DIR/index.json.good" && mkfifo "$oci/index.json"
timeout 20 "$S2I" build --copy "$repo" "oci:$oci" x:1 -o "$out" > "$T_DIR/oci.log" 2>&1
t_eq "index.json as a FIFO fails at once" "$?" 1
t_grep "the error names index.json" 'index.json: not a regular file' "$T_DIR/oci.log"
rm "$oci/index.json"
python3 - "$oci" "$T_DIR/index.json.good" <<'PY'
import hashlib, json, os, sys
oci, good = sys.argv[1:]
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(oci, "blobs/sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
idx = json.load(open(good))
mdesc = idx["manifests"][0]
m = json.load(open(os.path.join(oci, "blobs/sha256", mdesc["digest"].split(":")[1])))
cfg = json.load(open(os.path.join(oci, "blobs/sha256", m["config"]["digest"].split(":")[1])))
cfg["config"].setdefault("Labels", {})["pad"] = "x" * (200 << 20)
m["config"]["digest"], m["config"]["size"] = put(json.dumps(cfg).encode())
mdesc["digest"], mdesc["size"] = put(json.dumps(m).encode())
json.dump(idx, open(os.path.join(oci, "index.json"), "w"))
PY
/usr/bin/time -f '%M' -o "$T_DIR/rss" "$S2I" build --copy "$repo" "oci:$oci" x:1 -o "$out" > "$T_DIR/oci.log" 2>&1
t_eq "a 200 MB config blob is refused" "$?" 1
t_grep "the error states the limit" 'config.*more than the limit of 16777216' "$T_DIR/oci.log"
t_check "memory stayed bounded (max RSS $(tail -n 1 "$T_DIR/rss") KB < 100 MB)" test "$(tail -n 1 "$T_DIR/rss")" -lt 102400

# --- seccomp: a root assemble cannot make a user namespace -------------------
sc=$T_DIR/screpo
fx_site_repo "$sc"
printf '#!/bin/sh\nif unshare -U true 2>/dev/null; then echo "userns allowed"; else echo "userns refused"; fi > /opt/app-root/src/sc.txt\n' > "$sc/.s2i/action"
chmod +x "$sc/.s2i/action"
"$S2I" build -q --copy --assemble-user 0 "$sc" "$BUILDER" x:1 -o "$out" > "$T_DIR/sc.log" 2>&1
built_file "$out" opt/app-root/src/sc.txt > "$T_DIR/sc.txt"
t_grep "seccomp: unshare(CLONE_NEWUSER) is refused to a root assemble" '^userns refused' "$T_DIR/sc.txt"
"$S2I" build -q --copy --assemble-user 0 --security-opt seccomp=unconfined "$sc" "$BUILDER" x:1 -o "$out" > "$T_DIR/sc.log" 2>&1
built_file "$out" opt/app-root/src/sc.txt > "$T_DIR/sc.txt"
t_grep "--security-opt seccomp=unconfined turns the filter off" '^userns allowed' "$T_DIR/sc.txt"
"$S2I" build -q --copy --security-opt apparmor=x "$sc" "$BUILDER" x:1 -o "$out" > "$T_DIR/sc.log" 2>&1
t_eq "an unknown --security-opt is a usage error" "$?" 2

# --- limits: memory, processes, time, CPU -----------------------------------
# limit_case NAME ACTION: a repository whose assemble runs ACTION.
limit_case() {
  fx_site_repo "$T_DIR/$1"
  printf '#!/bin/sh\n%s\n' "$2" > "$T_DIR/$1/.s2i/action"
  chmod +x "$T_DIR/$1/.s2i/action"
}
limit_case mem 'dd if=/dev/zero of=/dev/null bs=200M count=1'
"$S2I" build -q --copy --memory 64m "$T_DIR/mem" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
t_eq "a 200 MB allocation under --memory 64m fails the build (exit 3)" "$?" 3
t_grep "the error names the memory limit and --memory" 'memory limit of 64 MiB \(--memory raises it\)' "$T_DIR/lim.log"
t_check "the same build passes under the default memory limit" \
  "$S2I" build -q --copy "$T_DIR/mem" "$BUILDER" x:1 -o "$out"
limit_case pids 'i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done; wait'
"$S2I" build -q --copy --pids-limit 20 "$T_DIR/pids" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
t_eq "100 processes under --pids-limit 20 fail the build" "$?" 3
t_grep "the error names the process limit and --pids-limit" 'process limit of 20 \(--pids-limit raises it\)' "$T_DIR/lim.log"
limit_case slow 'sleep 60'
start=$(date +%s)
"$S2I" build -q --copy --timeout 2 "$T_DIR/slow" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
st=$? took=$(($(date +%s) - start))
t_eq "a 60 s assemble under --timeout 2 fails" "$st" 3
t_check "it ended within 10 s (took ${took}s)" test "$took" -lt 10
t_grep "the error names --timeout" 'after the --timeout of 2 s' "$T_DIR/lim.log"
# CPU time over wall time of a busy loop, in percent (clock ticks of the
# shell itself from /proc/self/stat against /proc/uptime).
limit_case cpu 't0=$(cut -d" " -f1 /proc/uptime); c0=$(cut -d" " -f14,15 /proc/$$/stat); i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; t1=$(cut -d" " -f1 /proc/uptime); c1=$(cut -d" " -f14,15 /proc/$$/stat); awk -v a="$c0" -v b="$c1" -v t0=$t0 -v t1=$t1 "BEGIN { split(a, x, \" \"); split(b, y, \" \"); print int((y[1] + y[2] - x[1] - x[2]) / (t1 - t0)) }" > /opt/app-root/src/pct.txt'
"$S2I" build -q --copy --cpus 0.1 "$T_DIR/cpu" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
pct=$(built_file "$out" opt/app-root/src/pct.txt)
"$S2I" build -q --copy "$T_DIR/cpu" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
free_pct=$(built_file "$out" opt/app-root/src/pct.txt)
t_check "--cpus 0.1: a busy loop gets at most 30% of a CPU (${pct:-?}%; ${free_pct:-?}% without)" \
  test -n "$pct" -a "${pct:-100}" -le 30
for bad in "--memory 12x" "--memory 0" "--pids-limit many" "--cpus -1" "--timeout 0"; do
  # shellcheck disable=SC2086
  "$S2I" build -q --copy $bad "$T_DIR/cpu" "$BUILDER" x:1 -o "$out" > "$T_DIR/lim.log" 2>&1
  st=$?
  if [ $st -eq 2 ] && grep -q -- "${bad%% *}" "$T_DIR/lim.log"; then t_ok "$bad is a usage error naming the flag"
  else t_fail "$bad: exit $st"; sed 's/^/    # /' "$T_DIR/lim.log" | tail -3; fi
done

# --- network: the default reaches out, not the host's loopback --------------
mkdir -p "$T_DIR/www" && echo HOST-LOOPBACK > "$T_DIR/www/index.html"
t_http_server "$T_DIR/www"
# net_probe NAME HOST:PORT...: a repository whose assemble records, for
# each address, "reached" or "blocked" in net.txt (busybox nc: its static
# wget crashes here).
net_probe() {
  local name=$1 a; shift
  fx_site_repo "$T_DIR/$name"
  {
    printf '#!/bin/sh\n: > /opt/app-root/src/net.txt\n'
    for a in "$@"; do
      printf 'if printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 3 %s %s 2>/dev/null | grep -q "200 OK"; then echo "reached %s"; else echo "blocked %s"; fi >> /opt/app-root/src/net.txt\n' "${a%:*}" "${a##*:}" "$a" "$a"
    done
  } > "$T_DIR/$name/.s2i/action"
  chmod +x "$T_DIR/$name/.s2i/action"
}
lo=127.0.0.1:$T_HTTP_PORT gw=10.0.2.2:$T_HTTP_PORT
net_probe netlo "$lo" "$gw"
"$S2I" build -q --copy "$T_DIR/netlo" "$BUILDER" x:1 -o "$out" > "$T_DIR/net.log" 2>&1
built_file "$out" opt/app-root/src/net.txt > "$T_DIR/net.txt"
t_grep "default network: the host's 127.0.0.1 is out of reach" "^blocked $lo" "$T_DIR/net.txt"
t_grep "default network: nor through the slirp gateway 10.0.2.2" "^blocked $gw" "$T_DIR/net.txt"
"$S2I" build -q --copy --network host "$T_DIR/netlo" "$BUILDER" x:1 -o "$out" > "$T_DIR/net.log" 2>&1
built_file "$out" opt/app-root/src/net.txt > "$T_DIR/net.txt"
t_grep "--network host still reaches the host's loopback" "^reached $lo" "$T_DIR/net.txt"
t_check "no slirp4netns left running" test -z "$(pgrep -f 'slirp4netns --configure --mtu=65520 --enable-sandbox')"

# Outbound: a server in a network namespace this test makes (never the
# internet), reached through the host's routing as pip would reach PyPI.
# The namespace is held by a process of ours, not named in /run/netns
# (podman keeps its own there).
sub=10.213.$((RANDOM % 250)).
if ip -o addr 2>/dev/null | grep -q "inet $sub"; then
  t_skip "outbound through slirp4netns: $sub.0/24 is in use here"
else
  unshare --net --fork sleep 600 & holder=$!
  t_defer "kill $holder"
  t_wait 10 test -e "/proc/$holder/ns/net"
  t_wait 10 sh -c "[ \"\$(readlink /proc/$holder/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
  nsx() { nsenter --net="/proc/$holder/ns/net" "$@"; }
  ip link add "v$$a" type veth peer name "v$$b" netns "$holder"
  t_defer "ip link del v$$a"
  ip addr add "${sub}1/30" dev "v$$a" && ip link set "v$$a" up
  nsx ip addr add "${sub}2/30" dev "v$$b" && nsx ip link set "v$$b" up
  nsx ip link set lo up
  mkdir -p "$T_DIR/nswww" && echo OUTBOUND > "$T_DIR/nswww/index.html"
  nsx python3 -u -m http.server --bind "${sub}2" --directory "$T_DIR/nswww" 0 > "$T_DIR/nshttp.log" 2>&1 &
  t_defer "kill $!"
  t_wait 10 grep -q 'port [0-9]' "$T_DIR/nshttp.log"
  far=${sub}2:$(t_port_of_log "$T_DIR/nshttp.log")
  net_probe netout "$far"
  "$S2I" build -q --copy "$T_DIR/netout" "$BUILDER" x:1 -o "$out" > "$T_DIR/net.log" 2>&1
  built_file "$out" opt/app-root/src/net.txt > "$T_DIR/net.txt"
  t_grep "default network: an outside server is reached" "^reached $far" "$T_DIR/net.txt"
fi

# --- user namespace: the builder's root is not the host's -------------------
un=$T_DIR/unrepo
fx_site_repo "$un"
printf '#!/bin/sh\nd=/opt/app-root/src\nread a b c < /proc/self/uid_map; echo "map $a $b $c" > $d/un.txt\nif echo 1 > /proc/irq/default_smp_affinity 2>/dev/null; then echo "irq written" >> $d/un.txt; else echo "irq refused" >> $d/un.txt; fi\ntouch $d/by-root $d/by-other && chown 1234:5 $d/by-other\n' > "$un/.s2i/action"
chmod +x "$un/.s2i/action"
"$S2I" build -q --copy --assemble-user 0 "$un" "$BUILDER" x:1 -o "$out" > "$T_DIR/un.log" 2>&1
t_eq "a root assemble builds in a user namespace" "$?" 0
built_file "$out" opt/app-root/src/un.txt > "$T_DIR/un.txt"
t_grep "the builder's uid 0 is an unprivileged host uid" '^map 0 [1-9][0-9]{4,} 65536$' "$T_DIR/un.txt"
t_grep "a root assemble cannot write /proc/irq" '^irq refused' "$T_DIR/un.txt"
tar -tvf "$T_DIR/x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' "$T_DIR/x/manifest.json")" > "$T_DIR/un.list"
t_grep "the layer keeps uid 0 for what root made" ' 0/0 .* opt/app-root/src/by-root$' "$T_DIR/un.list"
t_grep "the layer keeps 1234:5 for what root chowned" ' 1234/5 .* opt/app-root/src/by-other$' "$T_DIR/un.list"
"$S2I" build -q --copy --assemble-user 0 --userns host "$un" "$BUILDER" x:1 -o "$out" > "$T_DIR/un.log" 2>&1
built_file "$out" opt/app-root/src/un.txt > "$T_DIR/un.txt"
t_grep "--userns host: the identity map" '^map 0 0 4294967295$' "$T_DIR/un.txt"
t_check "no leftover mounts or temp dirs" test -z "$(leftovers)"

# --- SIGKILL and SIGINT while a large image is written -----------------------
big=$T_DIR/bigrepo
fx_site_repo "$big"
printf '#!/bin/sh\nhead -c 400000000 /dev/urandom > /opt/app-root/src/big.bin\n' > "$big/.s2i/action"
chmod +x "$big/.s2i/action"
bigout=$T_DIR/big.tar
"$S2I" build -q --copy "$big" "$BUILDER" big:1 -o "$bigout" > "$T_DIR/big.log" 2>&1 &
pid=$!
t_wait 120 sh -c "ls '$bigout'.tmp-* >/dev/null 2>&1"
kill -KILL $pid; wait $pid 2>/dev/null
t_check "SIGKILL while writing leaves a partial <output>.tmp-*" sh -c "ls '$bigout'.tmp-* >/dev/null 2>&1"
# ... and its scratch dir in the cache, claimed (marked and locked) by a
# process that is gone
claimed() { ls -d "$S2I_CACHE_DIR"/tmp/*/.s2i-scratch 2>/dev/null; }
t_check "SIGKILL leaves the build's claimed scratch dir" test -n "$(claimed)"
# one more, held (flock) as a concurrent build's would be: it must stay
exec 9> "$bigout.tmp-held01"
flock 9
"$S2I" build -q --copy "$repo" "$BUILDER" big:1 -o "$bigout" > "$T_DIR/big.log" 2>&1
t_eq "the next build succeeds" "$?" 0
t_check "it swept the orphan" test -z "$(ls "$bigout".tmp-* 2>/dev/null | grep -v held01)"
t_eq "and the killed build's scratch dir (not a week later)" "$(claimed)" ""
t_check "and left the locked temp file of a running build" test -e "$bigout.tmp-held01"
exec 9>&-
rm -f "$bigout.tmp-held01" "$bigout"
"$S2I" build --copy "$big" "$BUILDER" big:1 -o "$bigout" > "$T_DIR/big.log" 2>&1 &
pid=$!
t_wait 120 grep -q "Writing the application layer" "$T_DIR/big.log"
sleep 0.3 # inside the 400 MB entry (the layer takes seconds to write)
t0=$(date +%s%N)
kill -INT $pid
wait $pid
st=$? ms=$((($(date +%s%N) - t0) / 1000000))
t_eq "SIGINT while writing a 400 MB entry: exit 130" "$st" 130
# The goal is 1 s (376 ms measured on an idle machine); writes stuck in the
# kernel's dirty-page throttling and a loaded machine (load 20 on 2 cores
# seen here) add to it, so the test allows 5 s.
t_check "acted on within 5 s (took ${ms} ms)" test "$ms" -lt 5000
t_check "nothing left at -o" test -z "$(ls "$bigout"* 2>/dev/null)"

# --- submodule URLs outside the source ---------------------------------------
hostrepo=$T_DIR/host-only-repo
mkdir -p "$hostrepo" && echo HOST-REPO-SECRET > "$hostrepo/secret.txt"
fx_commit "$hostrepo" "host repository" >/dev/null
sup=$T_DIR/suprepo
fx_site_repo "$sup"
git -C "$sup" -c protocol.file.allow=always submodule add -q "$hostrepo" lib >/dev/null 2>&1
fx_commit "$sup" "add a submodule pointing at the host" >/dev/null
"$S2I" build -q "$sup" "$BUILDER" x:1 -o "$out" > "$T_DIR/sub.log" 2>&1
t_eq "a submodule URL that is a host path is refused" "$?" 1
t_grep "the error names the submodule URL" "host-only-repo" "$T_DIR/sub.log"
"$S2I" build -q --allow-local-submodules "$sup" "$BUILDER" x:1 -o "$out" > "$T_DIR/sub.log" 2>&1
t_eq "--allow-local-submodules permits it" "$?" 0
t_grep "and the submodule's files are in the image" 'HOST-REPO-SECRET' <(built_file "$out" tmp/src/lib/secret.txt; built_file "$out" opt/app-root/src/lib/secret.txt)

# --- Git blobs above the stated limits (libgit2 reads a blob whole) ----------
gb=$T_DIR/blobrepo
fx_site_repo "$gb"
big_sha=$(head -c 600000000 /dev/zero | git -C "$gb" hash-object -w --stdin)
git -C "$gb" update-index --add --cacheinfo "100644,$big_sha,huge.bin"
gcommit() { git -C "$gb" -c user.name=t -c user.email=t@example.com commit -q -m "$1"; }
gcommit "a 600 MB file"
/usr/bin/time -f '%M' -o "$T_DIR/rss" "$S2I" build -q "$gb" "$BUILDER" x:1 -o "$out" > "$T_DIR/blob.log" 2>&1
t_eq "a 600 MB file in a Git source is refused" "$?" 1
t_grep "the error names the file and the limit" 'huge.bin is 600000000 bytes, more than the limit of 536870912' "$T_DIR/blob.log"
t_check "memory stayed bounded (max RSS $(tail -n 1 "$T_DIR/rss") KB < 100 MB)" test "$(tail -n 1 "$T_DIR/rss")" -lt 102400
git -C "$gb" rm -q --cached huge.bin >/dev/null
link_sha=$(head -c 5000 /dev/zero | tr '\0' a | git -C "$gb" hash-object -w --stdin)
git -C "$gb" update-index --add --cacheinfo "120000,$link_sha,long-link"
gcommit "a symlink with a 5000-byte target"
"$S2I" build -q "$gb" "$BUILDER" x:1 -o "$out" > "$T_DIR/blob.log" 2>&1
t_eq "a symlink target above PATH_MAX is refused" "$?" 1

# --- rootless: an unprivileged user builds (tests/e2e/test_rootless.sh has
# the subuid range, podman and ^C); here: no range, one id, said clearly.
t_need setpriv
mkdir -p "$T_DIR/rootless" && cp -r "$repo" "$T_DIR/rootless/src" && cp "$BUILDER" "$T_DIR/rootless/b.tar"
chmod -R a+rwX "$T_DIR/rootless" && chmod a+x "$T_DIR"
(cd "$T_DIR/rootless" && HOME=$T_DIR/rootless S2I_CACHE_DIR=$T_DIR/rootless/cache \
  S2I_STORE=$T_DIR/rootless/store setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$S2I" build --network none --copy src b.tar x:1 -o out.tar) > "$T_DIR/rootless.log" 2>&1
t_eq "an unprivileged s2i build (no subuid range) succeeds" "$?" 0
t_grep "saying only its own id is mapped, and why" \
  'rootless: no range for this user in /etc/subuid: only your own uid 65534' "$T_DIR/rootless.log"
