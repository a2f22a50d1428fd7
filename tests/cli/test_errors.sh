#!/bin/bash
# Bad input: one clear message naming the thing, a non-zero exit, nothing at
# -o, no leftover mounts, processes or temp dirs.
. "$(dirname "$0")/common.sh"
t_plan 27

repo=$T_DIR/repo
fx_site_repo "$repo"
out=$T_DIR/out.tar

# expect_fail DESCRIPTION PATTERN CMD...: fails non-zero, stderr matches,
# nothing written at $out, nothing left behind.
expect_fail() {
  local d=$1 pat=$2 st
  shift 2
  rm -f "$out"
  "$@" > "$T_DIR/err.txt" 2>&1
  st=$?
  if [ $st -eq 0 ]; then t_fail "$d: exited 0"; return; fi
  if ! grep -Eq -- "$pat" "$T_DIR/err.txt"; then
    t_fail "$d: message lacks /$pat/"; sed 's/^/    # /' "$T_DIR/err.txt" | tail -5; return; fi
  if [ -e "$out" ] || ls "$out".tmp-* >/dev/null 2>&1; then t_fail "$d: left a file at -o"; return; fi
  if [ -n "$(leftovers)" ]; then t_fail "$d: left mounts or temp dirs: $(leftovers)"; return; fi
  t_ok "$d (exit $st)"
}

# No TAG (the original allows it): the image must go to -o, and what needs
# its name says so.
expect_fail "no TAG and no -o" "without TAG, give -o PATH" \
  "$S2I" build "$repo" "$BUILDER"
expect_fail "no TAG with --push" "--push needs TAG" \
  "$S2I" build "$repo" "$BUILDER" -o "$out" --push
expect_fail "no TAG with --load" "--load needs TAG" \
  "$S2I" build "$repo" "$BUILDER" -o "$out" --load
# --inject into a directory the builder lacks (TestInjectionBuildBadDestination)
mkdir -p "$T_DIR/inj"
expect_fail "--inject below a missing directory" "/bad is not a directory in the builder image" \
  "$S2I" build "$repo" "$BUILDER" x:1 -o "$out" -i "$T_DIR/inj:/bad/dir"

expect_fail "missing builder archive" "nope.tar" \
  "$S2I" build "$repo" "docker-archive:$T_DIR/nope.tar" x:1 -o "$out"
head -c 3000 "$BUILDER" > "$T_DIR/trunc.tar"
expect_fail "truncated builder archive" "trunc.tar" \
  "$S2I" build "$repo" "$T_DIR/trunc.tar" x:1 -o "$out"
echo "not a tar" > "$T_DIR/junk.tar"
expect_fail "builder that is not a tarball" "junk.tar" \
  "$S2I" build "$repo" "$T_DIR/junk.tar" x:1 -o "$out"
expect_fail "unknown ref" "no-such-branch" \
  "$S2I" build "$repo" "$BUILDER" x:1 -r no-such-branch -o "$out"
expect_fail "unreachable Git URL" "127.0.0.1:9" \
  "$S2I" build "http://127.0.0.1:9/repo.git" "$BUILDER" x:1 -o "$out"
expect_fail "missing context dir" "nothere" \
  "$S2I" build "$repo" "$BUILDER" x:1 --context-dir nothere -o "$out"
"$S2I" mkimage --from "$BUILDER" --label io.openshift.s2i.scripts-url=image:///nowhere \
  -o "$T_DIR/noscripts.tar" noscripts:1 >/dev/null 2>&1
mkdir -p "$T_DIR/empty-scripts"
# The label points nowhere, and so does the fallback the original would
# use next (--image-scripts-url, default image:///usr/libexec/s2i).
expect_fail "no assemble script anywhere" "no assemble script" \
  "$S2I" build "$repo" "$T_DIR/noscripts.tar" x:1 --scripts-url "file://$T_DIR/empty-scripts" \
  --image-scripts-url image:///nowhere/either -o "$out"
expect_fail "user outside --allowed-uids" "not in --allowed-uids" \
  "$S2I" build "$repo" "$BUILDER" x:1 -u 2000- -o "$out"
expect_fail "non-numeric assemble user with --allowed-uids" "not numeric" \
  "$S2I" build "$repo" "$BUILDER" x:1 -u 1- --assemble-user default -o "$out"
expect_fail "bad -e" "-e" "$S2I" build "$repo" "$BUILDER" x:1 -e '1BAD=x' -o "$out"
expect_fail "missing -E file" "nofile.env" \
  "$S2I" build "$repo" "$BUILDER" x:1 -E "$T_DIR/nofile.env" -o "$out"
expect_fail "bad --network" "host or none" "$S2I" build "$repo" "$BUILDER" x:1 --network bridge
expect_fail "missing arguments" "SOURCE BUILDER TAG" "$S2I" build "$repo"

# A builder whose blob does not match its digest, and one whose layer has an
# entry escaping the root: both refused, naming the blob / the entry.
python3 - "$BUILDER" "$T_DIR/tampered.tar" <<'PY'
import io, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
    for m in tin.getmembers():
        data = tin.extractfile(m).read() if m.isfile() else None
        if m.isfile() and m.name.startswith("blobs/sha256/") and m.size > 100000:
            data = data[:-1] + bytes([data[-1] ^ 1])
        tout.addfile(m, io.BytesIO(data) if data is not None else None)
PY
expect_fail "builder blob not matching its digest" "digest|mismatch" \
  "$S2I" build "$repo" "$T_DIR/tampered.tar" x:1 -o "$out" --cache-dir "$T_DIR/fresh-cache" --store "$T_DIR/fresh-store"
rm -rf "$T_DIR/fresh-cache" "$T_DIR/fresh-store"
python3 - "$T_DIR/evil-layer.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ("bin/", "../escaped-by-s2i-test"):
        ti = tarfile.TarInfo(name.rstrip("/"))
        if name.endswith("/"):
            ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
        else:
            ti.size = 5; t.addfile(ti, io.BytesIO(b"evil\n"))
PY
"$S2I" mkimage --from "$BUILDER" --layer-tar "$T_DIR/evil-layer.tar" -o "$T_DIR/evil.tar" evil:1 >/dev/null 2>&1
expect_fail "layer entry escaping the root" "escaped-by-s2i-test" \
  "$S2I" build "$repo" "$T_DIR/evil.tar" x:1 -o "$out"
t_check "nothing written outside the layer" test ! -e "$S2I_CACHE_DIR/layers/escaped-by-s2i-test"

# A failing assemble: its exit code and its last lines are shown.
fail_repo=$T_DIR/fail
fx_site_repo "$fail_repo"
printf '#!/bin/sh\necho "compiling widgets"\necho "error: widget 42 is broken" >&2\nexit 3\n' > "$fail_repo/.s2i/action"
chmod +x "$fail_repo/.s2i/action"
expect_fail "failing assemble names its exit code" "failed with exit code 3" \
  "$S2I" build --copy "$fail_repo" "$BUILDER" x:1 -o "$out"
t_grep "failing assemble's last lines are shown" "widget 42 is broken" "$T_DIR/err.txt"
expect_fail "failing assemble, quiet, still shows last lines" "widget 42 is broken" \
  "$S2I" build -q --copy "$fail_repo" "$BUILDER" x:1 -o "$out"

# SIGINT mid-build: exits, no output, nothing left behind.
slow=$T_DIR/slow
fx_site_repo "$slow"
printf '#!/bin/sh\necho started\nexec sleep 37\n' > "$slow/.s2i/action"
chmod +x "$slow/.s2i/action"
rm -f "$out"
"$S2I" build --copy "$slow" "$BUILDER" x:1 -o "$out" > "$T_DIR/int.txt" 2>&1 &
pid=$!
t_wait 10 grep -q started "$T_DIR/int.txt"
kids=$(t_descendants $pid)   # s2i's sandbox, the assemble script's sleep
sleeper=$(for k in $kids; do grep -qx sleep "/proc/$k/comm" 2>/dev/null && echo "$k"; done)
kill -INT $pid
st=0
wait $pid || st=$?
t_eq "SIGINT mid-build exits 130" "$st" "130"
# shellcheck disable=SC2086
if [ -n "$sleeper" ] && t_wait 5 t_all_gone $kids; then t_ok "SIGINT left no process"
else t_fail "SIGINT left assemble running (or its sleep never started): ${kids:-none}"; kill -KILL $kids 2>/dev/null; fi
t_check "SIGINT left no file at -o" test ! -e "$out"
t_check "SIGINT left no mounts or temp dirs" test -z "$(leftovers)"
