#!/bin/bash
# Builders with ONBUILD instructions, as the original's onbuild strategy
# builds them (its integration tests TestCleanBuildOnBuild,
# TestAllowedUIDsOnBuildRootUser, TestAllowedUIDsOnBuildNumericUser with
# the sti-fake-onbuild* images, and onbuild_test.go's TestCreateDockerfile*
# and entrypoint_test.go's TestGuessEntrypoint): the triggers run in order
# in the sandbox (RUN, ENV, USER, WORKDIR, COPY of the source), then
# `sh assemble` when an assemble script was fetched into the source, and
# ENTRYPOINT is ./run (or start, exec, execute).
. "$(dirname "$0")/common.sh"
t_plan 22

src=$T_DIR/src
mkdir -p "$src/.s2i/bin"
echo '<h1>onbuild</h1>' > "$src/index.html"
echo 'FROM_ENVFILE=envfile' > "$src/.s2i/environment"
printf '%s\n' '#!/bin/sh' 'set -e' 'echo "---> sh assemble in $(pwd) as $(id -u), FROM_ONBUILD=$FROM_ONBUILD FROM_ENVFILE=$FROM_ENVFILE"' \
  'touch /opt/app-root/assemble-invoked' > "$src/.s2i/bin/assemble"
printf '%s\n' '#!/bin/sh' 'echo "run: $(cat /opt/app-root/marker/onbuild)"' \
  'exec httpd -f -p 8080 -h /opt/app-root/src' > "$src/.s2i/bin/run"
chmod 0755 "$src/.s2i/bin/"*

# onbuild NAME [--onbuild INSTR...]: the busybox builder with triggers
onbuild() {
  local name=$1
  shift
  "$S2I" mkimage --from "$BUILDER" "$@" -o "$T_DIR/$name.tar" "$name:1" \
    > "$T_DIR/$name.mk.log" 2>&1
}
# sti-fake-onbuild: RUN touch, COPY . to the app dir, WORKDIR there (the
# paths through ENV variables, which the triggers expand as docker does)
onbuild ob --onbuild 'RUN mkdir -p /opt/app-root/marker && echo "ran as $(id -u)" > /opt/app-root/marker/onbuild' \
  --onbuild 'ENV FROM_ONBUILD=yes APP_SRC=/opt/app-root/src' --onbuild 'COPY . ${APP_SRC}/' \
  --onbuild 'WORKDIR $APP_SRC' --onbuild 'LABEL onbuild.label="a b"' \
  --onbuild 'STOPSIGNAL SIGTERM'

# TestCleanBuildOnBuild
t_check "onbuild: builds" "$S2I" build "$src" "$T_DIR/ob.tar" ob-app:1 -o "$T_DIR/ob-app.tar"
t_grep "onbuild: says it builds the onbuild way" 'ONBUILD instruction\(s\)' "$T_DIR/last.out"
t_grep "onbuild: assemble ran as 'sh assemble' in WORKDIR with ONBUILD ENV and .s2i/environment" \
  'sh assemble in /opt/app-root/src as 1001, FROM_ONBUILD=yes FROM_ENVFILE=envfile' "$T_DIR/last.out"
t_grep "onbuild: an unsupported trigger is a warning" 'ONBUILD STOPSIGNAL SIGTERM: not supported' "$T_DIR/last.out"
skopeo inspect --config "docker-archive:$T_DIR/ob-app.tar" > "$T_DIR/ob.json" 2>&1
t_grep "onbuild: ENTRYPOINT is ./run (after the init)" '"\./run"' "$T_DIR/ob.json"
t_eq "onbuild: WORKDIR from the trigger" /opt/app-root/src \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("WorkingDir"))' "$T_DIR/ob.json")"
t_eq "onbuild: LABEL from the trigger" "a b" "$(label_of "$T_DIR/ob.json" onbuild.label)"
if command -v podman >/dev/null; then
  podman rmi -f ob-app:1 >/dev/null 2>&1
  t_defer "podman rmi -f ob-app:1"
  podman load -i "$T_DIR/ob-app.tar" > /dev/null 2>&1
  podman run --rm --entrypoint /bin/sh ob-app:1 -c \
    'cat /opt/app-root/marker/onbuild; ls /opt/app-root/assemble-invoked /opt/app-root/src/index.html /opt/app-root/src/run; echo "env=$FROM_ENVFILE"' \
    > "$T_DIR/ob.run" 2>&1
  t_grep "image: the ONBUILD RUN ran as the image's USER" 'ran as 1001' "$T_DIR/ob.run"
  t_grep "image: assemble was invoked" '/opt/app-root/assemble-invoked' "$T_DIR/ob.run"
  t_grep "image: COPY . put the source (and the run script) in place" '/opt/app-root/src/run' "$T_DIR/ob.run"
  t_grep "image: .s2i/environment is in its env" 'env=envfile' "$T_DIR/ob.run"
else
  t_skip "podman is not installed" 4
fi

# TestCleanBuildOnBuildNoName: no TAG (the tarball is the output)
t_check "TestCleanBuildOnBuildNoName: builds without TAG" "$S2I" build "$src" "$T_DIR/ob.tar" -o "$T_DIR/noname.tar"
# TestIncrementalBuildOnBuild: an ONBUILD build is always clean (the
# original's onbuild strategy has no incremental step), the triggers ran
t_check "TestIncrementalBuildOnBuild: --incremental builds" "$S2I" build "$src" "$T_DIR/ob.tar" ob-app:1 \
  --incremental -o "$T_DIR/ob-app.tar"
if grep -q 'Saving artifacts' "$T_DIR/last.out"; then t_fail "TestIncrementalBuildOnBuild: artifacts were saved"
else t_ok "TestIncrementalBuildOnBuild: a clean build"; fi
t_grep "TestIncrementalBuildOnBuild: the ONBUILD RUN ran again" 'ONBUILD RUN mkdir' "$T_DIR/last.out"

# TestAllowedUIDsOnBuildRootUser / TestAllowedUIDsOnBuildNumericUser
onbuild ob-root --workdir /tmp/src --onbuild 'USER 0' --onbuild 'RUN touch /tmp/onbuild' --onbuild 'COPY . /tmp/src/'
onbuild ob-num --workdir /tmp/src --onbuild 'USER 1001' --onbuild 'RUN touch /tmp/onbuild' --onbuild 'COPY . /tmp/src/'
if "$S2I" build "$src" "$T_DIR/ob-root.tar" obr:1 -u 1- > "$T_DIR/last.out" 2>&1; then
  t_fail "ONBUILD USER 0 with --allowed-uids 1-: built"
else t_ok "ONBUILD USER 0 with --allowed-uids 1-: refused"; fi
t_grep "... with the original's message" 'includes at least one ONBUILD instruction that sets the user to a user that is not allowed' "$T_DIR/last.out"
if grep -q 'Running\|ONBUILD RUN' "$T_DIR/last.out"; then t_fail "... after running something"
else t_ok "... before anything ran"; fi
t_check "ONBUILD USER 1001 with --allowed-uids 1-: builds" "$S2I" build "$src" "$T_DIR/ob-num.tar" obn:1 -u 1-

# TestGuessEntrypoint: no run/start/exec/execute in the source
rm -rf "$src/.s2i/bin/run"
printf '#!/bin/sh\n' > "$src/start.sh"
chmod 0755 "$src/start.sh"
t_check "start.sh is an entrypoint too" "$S2I" build "$src" "$T_DIR/ob-num.tar" obs:1 -o "$T_DIR/obs.tar"
skopeo inspect --config "docker-archive:$T_DIR/obs.tar" > "$T_DIR/obs.json" 2>&1
t_grep "... ENTRYPOINT ./start.sh" '"\./start.sh"' "$T_DIR/obs.json"
rm -f "$src/start.sh"
if "$S2I" build "$src" "$T_DIR/ob-num.tar" obx:1 > "$T_DIR/last.out" 2>&1; then
  t_fail "no entrypoint: built"
else t_ok "no entrypoint: refused"; fi
