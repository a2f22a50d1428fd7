#!/bin/bash
# s2i inside an unprivileged container, run the way a Kubernetes pod runs
# it (templates/build/): an image holding s2i (tests/fixtures/s2i-image.sh),
# a non-root user, no capability, no privilege escalation, podman's default
# seccomp profile, a read-only root with an emptyDir-like /tmp and cache.
# The build inside maps one id (newuidmap cannot map a range without
# CAP_SYS_ADMIN) and says so; podman loads and runs the result.  What the
# pod must allow (an unmasked /proc, unshare(CLONE_NEWUSER), /dev/fuse when
# the cache is on overlayfs) is named by the error when it is missing.
. "$(dirname "$0")/../cli/common.sh"
t_plan 17

t_need_root "podman as root, device modes"
t_need podman python3

img=localhost/s2i-rootless-ctr:$$
t_check "make the s2i image (s2i mkimage from this host's files)" \
  "$TOP/tests/fixtures/s2i-image.sh" "$T_DIR/s2i-image.tar" "$img"
t_check "podman loads it" podman load -q -i "$T_DIR/s2i-image.tar"
t_defer "podman rmi -f $img"

# The pod's volumes: a work dir (the source, the builder, the output) and
# emptyDir-like dirs (0777, no sticky bit) for /tmp and the cache.
work=$T_DIR/work
mkdir -p "$work/cache" "$work/tmp" && cp "$BUILDER" "$work/b.tar"
fx_site_repo "$work/src"
chmod -R a+rwX "$work" && chmod 0777 "$work/cache" "$work/tmp"

# in_pod OUT.log [podman options...] -- s2i arguments...: as the Job runs it.
in_pod() {
  local log=$1; shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  podman run --rm -u 1000:1000 --cap-drop ALL --security-opt no-new-privileges \
    --read-only --read-only-tmpfs=false -v "$work/tmp:/tmp" -v "$work:/work" -w /work \
    -e S2I_CACHE_DIR=/work/cache -e S2I_STORE=/work/cache/store "${opts[@]}" "$img" s2i "$@" > "$log" 2>&1
}

# --- as the Job runs it ----------------------------------------------------
name=localhost/s2i-in-pod:$$
in_pod "$T_DIR/pod.log" --security-opt unmask=ALL -- \
  build --network host src b.tar "$name" -o out.tar
t_eq "s2i build in a hardened unprivileged container succeeds" "$?" 0
t_grep "the log says only its own id is mapped, and why" \
  'mapping only your own uid 1000 .*CAP_SYS_ADMIN' "$T_DIR/pod.log"
t_eq "the app's files belong to the pod's user (0 in the image)" \
  "$(app_ids "$work/out.tar" opt/app-root/src/index.html 2>&1)" "0:0"
t_check "podman loads what the pod built" podman load -q -i "$work/out.tar"
t_defer "podman rmi -f $name"
podman run --rm -u 123456:0 --read-only --cap-drop ALL "$name" \
  cat /opt/app-root/src/index.html > "$T_DIR/page.out" 2>&1
t_grep "the image runs (uid 123456)" 'Hello from s2i' "$T_DIR/page.out"

# --- the default network, given /dev/net/tun -------------------------------
tun_mode=$(stat -c %a /dev/net/tun)
[ "$tun_mode" = 666 ] || { chmod 0666 /dev/net/tun && t_defer "chmod $tun_mode /dev/net/tun"; }
in_pod "$T_DIR/slirp.log" --security-opt unmask=ALL --device /dev/net/tun -- \
  build --no-cache src b.tar slirp:1 -o slirp.tar
t_eq "with /dev/net/tun the default network (slirp4netns) works in the pod" "$?" 0

# --- the cache on the container's overlayfs root: fuse-overlayfs ----------
fuse_mode=$(stat -c %a /dev/fuse)
[ "$fuse_mode" = 666 ] || { chmod 0666 /dev/fuse && t_defer "chmod $fuse_mode /dev/fuse"; }
in_pod "$T_DIR/fuse.log" --read-only=false --security-opt unmask=ALL --device /dev/fuse \
  -e S2I_CACHE_DIR=/home/builder/cache -- build --no-cache --network none --copy src b.tar f:1 -o fuse.tar
t_eq "a cache on overlayfs works through fuse-overlayfs (/dev/fuse)" "$?" 0
t_eq "... with the same content" \
  "$(app_ids "$work/fuse.tar" opt/app-root/src/index.html 2>&1)" "0:0"
in_pod "$T_DIR/nofuse.log" --read-only=false --security-opt unmask=ALL \
  -e S2I_CACHE_DIR=/home/builder/cache -- build --no-cache --network none --copy src b.tar f:1 -o nofuse.tar
t_eq "without /dev/fuse there the build fails" "$?" 1
t_grep "... naming /dev/fuse and the volume way out" \
  'fuse-overlayfs failed too \(it needs /dev/fuse.*S2I_CACHE_DIR' "$T_DIR/nofuse.log"

# --- what the pod must allow, named when it does not -----------------------
in_pod "$T_DIR/masked.log" -- build --network host src b.tar m:1 -o masked.tar
t_eq "a masked /proc fails the build" "$?" 1
t_grep "... naming unmask=ALL and procMount: Unmasked" \
  'unmask=ALL.*procMount: Unmasked' "$T_DIR/masked.log"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["unshare"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}\n' \
  > "$T_DIR/no-unshare.json"
in_pod "$T_DIR/nouserns.log" --security-opt unmask=ALL --security-opt seccomp="$T_DIR/no-unshare.json" -- \
  build --network host src b.tar n:1 -o nouserns.tar
t_grep "no user namespace: the error names the seccomp profile to allow it" \
  'cannot create a user namespace.*seccomp' "$T_DIR/nouserns.log"

# --- templates/build: the Job and the Task keep the pod hardened -----------
cat > "$T_DIR/tpl.py" <<'PY'
import sys, yaml
doc = next(yaml.safe_load_all(open(sys.argv[1])))
if doc["kind"] == "Job":
    spec = doc["spec"]["template"]["spec"]
    assert spec.get("hostUsers") is False, "hostUsers: false"
    assert spec["securityContext"]["runAsNonRoot"] is True
    steps, vols = spec["containers"], spec["volumes"]
    args = steps[0]["args"]
else:
    steps, vols = doc["spec"]["steps"], doc["spec"]["volumes"]
    args = steps[0]["script"].split()
for c in steps:
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"]
    assert sc["procMount"] == "Unmasked" and not sc.get("privileged")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    names = {v["name"]: v for v in vols}
    assert "emptyDir" in names[mounts["/tmp"]], "/tmp is an emptyDir"
    cache = [e["value"] for e in c["env"] if e["name"] == "S2I_CACHE_DIR"][0]
    assert "emptyDir" in names[mounts[cache]], "the cache is an emptyDir"
assert "--network" in args and args[args.index("--network") + 1] == "host"
assert "--push" in args
PY
for f in kubernetes-job tekton-task; do
  t_check "templates/build/$f.yaml: hardened, one build per pod, cache on an emptyDir" \
    python3 "$T_DIR/tpl.py" "$TOP/templates/build/$f.yaml"
done
