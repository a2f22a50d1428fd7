#!/bin/bash
# s2i verify: the busybox site built with the runtime passes every check;
# built with --no-runtime and a PID 1 that neither reaps nor handles SIGTERM
# it fails them, and the table says which; a missing image is a clear error;
# nothing is left behind (container, image, /tmp directory), even on SIGINT.
. "$(dirname "$0")/../cli/common.sh"
t_plan 30

export TMPDIR=$T_DIR/tmp   # verify's emptyDir lands here: leftovers are visible
mkdir -p "$TMPDIR"

repo=$T_DIR/repo
make_repo "$repo"
site=$T_DIR/site.tar
t_check "build the site (with the runtime)" \
  "$S2I" build -q "$repo" "$BUILDER" "localhost/s2i-verify-site:$$" -o "$site"

# The app as PID 1, no init: httpd goes to the background and PID 1 becomes
# `sleep`, which never reaps and ignores SIGTERM.  (busybox httpd itself
# sets SIGCHLD to SIG_IGN, so the kernel reaps for it: with the builder's own
# run script the orphan check rightly passes.)
bare=$T_DIR/bare
cp -r "$repo" "$bare"
mkdir -p "$bare/.s2i/bin"
printf '%s\n' '#!/bin/sh' 'httpd -p "${PORT:-8080}" -h /opt/app-root/src' \
  'exec sleep 2147483647' > "$bare/.s2i/bin/run"
chmod +x "$bare/.s2i/bin/run"
git -C "$bare" add -A
git -C "$bare" -c user.name=t -c user.email=t@example.com commit -qm 'run as PID 1'
nort=$T_DIR/nort.tar
t_check "build the same with --no-runtime" \
  "$S2I" build -q --no-runtime "$bare" "$BUILDER" "localhost/s2i-verify-bare:$$" -o "$nort"

# row NAME FILE: the RESULT column of a check's row.
row() { sed -nE "s/^  $1 +(PASS|FAIL|SKIP) .*/\1/p" "$2" | head -n 1; }

# ---- with the runtime: all PASS
timeout 120 "$S2I" verify "$site" > "$T_DIR/ok.out" 2> "$T_DIR/ok.err"
st=$?
sed 's/^/    # /' "$T_DIR/ok.out"
t_eq "verify of the runtime image exits 0" "$st" 0
for c in "answers HTTP" "PID 1 reaps orphans" "UID has a name" \
         "TMPDIR writable" "stops on SIGTERM"; do
  t_eq "runtime image: $c" "$(row "$c" "$T_DIR/ok.out")" PASS
done
t_grep "the table counts the rows" '^checks passed 5 of 5 \(failed 0, skipped 0\)$' "$T_DIR/ok.out"
t_grep "the header names the image and the UID" \
  "^s2i verify $site\$" "$T_DIR/ok.out"
t_grep "it ran as a high UID in group 0" '^  ran as 100065[0-9]{4}:0' "$T_DIR/ok.out"

# ---- --no-runtime, app as PID 1: reap, name and SIGTERM fail
start=$(date +%s)
timeout 120 "$S2I" verify "$nort" > "$T_DIR/bare.out" 2> "$T_DIR/bare.err"
st=$?
sed 's/^/    # /' "$T_DIR/bare.out"
t_check "verify of the --no-runtime image exits non-zero" test "$st" -ne 0
t_eq "bare image: still answers HTTP" "$(row "answers HTTP" "$T_DIR/bare.out")" PASS
t_eq "bare image: orphan not reaped" "$(row "PID 1 reaps orphans" "$T_DIR/bare.out")" FAIL
t_grep "the reap row names PID 1 and the zombie" \
  'PID 1 \(sleep\) left 1 zombie: sleep \(pid [0-9]+\)' "$T_DIR/bare.out"
t_eq "bare image: UID has no name" "$(row "UID has a name" "$T_DIR/bare.out")" FAIL
t_grep "the name row shows id's complaint" 'id: unknown ID 100065' "$T_DIR/bare.out"
t_eq "bare image: SIGTERM does not stop it" \
  "$(row "stops on SIGTERM" "$T_DIR/bare.out")" FAIL
t_grep "the SIGTERM row shows the kill" 'exit status 137 \(killed after 10 s\)' \
  "$T_DIR/bare.out"
t_check "verify is bounded (< 60 s)" test $(( $(date +%s) - start )) -lt 60

# -q: only the rows that did not pass
"$S2I" verify -q "$nort" > "$T_DIR/q.out" 2> "$T_DIR/q.err"
t_check "-q prints only failing rows" \
  bash -c "! grep -q PASS '$T_DIR/q.out' && grep -q 'FAIL' '$T_DIR/q.out' && [ ! -s '$T_DIR/q.err' ]"

# ---- errors
"$S2I" verify "$T_DIR/no-such.tar" > "$T_DIR/missing.out" 2>&1
t_check "a missing image exits non-zero" test $? -ne 0
t_grep "the error names the image" "^s2i: .*$T_DIR/no-such.tar.*No such file" \
  "$T_DIR/missing.out"
"$S2I" verify --port nope "$site" > "$T_DIR/usage.out" 2>&1
t_eq "a bad --port is a usage error" "$?" 2

# ---- SIGINT mid-run cleans up
"$S2I" verify --timeout 30 "$nort" > "$T_DIR/int.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  podman ps -q --filter name=s2i-verify- | grep -q . && break; sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
t_eq "SIGINT exits 130" "$?" 130
t_grep "SIGINT is reported" 'interrupted' "$T_DIR/int.out"

# ---- nothing left behind
t_eq "no verify containers left" "$(podman ps -a -q --filter name=s2i-verify-)" ""
for tag in "localhost/s2i-verify-site:$$" "localhost/s2i-verify-bare:$$"; do
  t_check "image $tag removed again" bash -c "! podman image exists '$tag'"
done
t_eq "no /tmp directories left" "$(ls -A "$TMPDIR")" ""
