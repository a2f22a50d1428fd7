#!/bin/bash
# The runtime layer in a real Debian (glibc) image with python3 and ruby,
# run the way Kubernetes runs it: an arbitrary UID in group 0 with no
# passwd line (--passwd=false), read-only root, an emptyDir-like /tmp
# (0777, NO sticky bit), capabilities dropped.  Each seed failure is
# checked, with --no-runtime as the control that shows the check can fail.
. "$(dirname "$0")/../cli/common.sh"
t_plan 19

DEB=$SHARED/fixtures/debian-builder.tar
"$TOP/tests/fixtures/debian-builder.sh" "$DEB"

src=$T_DIR/app
mkdir -p "$src"
cat > "$src/app.py" <<'PY'
import getpass, http.server, json, os, pwd, subprocess, tempfile
def facts():
    ruby = subprocess.run(["ruby", "-e", 'require "tmpdir"; print Dir.tmpdir'],
                          capture_output=True, text=True)
    who = subprocess.run(["whoami"], capture_output=True, text=True)
    return {"getuser": getpass.getuser(),
            "pwname": pwd.getpwuid(os.getuid()).pw_name,
            "tempdir": tempfile.gettempdir(),
            "ruby_tmpdir": ruby.stdout or ruby.stderr.strip()[-120:],
            "whoami": (who.stdout or who.stderr).strip(),
            "home": os.environ.get("HOME"), "user": os.environ.get("USER"),
            "home_writable": os.access(os.environ.get("HOME", "/"), os.W_OK),
            "pid": os.getpid()}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(facts()).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("", int(os.environ.get("PORT", "8080"))), H).serve_forever()
PY

emptydir() { local d; d=$(mktemp -d "$T_DIR/emptydir.XXXXXX"); chmod 0777 "$d"; echo "$d"; }
UIDN=1000650000

# start NAME IMAGE_TAR: load and run hostile, port 8080 published on a
# loopback port the kernel picks; prints the container id.
start() {
  local name=localhost/s2i-rt-$1:$$
  podman load -q -i "$2" >/dev/null
  t_defer "podman rmi -f $name"
  podman run -d -u "$UIDN:0" --passwd=false --read-only --read-only-tmpfs=false \
    -v "$(emptydir):/tmp" --cap-drop ALL --security-opt no-new-privileges \
    -p "127.0.0.1::8080" "$name"
}
fact() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

"$S2I" build -q "$src" "$DEB" "localhost/s2i-rt-with:$$" -o "$T_DIR/with.tar"
"$S2I" build -q --no-runtime "$src" "$DEB" "localhost/s2i-rt-without:$$" -o "$T_DIR/without.tar"

cid=$(start with "$T_DIR/with.tar")
t_defer "podman rm -f $cid"
port=$(t_podman_port "$cid" 8080)
if t_wait_http "http://127.0.0.1:$port/" 15; then t_ok "starts as uid $UIDN on a read-only root with a 0777 /tmp"
else t_fail "did not start"; podman logs "$cid" 2>&1 | tail -5 | sed 's/^/    # /'; fi
curl -fsS "http://127.0.0.1:$port/" > "$T_DIR/with.json"
t_eq "getpass.getuser() works" "$(fact "$T_DIR/with.json" getuser)" "default"
t_eq "pwd.getpwuid(os.getuid()) works" "$(fact "$T_DIR/with.json" pwname)" "default"
t_eq "whoami works" "$(fact "$T_DIR/with.json" whoami)" "default"
t_eq "USER is set" "$(fact "$T_DIR/with.json" user)" "default"
t_eq "Python finds a temp dir" "$(fact "$T_DIR/with.json" tempdir)" "/tmp/s2i"
t_eq "Ruby finds a temp dir (0777 /tmp without sticky bit)" "$(fact "$T_DIR/with.json" ruby_tmpdir)" "/tmp/s2i"
t_eq "HOME is writable" "$(fact "$T_DIR/with.json" home_writable)" "True"
t_eq "the app is not PID 1" "$([ "$(fact "$T_DIR/with.json" pid)" != 1 ] && echo yes)" "yes"
t_eq "podman exec shell resolves the UID too" \
  "$(timeout 60 podman exec "$cid" whoami 2>&1)" "default"
t_eq "podman exec python getpass works" \
  "$(timeout 60 podman exec "$cid" python3 -c 'import getpass; print(getpass.getuser())' 2>&1)" \
  "default"

# Orphans are reaped by PID 1.
# Five orphans that end after 0.3 s: wait (at most 10 s) until none of them
# runs and no zombie is left; a PID 1 that never reaps keeps all five.
podman exec "$cid" sh -c 'for i in 1 2 3 4 5; do (sleep 0.3 &); done; exit 0'
settled() {
  podman exec "$cid" sh -c "cat /proc/[0-9]*/stat 2>/dev/null |
    awk '\$2 == \"(sleep)\" && \$3 != \"Z\" {s++} \$3 == \"Z\" {z++} END {exit s + z > 0}'"
}
t_wait 10 settled || true
z=$(podman exec "$cid" sh -c "cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z '" || true)
t_eq "orphans reaped (no zombies)" "$z" "0"

start_ms=$(date +%s%N)
podman stop -t 10 "$cid" >/dev/null
ms=$(( ($(date +%s%N) - start_ms) / 1000000 ))
st=$(podman inspect -f '{{.State.ExitCode}}' "$cid")
if [ "$ms" -lt 3000 ]; then t_ok "SIGTERM stops it in ${ms} ms"; else t_fail "SIGTERM took ${ms} ms"; fi
case "$st" in 0|143) t_ok "exit status after SIGTERM is $st" ;; *) t_fail "exit status after SIGTERM is $st" ;; esac

# Control: the same app without the runtime layer shows the seed failures.
cid2=$(start without "$T_DIR/without.tar")
t_defer "podman rm -f $cid2"
port2=$(t_podman_port "$cid2" 8080)
t_wait_http "http://127.0.0.1:$port2/" 5 || true
podman logs "$cid2" > "$T_DIR/without.log" 2>&1
t_grep "control: without the runtime, getpwuid fails for the UID (the seed's KeyError)" \
  "KeyError: 'getpwuid\(\): uid not found: $UIDN'" "$T_DIR/without.log"
t_eq "control: without the runtime, the app is PID 1" \
  "$(podman exec "$cid2" sh -c 'cat /proc/1/cmdline | tr "\0" " "' | cut -c1-7)" "python3"

# No writable temp dir at all: one clear line, non-zero exit, at once.
name=localhost/s2i-rt-with:$$
timeout 60 podman run --rm -u "$UIDN:0" --read-only --read-only-tmpfs=false "$name" > "$T_DIR/ro.out" 2>&1
st=$?
t_eq "read-only /tmp: exits non-zero" "$([ $st -ne 0 ] && echo nonzero)" "nonzero"
t_grep "read-only /tmp: one line naming /tmp and the fix" '/tmp.*emptyDir' "$T_DIR/ro.out"
t_eq "read-only /tmp: no traceback" "$(grep -c Traceback "$T_DIR/ro.out")" "0"
