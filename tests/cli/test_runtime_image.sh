#!/bin/bash
# Extended builds (--runtime-image), as the original does them
# (pkg/build/strategies/sti: Prepare's mapping checks, the post-executor
# steps downloadFilesFromBuilderImageStep, startRuntimeImageAndUploadFilesStep
# and commitImageStep with the runtime image).  The builder is the busybox
# test builder, whose assemble leaves "compiler" files behind; the runtime
# image is a second busybox image with an assemble-runtime script, a
# WORKDIR, a USER and the io.openshift.s2i.assemble-input-files label.
. "$(dirname "$0")/common.sh"
t_plan 41

src=$T_DIR/src
mkdir -p "$src/.s2i"
echo '<h1>runtime</h1>' > "$src/index.html"
# assemble "compiles": a build dir with the output, and a toolchain file
# that must stay in the builder
printf '%s\n' '#!/bin/sh' 'set -e' 'mkdir -p /opt/app-root/out/bin' \
  'echo built > /opt/app-root/out/app.txt' \
  'printf "#!/bin/sh\necho hello from the app\n" > /opt/app-root/out/bin/hello' \
  'chmod 0700 /opt/app-root/out/bin/hello' \
  'echo gcc > /opt/app-root/toolchain.txt' > "$src/.s2i/action"
chmod 0755 "$src/.s2i/action"

# The runtime image: busybox, no s2i runtime layer, its own assemble-runtime.
rtroot=$T_DIR/rtroot
# no /proc, no /dev: the sandbox makes them (as the image's root)
mkdir -p "$rtroot"/{bin,etc,tmp,usr/libexec/s2i,srv/app}
cp /bin/busybox "$rtroot/bin/busybox"
for a in sh cat ls id echo test printf mkdir sleep true; do ln -s busybox "$rtroot/bin/$a"; done
chmod 1777 "$rtroot/tmp"
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:2002:0:app:/srv/app:/bin/sh' > "$rtroot/etc/passwd"
printf 'root:x:0:\n' > "$rtroot/etc/group"
printf '%s\n' '#!/bin/sh' 'set -e' 'echo "---> assemble-runtime as $(id -u) in $(pwd)"' \
  'ls -R . >&2' 'echo "runtime=$RTVAR" > /srv/app/assembled.txt' > "$rtroot/usr/libexec/s2i/assemble-runtime"
printf '%s\n' '#!/bin/sh' 'cat /srv/app/assembled.txt; exec /srv/app/out/bin/hello' > "$rtroot/usr/libexec/s2i/run"
chmod 0755 "$rtroot"/usr/libexec/s2i/*
chown 2002:0 "$rtroot/srv/app"

# runtime NAME [mkimage options...]: the runtime image as $T_DIR/NAME.tar
runtime() {
  local name=$1
  shift
  "$S2I" mkimage --layer "$rtroot" --user 2002 --workdir /srv/app \
    --env PATH=/bin --env RTVAR=from-image \
    --label io.openshift.s2i.scripts-url=image:///usr/libexec/s2i \
    --label io.k8s.display-name=tiny-runtime "$@" \
    -o "$T_DIR/$name.tar" "$name:1" > "$T_DIR/$name.mk.log" 2>&1
}
runtime rt --label 'io.openshift.s2i.assemble-input-files=/opt/app-root/out'
runtime rt-nolabel
runtime rt-badlabel --label 'io.openshift.s2i.assemble-input-files=/ok;src:dst'

# TestPrepareSetRuntimeArtifacts: no -a, the label gives the mapping.
t_check "label: builds" "$S2I" build "$src" "$BUILDER" ext:1 \
  --runtime-image "$T_DIR/rt.tar" -o "$T_DIR/ext.tar"
t_grep "label: assemble-runtime ran as the runtime image's USER in WORKDIR" \
  'assemble-runtime as 2002 in /srv/app' "$T_DIR/last.out"
t_grep "label: it saw the artifact in WORKDIR" 'out' "$T_DIR/last.out"
skopeo inspect --config "docker-archive:$T_DIR/ext.tar" > "$T_DIR/ext.json" 2>&1
t_eq "result: USER is the runtime image's" 2002 \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("User"))' "$T_DIR/ext.json")"
t_eq "result: WORKDIR is the runtime image's" /srv/app \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("WorkingDir"))' "$T_DIR/ext.json")"
t_eq "result: io.openshift.s2i.build.image names the builder" "$BUILDER" \
  "$(label_of "$T_DIR/ext.json" io.openshift.s2i.build.image)"
t_eq "result: the runtime image's own labels are kept" \
  /opt/app-root/out "$(label_of "$T_DIR/ext.json" io.openshift.s2i.assemble-input-files)"
t_grep "result: CMD is the builder's run script path" '"/usr/libexec/s2i/run"' "$T_DIR/ext.json"

# The runtime image's layers are in the result byte for byte.
python3 - "$T_DIR/rt.tar" "$T_DIR/ext.tar" > "$T_DIR/layers.out" 2>&1 <<'EOF'
import json, sys, tarfile
def layers(p):
    with tarfile.open(p) as t:
        return json.load(t.extractfile("manifest.json"))[0]["Layers"]
rt, ext = layers(sys.argv[1]), layers(sys.argv[2])
print("same" if ext[:len(rt)] == rt else "differ", len(rt), len(ext))
EOF
t_grep "result: the runtime image's layers come first, unchanged" '^same 1 ' "$T_DIR/layers.out"

# podman runs it: the artifacts are there, the builder's files are not.
if command -v podman >/dev/null; then
  podman rmi -f ext:1 >/dev/null 2>&1
  t_check "podman loads the result" podman load -i "$T_DIR/ext.tar"
  t_defer "podman rmi -f ext:1"
  t_check "it runs as an arbitrary uid" podman run --rm -u 123456:0 --read-only --tmpfs /tmp ext:1
  t_grep "run: the app's output" 'hello from the app' "$T_DIR/last.out"
  t_grep "run: assemble-runtime's file, with the image's env" 'runtime=from-image' "$T_DIR/last.out"
  podman run --rm --entrypoint /bin/sh ext:1 -c \
    'ls -ln /srv/app/out/app.txt /srv/app/out/bin/hello; ls /opt/app-root /tmp/src /usr/libexec/s2i/assemble 2>&1; echo end' \
    > "$T_DIR/ls.out" 2>&1
  # 0644/0755 as the original uploads them (not the builder's 0700), then
  # the group-0 layout every app dir gets (WORKDIR of a non-root user)
  t_grep "run: the artifact file is 0664, owned by the runtime user, group 0" '^-rw-rw-r-- .* 2002 *0 .*/srv/app/out/app.txt' "$T_DIR/ls.out"
  t_grep "run: an executable artifact is 0775" '^-rwxrwxr-x .*/srv/app/out/bin/hello' "$T_DIR/ls.out"
  t_grep "run: no builder files (/opt/app-root)" "ls: /opt/app-root: No such file" "$T_DIR/ls.out"
  t_grep "run: no builder files (the builder's assemble)" "ls: /usr/libexec/s2i/assemble: No such file" "$T_DIR/ls.out"
else
  t_skip "podman is not installed" 8
fi

# TestPrepareUseCustomRuntimeArtifacts: -a beats the label; DEST is a dir
# under WORKDIR; -e reaches assemble-runtime and the image.
t_check "-a: builds" "$S2I" build "$src" "$BUILDER" ext2:1 --runtime-image "$T_DIR/rt.tar" \
  -a /opt/app-root/out/app.txt:data/x -a '/opt/app-root/out/bin;/opt/app-root/out/app.txt:more' -e RTVAR=from-cli -o "$T_DIR/ext2.tar"
t_grep "-a: the artifact landed in WORKDIR/DEST" 'data:' "$T_DIR/last.out"
t_grep "-a: the ';'-separated items too" 'more:' "$T_DIR/last.out"
t_eq "-a: the unchanged rebuild is reused" 0 \
  "$("$S2I" build "$src" "$BUILDER" ext2:1 --runtime-image "$T_DIR/rt.tar" \
     -a /opt/app-root/out/app.txt:data/x -a '/opt/app-root/out/bin;/opt/app-root/out/app.txt:more' -e RTVAR=from-cli > "$T_DIR/re.out" 2>&1; echo $?)"
t_grep "-a: ... without assemble" 'Unchanged since the build' "$T_DIR/re.out"

# --assemble-runtime-user, and an injected assemble-runtime and run from
# the source's .s2i/bin (uploaded to WORKDIR/scripts as the original does).
mkdir -p "$src/.s2i/bin"
printf '%s\n' '#!/bin/sh' 'echo "---> source assemble-runtime as $(id -u)"' > "$src/.s2i/bin/assemble-runtime"
printf '%s\n' '#!/bin/sh' 'echo source run' > "$src/.s2i/bin/run"
cp "$BUILDER" "$T_DIR/b.tar" # the builder's assemble still runs
chmod 0755 "$src/.s2i/bin/"*
t_check "injected: builds" "$S2I" build "$src" "$BUILDER" ext3:1 --runtime-image "$T_DIR/rt.tar" \
  --assemble-runtime-user 0 -o "$T_DIR/ext3.tar"
t_grep "injected: the source's assemble-runtime ran as --assemble-runtime-user" \
  'source assemble-runtime as 0' "$T_DIR/last.out"
skopeo inspect --config "docker-archive:$T_DIR/ext3.tar" > "$T_DIR/ext3.json" 2>&1
t_grep "injected: CMD is WORKDIR/scripts/run" '"/srv/app/scripts/run"' "$T_DIR/ext3.json"
rm -rf "$src/.s2i/bin"

# TestPrepareFailForEmptyRuntimeArtifacts
t_check_fails() { local n=$1; shift; if "$@" > "$T_DIR/last.out" 2>&1; then t_fail "$n (exit 0)"; else t_ok "$n"; fi; }
t_check_fails "no label, no -a: fails" "$S2I" build "$src" "$BUILDER" bad:1 --runtime-image "$T_DIR/rt-nolabel.tar"
t_grep "... saying so" 'no runtime artifacts to copy were specified' "$T_DIR/last.out"
# TestPrepareRuntimeArtifactsValidation: each case, before assemble runs
for m in 'src:dst|source must be an absolute path' '/src:/dst|destination must be a relative path' \
         '/src:../dst|destination cannot start with'; do
  "$S2I" build "$src" "$BUILDER" bad:1 --runtime-image "$T_DIR/rt.tar" -a "${m%%|*}" > "$T_DIR/m.out" 2>&1
  if grep -q -- "${m#*|}" "$T_DIR/m.out" && ! grep -q 'Running' "$T_DIR/m.out"; then
    t_ok "-a ${m%%|*}: refused before assemble (${m#*|})"
  else t_fail "-a ${m%%|*}: $(cat "$T_DIR/m.out")"; fi
done
# ... and the same check of a mapping the label gives (mappingFromUser false)
t_check_fails "a label mapping src:dst fails" "$S2I" build "$src" "$BUILDER" bad:1 --runtime-image "$T_DIR/rt-badlabel.tar"
t_grep "... source must be an absolute path" '"src" -> "dst": source must be an absolute path' "$T_DIR/last.out"
t_check_fails "a missing artifact fails" "$S2I" build "$src" "$BUILDER" bad:1 --runtime-image "$T_DIR/rt.tar" -a /opt/app-root/nothing
t_grep "... naming it" 'runtime artifact /opt/app-root/nothing: no such file' "$T_DIR/last.out"
# --allowed-uids holds the runtime image's users to the ranges too
# ("for the builder and runtime images", as the original's help says)
t_check_fails "-u 1000-1999: the runtime image's user 2002 is refused" "$S2I" build "$src" "$BUILDER" bad:1 \
  --runtime-image "$T_DIR/rt.tar" -u 1000-1999
t_grep "... naming the runtime image" 'runtime image .*rt.tar: assemble-runtime user 2002 is not in --allowed-uids 1000-1999' "$T_DIR/last.out"
# --runtime-pull-policy never: a reference not in the store is an error
t_check_fails "--runtime-pull-policy never: an image not in the store fails" "$S2I" build "$src" "$BUILDER" bad:1 \
  --runtime-image localhost:1/none:1 --runtime-pull-policy never
t_grep "... saying so" 'runtime image: .*localhost:1/none:1 is not in the store .* pull policy is never' "$T_DIR/last.out"
# pkg/cmd/cli/cmd/build.go's refusals
t_check_fails "--runtime-image with --as-dockerfile is refused" "$S2I" build "$src" "$BUILDER" bad:1 \
  --runtime-image "$T_DIR/rt.tar" --as-dockerfile "$T_DIR/df/"
t_grep "... as the original words it" 'runtime-image cannot be used with --as-dockerfile' "$T_DIR/last.out"
t_eq "nothing left in the cache's tmp" "" "$(leftovers)"
