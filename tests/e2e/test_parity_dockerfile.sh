#!/bin/bash
# The original s2i's --as-dockerfile integration tests
# (openshift/source-to-image test/integration/dockerfile/dockerfile_test.go),
# case by case: the same configurations, and the same regular expressions
# on the Dockerfile written (Go's and Python's syntax agree on these), the
# same files expected under upload/.  The original's builder is
# docker.io/centos/nodejs-8-centos7 (USER 1001, scripts in
# /usr/libexec/s2i); ours is the busybox test builder, which has the same
# user and scripts dir, so only the FROM line names a different image.
# podman parses every Dockerfile (the original used buildkit's parser) and
# builds a few of them end to end.
. "$(dirname "$0")/../cli/common.sh"
t_need podman python3
t_plan 173

# The original's source: sclorg/nodejs-ex, a Git repository with server.js.
git_src=$T_DIR/nodejs-ex
mkdir -p "$git_src"
echo 'require("http").createServer((q, r) => r.end("hi")).listen(8080);' > "$git_src/server.js"
echo '{"name": "nodejs-ex"}' > "$git_src/package.json"
fx_commit "$git_src" 'nodejs example'
FROM_RE="FROM docker-archive:$BUILDER"

# df NAME [options...]: s2i build SOURCE BUILDER with --as-dockerfile into
# $T_DIR/NAME (DF_OUT, default file DF=$T_DIR/NAME/Dockerfile); the options
# may set SOURCE with --src DIR first and the output with --out PATH.
df() {
  local name=$1 src=$git_src
  shift
  DF_OUT=$T_DIR/$name
  DF=$DF_OUT/Dockerfile
  local out=$DF
  [ "${1:-}" = --src ] && { src=$2; shift 2; }
  [ "${1:-}" = --out ] && { out=$2; DF=$3; shift 3; }
  "$S2I" build "$src" "${DF_BUILDER:-$BUILDER}" "$@" --as-dockerfile "$out" > "$T_DIR/$name.log" 2>&1
}
# ok NAME: the build succeeded and podman's parser takes the Dockerfile.
ok() {
  local st=$?
  if [ $st -eq 0 ] && [ -s "$DF" ]; then t_ok "$1: writes the Dockerfile"
  else t_fail "$1: exit $st"; sed 's/^/    # /' "$T_DIR/$1.log" | tail -n 5; fi
}
# re NAME REGEX...: each REGEX matches the Dockerfile (expected).
re() {
  local name=$1 r
  shift
  for r in "$@"; do
    if python3 -c 'import re,sys; sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read()) else 1)' "$r" "$DF" 2>/dev/null
    then t_ok "$name: /$r/"
    else t_fail "$name: no /$r/ in"; sed 's/^/    # /' "$DF" 2>/dev/null | head -n 40; fi
  done
}
# nore NAME REGEX...: no REGEX matches (notExpected).
nore() {
  local name=$1 r
  shift
  for r in "$@"; do
    if python3 -c 'import re,sys; sys.exit(0 if re.search(sys.argv[1], open(sys.argv[2]).read()) else 1)' "$r" "$DF" 2>/dev/null
    then t_fail "$name: /$r/ must not be there"
    else t_ok "$name: no /$r/"; fi
  done
}
# files NAME PATH...: each PATH exists (expectedFiles).
files() {
  local name=$1 f
  shift
  for f in "$@"; do
    if [ -e "$f" ]; then t_ok "$name: ${f#"$T_DIR"/} exists"; else t_fail "$name: no ${f#"$T_DIR"/}"; fi
  done
}
COMMIT_LABELS=('"io.openshift.s2i.build.commit.date"' '"io.openshift.s2i.build.commit.id"'
  '"io.openshift.s2i.build.commit.ref"' '"io.openshift.s2i.build.commit.message"'
  '"io.openshift.s2i.build.source-location"' "\"io.openshift.s2i.build.image\"=\"$BUILDER\""
  '"io.openshift.s2i.build.commit.author"')

# TestDockerfileBuild: a named output file.
df build --out "$T_DIR/build/MyDockerfile" "$T_DIR/build/MyDockerfile"
ok TestDockerfileBuild
re TestDockerfileBuild "(?m)^$FROM_RE" "${COMMIT_LABELS[@]}" \
  '(?m)^COPY --chown=1001:0 upload/src /tmp/src' \
  '(?m)^USER 1001\n.+\n.+\nRUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuild "$T_DIR/build/upload/src/server.js" "$T_DIR/build/MyDockerfile"

# TestDockerfileBuildDefaultDockerfile: DIR/ gets DIR/Dockerfile.
df default --out "$T_DIR/default/" "$T_DIR/default/Dockerfile"
ok TestDockerfileBuildDefaultDockerfile
re TestDockerfileBuildDefaultDockerfile "(?m)^$FROM_RE" "${COMMIT_LABELS[@]}" \
  '(?m)^COPY --chown=1001:0 upload/src /tmp/src' '(?m)^RUN /usr/libexec/s2i/assemble' \
  '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuildDefaultDockerfile "$T_DIR/default/upload/src/server.js" "$T_DIR/default/Dockerfile"

# TestDockerfileBuildEnv
df env -e key1=value1 -e key2=value2
ok TestDockerfileBuildEnv
re TestDockerfileBuildEnv 'key1="value1"' 'key2="value2"'

# TestDockerfileBuildLabels: --scripts-url and -d become labels; the
# original's api.Config.Labels (OpenShift's output.imageLabels) are --label
# here, and win over the label s2i would write.
df labels -s image:///scripts -d /destination --label label1=value1 --label label2=value2 \
  --label io.openshift.s2i.build.commit.author=shadowman
ok TestDockerfileBuildLabels
re TestDockerfileBuildLabels '"io.openshift.s2i.scripts-url"="image:///scripts"' \
  '"io.openshift.s2i.destination"="/destination"' \
  "${COMMIT_LABELS[@]:0:6}" '"io.openshift.s2i.build.commit.author"="shadowman"' \
  '"label1"="value1"' '"label2"="value2"'

# TestDockerfileBuildInjections: injected dirs copied from upload/injections,
# their files removed after assemble.  (The original's ImageWorkDir comes
# from the builder: here a builder whose WORKDIR is /workdir.  Its "Keep"
# of injection2 is API-only, so both dirs' files are removed here.)
"$S2I" mkimage --from "$BUILDER" --workdir /workdir -o "$T_DIR/workdir.tar" wd:1 > /dev/null
inj1=$T_DIR/injection1 inj2=$T_DIR/injection2
mkdir -p "$inj1" "$inj2"
for i in 1 2 3; do mktemp "$inj1/injectfile-XXXXXX" > /dev/null; done
mktemp "$inj2/injectfile-2XXXXXX" > /dev/null
BUILDER_SAVED=$BUILDER
BUILDER=$T_DIR/workdir.tar
df injections -i "$inj1:injection1" -i "$inj2:/destination/injection2"
BUILDER=$BUILDER_SAVED
ok TestDockerfileBuildInjections
re TestDockerfileBuildInjections \
  "(?m)^COPY --chown=1001:0 upload/injections$inj1 /workdir/injection1" \
  "(?m)^COPY --chown=1001:0 upload/injections$inj2 /destination/injection2" \
  '(?m)^RUN rm /workdir/injection1/injectfile-' '    rm /workdir/injection1/injectfile-'
nore TestDockerfileBuildInjections 'rm -rf /destination/injection2'
files TestDockerfileBuildInjections "$DF_OUT/upload/src/server.js" \
  "$DF_OUT/upload/injections$inj1" "$DF_OUT/upload/injections$inj2"

# scripts_dir NAME SCRIPT...: an empty file per SCRIPT in $T_DIR/NAME-scripts.
scripts_dir() {
  local d=$T_DIR/$1-scripts s
  shift
  mkdir -p "$d"
  for s in "$@"; do : > "$d/$s"; done
  echo "$d"
}
# TestDockerfileBuildScriptsURLAssemble / ...Run: --scripts-url file:// with
# only one of the scripts: that one from upload/scripts, the other the image's.
d=$(scripts_dir url-assemble assemble)
df url-assemble -s "file://$d" -d /destination
ok TestDockerfileBuildScriptsURLAssemble
re TestDockerfileBuildScriptsURLAssemble '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuildScriptsURLAssemble "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/assemble"
d=$(scripts_dir url-run run)
df url-run -s "file://$d" -d /destination
ok TestDockerfileBuildScriptsURLRun
re TestDockerfileBuildScriptsURLRun '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /destination/scripts/run'
files TestDockerfileBuildScriptsURLRun "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/run"

# TestDockerfileBuildScriptsURLNone: a --scripts-url with no script fails.
d=$(scripts_dir url-none)
df url-none -s "file://$d" -d /destination
st=$?
if [ $st -ne 0 ] && [ ! -e "$DF" ]; then t_ok "TestDockerfileBuildScriptsURLNone: fails (exit $st), no Dockerfile"
else t_fail "TestDockerfileBuildScriptsURLNone: exit $st"; fi

# source_with NAME SCRIPT: a plain directory whose .s2i/bin has SCRIPT.
source_with() {
  local s=$T_DIR/$1-source
  mkdir -p "$s/.s2i/bin"
  : > "$s/.s2i/bin/$2"
  echo "$s"
}
# TestDockerfileBuildSourceScriptsAssemble / ...Run (a file:// source, --copy)
s=$(source_with src-assemble assemble)
df src-assemble --src "file://$s" --copy -d /destination
ok TestDockerfileBuildSourceScriptsAssemble
re TestDockerfileBuildSourceScriptsAssemble '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuildSourceScriptsAssemble "$DF_OUT/upload/scripts/assemble"
s=$(source_with src-run run)
df src-run --src "file://$s" --copy -d /destination
ok TestDockerfileBuildSourceScriptsRun
re TestDockerfileBuildSourceScriptsRun '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /destination/scripts/run'
files TestDockerfileBuildSourceScriptsRun "$DF_OUT/upload/scripts/run"

# TestDockerfileBuildScriptsURLImage: an image:// --scripts-url is trusted
# blindly, whatever the source has.
s=$(source_with url-image assemble)
df url-image --src "file://$s" --copy -s image:///usr/custom/s2i -d /destination
ok TestDockerfileBuildScriptsURLImage
re TestDockerfileBuildScriptsURLImage '(?m)^RUN /usr/custom/s2i/assemble' '(?m)^CMD /usr/custom/s2i/run'
nore TestDockerfileBuildScriptsURLImage '(?m)^COPY.*upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble'

# --image-scripts-url is where a builder without a scripts-url label keeps
# its scripts (the original's Dockerfile strategy never reads the label; we
# do, and a label wins, so these cases use a builder without one).
"$S2I" mkimage --from "$BUILDER" --label io.openshift.s2i.scripts-url= \
  -o "$T_DIR/nolabel.tar" nolabel:1 > /dev/null
# TestDockerfileBuildImageScriptsURLAssemble / ...Run: --image-scripts-url
# file:// with one script.
d=$(scripts_dir img-assemble assemble)
DF_BUILDER=$T_DIR/nolabel.tar df img-assemble --image-scripts-url "file://$d" -d /destination
ok TestDockerfileBuildImageScriptsURLAssemble
re TestDockerfileBuildImageScriptsURLAssemble '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuildImageScriptsURLAssemble "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/assemble"
d=$(scripts_dir img-run run)
DF_BUILDER=$T_DIR/nolabel.tar df img-run --image-scripts-url "file://$d" -d /destination
ok TestDockerfileBuildImageScriptsURLRun
re TestDockerfileBuildImageScriptsURLRun '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /destination/scripts/run'
files TestDockerfileBuildImageScriptsURLRun "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/run"

# TestDockerfileBuildImageScriptsURLImage: --image-scripts-url image://, the
# source's assemble still wins for assemble.
s=$(source_with img-image assemble)
DF_BUILDER=$T_DIR/nolabel.tar df img-image --src "file://$s" --copy --image-scripts-url image:///usr/custom/s2i -d /destination
ok TestDockerfileBuildImageScriptsURLImage
re TestDockerfileBuildImageScriptsURLImage '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/custom/s2i/run'
files TestDockerfileBuildImageScriptsURLImage "$DF_OUT/upload/scripts/assemble"

# TestDockerfileBuildScriptsAndImageURL
d=$(scripts_dir both assemble)
DF_BUILDER=$T_DIR/nolabel.tar df both -s "file://$d" --image-scripts-url image:///usr/some/dir -d /destination
ok TestDockerfileBuildScriptsAndImageURL
re TestDockerfileBuildScriptsAndImageURL '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/some/dir/run'
files TestDockerfileBuildScriptsAndImageURL "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/assemble"

# TestDockerfileBuildScriptsAndImageURLConflicts: both file://, --scripts-url
# wins, and its assemble is the one uploaded.
d=$(scripts_dir conflict-s)
printf '#!/bin/bash\necho "Hello World!"' > "$d/assemble"
i=$(scripts_dir conflict-i assemble)
df conflict -s "file://$d" --image-scripts-url "file://$i" -d /destination
ok TestDockerfileBuildScriptsAndImageURLConflicts
re TestDockerfileBuildScriptsAndImageURLConflicts '(?m)^COPY --chown=1001:0 upload/scripts /destination/scripts' \
  '(?m)^RUN /destination/scripts/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileBuildScriptsAndImageURLConflicts "$DF_OUT/upload/src/server.js" "$DF_OUT/upload/scripts/assemble"
t_check "TestDockerfileBuildScriptsAndImageURLConflicts: the --scripts-url assemble was uploaded" \
  cmp "$d/assemble" "$DF_OUT/upload/scripts/assemble"

# TestDockerfileIncrementalBuild
df incremental test:tag --incremental
ok TestDockerfileIncrementalBuild
re TestDockerfileIncrementalBuild '(?m)^FROM test:tag as cached\n#.+\nUSER 1001' \
  '(?m)^RUN if \[ -s /usr/libexec/s2i/save-artifacts \]; then /usr/libexec/s2i/save-artifacts > /tmp/artifacts.tar; else touch /tmp/artifacts.tar; fi' \
  "(?m)^$FROM_RE" '(?m)^COPY --chown=1001:0 --from=cached /tmp/artifacts.tar /tmp/artifacts.tar' \
  'if \[ -s /tmp/artifacts.tar \]; then mkdir -p /tmp/artifacts; tar -xf /tmp/artifacts.tar -C /tmp/artifacts; fi' \
  'rm /tmp/artifacts.tar' '(?m)^COPY --chown=1001:0 upload/src /tmp/src' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'

# TestDockerfileIncrementalSourceSave: the source's save-artifacts is copied
# into the cached stage.
s=$(source_with inc-src save-artifacts)
df inc-src --src "file://$s" test:tag --incremental -d /destination
ok TestDockerfileIncrementalSourceSave
re TestDockerfileIncrementalSourceSave '(?m)^FROM test:tag as cached\n#.+\n' \
  '(?m)^COPY --chown=1001:0 upload/scripts/save-artifacts /destination/scripts/save-artifacts' \
  '(?m)^USER 1001\nRUN if \[ -s /destination/scripts/save-artifacts \]; then /destination/scripts/save-artifacts > /tmp/artifacts.tar;' \
  "(?m)^$FROM_RE" 'mkdir -p /destination/artifacts' 'tar -xf /tmp/artifacts.tar -C /destination/artifacts' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileIncrementalSourceSave "$DF_OUT/upload/scripts/save-artifacts"

# TestDockerfileIncrementalSaveURL: the same from --scripts-url.
d=$(scripts_dir inc-url save-artifacts)
df inc-url test:tag --incremental -s "file://$d" -d /destination
ok TestDockerfileIncrementalSaveURL
re TestDockerfileIncrementalSaveURL '(?m)^FROM test:tag as cached\n#.+\n' \
  '(?m)^COPY --chown=1001:0 upload/scripts/save-artifacts /destination/scripts/save-artifacts' \
  '(?m)^USER 1001\nRUN if \[ -s /destination/scripts/save-artifacts \]; then /destination/scripts/save-artifacts > /tmp/artifacts.tar;' \
  "(?m)^$FROM_RE" 'mkdir -p /destination/artifacts' 'tar -xf /tmp/artifacts.tar -C /destination/artifacts' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'
files TestDockerfileIncrementalSaveURL "$DF_OUT/upload/scripts/save-artifacts"

# TestDockerfileIncrementalTag: --incremental-from names the cached stage.
df inc-tag test:tag --incremental --incremental-from incremental:tag
ok TestDockerfileIncrementalTag
re TestDockerfileIncrementalTag '(?m)^FROM incremental:tag as cached' \
  '/usr/libexec/s2i/save-artifacts > /tmp/artifacts.tar' "(?m)^$FROM_RE" \
  'mkdir -p /tmp/artifacts' 'tar -xf /tmp/artifacts.tar -C /tmp/artifacts' 'rm /tmp/artifacts.tar' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'

# TestDockerfileIncrementalAssembleUser
df inc-user test:tag --incremental --assemble-user 2250
ok TestDockerfileIncrementalAssembleUser
re TestDockerfileIncrementalAssembleUser '(?m)^FROM test:tag as cached\n#.+\nUSER 2250' \
  '/usr/libexec/s2i/save-artifacts > /tmp/artifacts.tar' "(?m)^$FROM_RE" \
  '(?m)^COPY --chown=2250:0 --from=cached /tmp/artifacts.tar /tmp/artifacts.tar' \
  'mkdir -p /tmp/artifacts' 'tar -xf /tmp/artifacts.tar -C /tmp/artifacts' 'rm /tmp/artifacts.tar' \
  '(?m)^RUN /usr/libexec/s2i/assemble' '(?m)^CMD /usr/libexec/s2i/run'

# TestDockerfileLocalSource: a file:// directory source, then with a
# .s2iignore (comments and a missing entry are fine).
local_src=$T_DIR/local-source
mkdir -p "$local_src/foo/bar" "$local_src/foo/baz/foobar"
for f in foo/a_file foo/bar/a_file foo/bar/another_file foo/baz/foobar/a_file; do
  printf 'Hello World!' > "$local_src/$f"
done
df local --src "file://$local_src"
ok TestDockerfileLocalSource
files TestDockerfileLocalSource "$DF_OUT/upload/src/foo/a_file" "$DF_OUT/upload/src/foo/bar" \
  "$DF_OUT/upload/src/foo/bar/a_file" "$DF_OUT/upload/src/foo/bar/another_file" \
  "$DF_OUT/upload/src/foo/baz/foobar" "$DF_OUT/upload/src/foo/baz/foobar/a_file"
printf 'dummy\n#skip_file\nfoo/bar/another_file\nfoo/baz/foobar' > "$local_src/.s2iignore"
df local-ignored --src "file://$local_src"
ok "TestDockerfileLocalSource (.s2iignore)"
files "TestDockerfileLocalSource (.s2iignore)" "$DF_OUT/upload/src/foo/a_file" \
  "$DF_OUT/upload/src/foo/bar" "$DF_OUT/upload/src/foo/bar/a_file"
t_check "TestDockerfileLocalSource (.s2iignore): the ignored files are not uploaded" \
  test ! -e "$DF_OUT/upload/src/foo/bar/another_file" -a ! -e "$DF_OUT/upload/src/foo/baz/foobar"

# Beyond the original's regexes: podman builds the first one and its image
# runs the builder's run script as the original's CMD form says.
img=localhost/s2i-parity-df:$$
t_defer "podman rmi -f $img"
t_check "podman builds TestDockerfileBuild's output" \
  timeout 300 podman build -q -f "$T_DIR/build/MyDockerfile" -t "$img" "$T_DIR/build"
t_eq "its CMD is the original's shell form" \
  "$(podman image inspect --format '{{json .Config.Cmd}}' "$img" 2>/dev/null)" \
  '["/bin/sh","-c","/usr/libexec/s2i/run"]'
