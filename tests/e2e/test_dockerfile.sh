#!/bin/bash
# --as-dockerfile as the original writes it (its test/integration/dockerfile
# cases), built by podman: an output DIR/ gets DIR/Dockerfile; the
# --scripts-url and -d used are recorded as the image's labels; an
# incremental build gets a first stage that runs the previous image's
# save-artifacts and hands its tar to assemble; a --scripts-url that gives
# no script fails instead of silently using the builder's.
. "$(dirname "$0")/../cli/common.sh"
t_plan 16

src=$T_DIR/src
mkdir -p "$src/.s2i/bin"
echo '<h1>dockerfile</h1>' > "$src/index.html"
# assemble records what the previous build left in <destination>/artifacts.
printf '%s\n' '#!/bin/sh' 'set -e' 'd=$(dirname "$(dirname "$0")")' \
  'cp -Rf "$d/src/." /opt/app-root/src/' \
  'if [ -f "$d/artifacts/marker.txt" ]; then cp "$d/artifacts/marker.txt" /opt/app-root/src/restored.txt; fi' \
  'date +%N > /opt/app-root/src/marker.txt' > "$src/.s2i/bin/assemble"
printf '%s\n' '#!/bin/sh' 'cd /opt/app-root/src && exec tar -cf - marker.txt' > "$src/.s2i/bin/save-artifacts"
chmod +x "$src/.s2i/bin/"*

one=localhost/s2i-e2e-dfinc:$$
t_check "--as-dockerfile DIR/ writes DIR/Dockerfile" \
  "$S2I" build -q "$src" "$BUILDER" "$one" -d /opt/s2i --as-dockerfile "$T_DIR/one/"
t_grep "the destination used is a label" '^LABEL "io.openshift.s2i.destination"="/opt/s2i"$' "$T_DIR/one/Dockerfile"
t_check "podman builds it" timeout 300 podman build -q -t "$one" "$T_DIR/one"
t_defer "podman rmi -f $one"
first=$(podman run --rm --entrypoint cat "$one" /opt/app-root/src/marker.txt 2>/dev/null)
t_check "the first build made its marker" test -n "$first"

two=localhost/s2i-e2e-dfinc2:$$
t_check "--incremental --as-dockerfile" \
  "$S2I" build -q "$src" "$BUILDER" "$two" -d /opt/s2i --incremental-from "$one" \
  --as-dockerfile "$T_DIR/two/"
t_grep "a first stage from the previous image" "^FROM $one as cached$" "$T_DIR/two/Dockerfile"
t_grep "that runs the source's save-artifacts" '^RUN if \[ -s /opt/s2i/scripts/save-artifacts \]; then /opt/s2i/scripts/save-artifacts > /tmp/artifacts.tar' "$T_DIR/two/Dockerfile"
t_grep "its tar goes to the second stage" '^COPY --chown=1001:0 --from=cached /tmp/artifacts.tar /tmp/artifacts.tar$' "$T_DIR/two/Dockerfile"
t_check "podman builds the incremental Dockerfile" timeout 300 podman build -q -t "$two" "$T_DIR/two"
t_defer "podman rmi -f $two"
t_eq "assemble found the previous build's artifacts" \
  "$(podman run --rm --entrypoint cat "$two" /opt/app-root/src/restored.txt 2>/dev/null)" "$first"

mkdir -p "$T_DIR/empty-scripts"
"$S2I" build -q "$src" "$BUILDER" x:1 -s "file://$T_DIR/empty-scripts" --as-dockerfile "$T_DIR/three/" > "$T_DIR/three.log" 2>&1
t_eq "a --scripts-url with no script fails" "$?" 1
t_grep "and names it" "--scripts-url file://$T_DIR/empty-scripts: no script found there" "$T_DIR/three.log"

# s2i generate BUILDER DIR/: the same Dockerfile with an empty upload/src
# for the user to fill; podman builds it once the source is there.
t_check "s2i generate writes DIR/Dockerfile" "$S2I" generate -q "$BUILDER" "$T_DIR/gen/"
t_check "with an empty upload/src beside it" sh -c "[ -d '$T_DIR/gen/upload/src' ] && [ -z \"\$(ls -A '$T_DIR/gen/upload/src')\" ]"
echo '<h1>generated</h1>' > "$T_DIR/gen/upload/src/index.html"
gen=localhost/s2i-e2e-gen:$$
t_check "podman builds it" timeout 300 podman build -q -t "$gen" "$T_DIR/gen"
t_defer "podman rmi -f $gen"
t_eq "assemble put the source in place" \
  "$(podman run --rm --entrypoint cat "$gen" /opt/app-root/src/index.html 2>/dev/null)" '<h1>generated</h1>'
