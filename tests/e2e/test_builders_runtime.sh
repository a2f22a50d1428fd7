#!/bin/bash
# The python-runtime image (issue 12): the python builder's runtime
# packages without compilers, -dev packages, apxs or pip, for extended
# builds (`s2i build SRC python.tar APP --runtime-image python-runtime.tar`):
# assemble compiles in the builder, the app and its venv are copied into the
# runtime image (its io.openshift.s2i.assemble-input-files label), and its
# assemble-runtime checks them.  The image is checked on its own; the
# extended build runs when this s2i has --runtime-image (else a skip with
# that reason): an app with a C extension sdist from the loopback index,
# compiled in the builder, answers from the small image as a random UID on
# a read-only root with an emptyDir /tmp.
# shellcheck source=builders_common.sh
. "$(dirname "$0")/builders_common.sh"
t_plan 18
bld_builders
RT_TAR=$SHARED/builders/python-runtime.tar
[ -f "$RT_TAR" ] || { t_fail "$RT_TAR is missing; run \`make builders\` first"; exit 1; }

# --- The image on its own.
skopeo inspect "docker-archive:$RT_TAR" > "$T_DIR/rt.json" 2> "$T_DIR/rt.err"
label() { jq -r --arg k "$1" '.Labels[$k] // ""' "$T_DIR/rt.json"; }
t_eq "runtime image: assemble-input-files label (the app and its venv)" \
  "$(label io.openshift.s2i.assemble-input-files)" '/opt/app-root/src:.;/opt/app-root/venv:.'
t_eq "runtime image: scripts-url label" "$(label io.openshift.s2i.scripts-url)" image:///usr/libexec/s2i
rt=$(podman load -q -i "$RT_TAR" 2> "$T_DIR/load.err" | sed -n 's/^Loaded image.*: //p' | head -n 1)
t_defer "podman rmi -f localhost/python-runtime:latest"
t_check "runtime image: podman load ($rt)" test -n "$rt"
t_eq "runtime image: WORKDIR is where the label's paths land" \
  "$(podman image inspect -f '{{.Config.WorkingDir}}' "$rt" 2>/dev/null)" /opt/app-root
podman run --rm --pull=never -u "$UIDN:0" --read-only --entrypoint /bin/sh "$rt" -c \
  'for t in gcc cc x86_64-linux-gnu-gcc-12 apxs pip pip3 pipenv; do command -v $t; done;
   ls -d /usr/include/python3* /usr/include/postgresql 2>/dev/null; echo end' > "$T_DIR/tools.out" 2>&1
t_eq "runtime image: no compiler, apxs, pip, pipenv or headers" "$(cat "$T_DIR/tools.out")" end
podman run --rm --pull=never -u "$UIDN:0" --read-only --entrypoint /bin/sh "$rt" -c \
  'test -x /usr/libexec/s2i/assemble-runtime && test -x /usr/libexec/s2i/run && test ! -e /usr/libexec/s2i/assemble &&
   /usr/sbin/apache2 -v | head -n 1 && python3 -c "import locale; print(locale.setlocale(locale.LC_ALL, \"\"))"' \
  > "$T_DIR/has.out" 2>&1
t_grep "runtime image: assemble-runtime and run, Apache, the en_US.UTF-8 locale" \
  'Apache/2.4.*en_US.UTF-8' <(tr '\n' ' ' < "$T_DIR/has.out")
# Sizes of the image tarballs (uncompressed layers, as podman stores them).
mb() { echo $(($(stat -c %s "$1" 2>/dev/null || echo 0) / 1048576)); }
rt_mb=$(mb "$RT_TAR") py_mb=$(mb "$PY_TAR")
if [ "$rt_mb" -gt 0 ] && [ $((rt_mb * 2)) -lt "$py_mb" ]; then
  t_ok "runtime image is less than half the builder ($rt_mb MB vs $py_mb MB)"
else t_fail "runtime image $rt_mb MB vs builder $py_mb MB"; fi

# --- The extended build.
if ! "$S2I" build --help 2>&1 | grep -q -- '--runtime-image'; then
  t_skip "this s2i has no --runtime-image yet (extended builds come with the parity branch)" 11
  exit 0
fi
IDX=$T_DIR/index
/usr/bin/python3 "$TOP/tests/fixtures/pyindex.py" "$IDX" > "$T_DIR/index.log" 2>&1 ||
  { t_fail "index fixture"; exit 1; }
t_http_server "$IDX"
[ -n "$T_HTTP_PORT" ] || { t_fail "index server did not come up"; exit 1; }
INDEX=http://127.0.0.1:$T_HTTP_PORT/simple
app=$T_DIR/cext
mkdir -p "$app"
echo 's2i-cext' > "$app/requirements.txt"
cat > "$app/wsgi.py" <<'PY'
import s2i_cext
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("extended " + s2i_cext.hello()).encode()]
PY
fx_commit "$app" site > /dev/null
bld_image full "$app" "$PY_TAR" --network host -e "PIP_INDEX_URL=$INDEX"
full_mb=$(mb "$IMG_TAR")
rm -f "$IMG_TAR"
bld_image ext "$app" "$PY_TAR" --network host -e "PIP_INDEX_URL=$INDEX" --runtime-image "$RT_TAR"
t_grep "extended build: the C extension was compiled in the builder" 'Building wheel for s2i-cext|Running setup.py install for s2i-cext|Successfully installed.*s2i-cext' "$T_DIR/ext.build.log"
t_grep "extended build: assemble-runtime ran in the runtime image" 'Application and its virtual environment from the builder in place' "$T_DIR/ext.build.log"
bld_run ext "$IMG"
bld_up "extended build: the app answers from the runtime image as uid $UIDN, read-only root" / 30
t_eq "extended build: the compiled extension works there" "$(bld_get /; cat "$T_DIR/body")" '200extended compiled'
podman exec "$CID" sh -c 'command -v gcc || echo no-gcc' > "$T_DIR/ext-gcc.out" 2>&1
t_eq "extended build: no compiler in the app image" "$(cat "$T_DIR/ext-gcc.out")" no-gcc
bld_stop
app_mb=$(mb "$IMG_TAR")
if [ "$app_mb" -gt 0 ] && [ "$app_mb" -lt $((rt_mb + 50)) ]; then
  t_ok "extended build: the app image is the runtime image plus the app ($app_mb MB, runtime $rt_mb MB, builder $py_mb MB)"
else t_fail "extended build: the app image is $app_mb MB (runtime $rt_mb MB, builder $py_mb MB)"; fi
if [ "$app_mb" -gt 0 ] && [ $((app_mb * 2)) -lt "$full_mb" ]; then
  t_ok "extended build: less than half the app image built on the builder alone ($app_mb MB vs $full_mb MB)"
else t_fail "extended build: $app_mb MB vs $full_mb MB built on the builder alone"; fi
echo "# sizes (image tarballs): builder $py_mb MB, runtime $rt_mb MB, app on the builder $full_mb MB, extended app $app_mb MB" >&2
