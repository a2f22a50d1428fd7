#!/bin/bash
# s2i build --run (the original's): the image built is loaded into podman
# and run in the foreground the way OpenShift runs it (a random UID in
# group 0, read-only root, no capabilities); s2i shows its output and exits
# with its status; SIGINT stops it; no container is left behind.
. "$(dirname "$0")/../cli/common.sh"
t_plan 10

src=$T_DIR/src
mkdir -p "$src/.s2i/bin"
echo '<h1>run</h1>' > "$src/index.html"
printf '%s\n' '#!/bin/sh' 'echo "run says hello as $(id -u):$(id -g)"' 'exit 7' > "$src/.s2i/bin/run"
chmod +x "$src/.s2i/bin/run"
img=localhost/s2i-e2e-run:$$
t_defer "podman rmi -f $img"
left() { podman ps -a -q --filter "ancestor=$1"; }

"$S2I" build -q "$src" "$BUILDER" "$img" -o "$T_DIR/run.tar" --run > "$T_DIR/run.log" 2>&1
t_eq "s2i exits with the container's status" "$?" 7
t_grep "and shows what it printed" '^run says hello as 10006[0-9]{5}:0$' "$T_DIR/run.log"
t_eq "the container is removed" "$(left "$img")" ""

"$S2I" build -q "$src" "$BUILDER" "$img" --run --as-dockerfile "$T_DIR/df/" > "$T_DIR/df.log" 2>&1
t_eq "--run with --as-dockerfile is a usage error" "$?" 2
t_grep "that says so" 'run cannot be used with --as-dockerfile' "$T_DIR/df.log"

# A server that runs until stopped: SIGINT to s2i stops it.
rm -rf "$src/.s2i"
srv=localhost/s2i-e2e-run-srv:$$
t_defer "podman rmi -f $srv"
"$S2I" build "$src" "$BUILDER" "$srv" -o "$T_DIR/srv.tar" --run > "$T_DIR/srv.log" 2>&1 &
pid=$!
t_defer "kill -9 $pid"
if t_wait 120 sh -c "[ -n \"\$(podman ps -q --filter ancestor=$srv --filter status=running)\" ]"; then
  t_ok "the server runs in the foreground"
else
  t_fail "the server did not start"; sed 's/^/    # /' "$T_DIR/srv.log" | tail -n 5
fi
kill -INT "$pid"
t_check "SIGINT ends s2i within 30 s" t_wait 30 t_gone "$pid"
wait "$pid"
t_eq "with the interrupted status" "$?" 130
t_check "and the container is gone" t_wait 20 sh -c "[ -z \"\$(podman ps -a -q --filter ancestor=$srv)\" ]"
t_check "the log said how it ran" grep -q 'Running .* on a read-only root' "$T_DIR/srv.log"
