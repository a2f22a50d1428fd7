#!/bin/bash
# The runtime init (builders/runtime/init.c), run from outside as a user
# would: exit codes, exec errors, signal forwarding, group kill, reaping as
# PID 1 of a fresh pid namespace and as a subreaper, the child's signal
# state, and how fast TERM stops it.  Every loop is bounded.
. "$(dirname "$0")/../lib.sh"
t_plan 42

INIT=${S2I_INIT:-$BUILD/runtime/rootfs/usr/libexec/s2i-runtime/init}
if [ ! -x "$INIT" ]; then
  t_fail "init binary built at $INIT"
  exit 0
fi

# The environment hook (s2i_env.c) makes its private temp dir under
# S2I_TMP_ROOT; keep that inside this test instead of the host's /tmp.
export S2I_TMP_ROOT=$T_DIR/tmproot
mkdir -m 0777 "$S2I_TMP_ROOT"

# now_ms: monotonic-enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms, bounded.
wait_until() {
  local n=$(($1 * 20)); shift
  while [ "$n" -gt 0 ]; do
    "$@" && return 0
    sleep 0.05
    n=$((n - 1))
  done
  return 1
}

# child_is PID COMM: PID's first child runs COMM.
child_is() {
  local c
  c=$(pgrep -P "$1" | head -n 1)
  [ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ]
}

# reap_bg PID: wait (at most 5 s, then KILL) for a background PID of this
# shell to exit; sets REAP_ST to its exit status.  Until `wait` a child that
# exited stays a zombie, so t_gone sees it end without reaping it.
reap_bg() {
  wait_until 5 t_gone "$1" || kill -KILL "$1" 2>/dev/null
  wait "$1"; REAP_ST=$?
}

# kids PID: the PIDs of PID's children.
kids() { pgrep -P "$1"; }

# n_alive PID...: how many of the PIDs still run.
n_alive() {
  local p n=0
  for p in "$@"; do t_gone "$p" || n=$((n + 1)); done
  echo "$n"
}

# ---- static, usage ----------------------------------------------------------
if readelf -l "$INIT" | grep -q INTERP; then t_fail "init is statically linked"
else t_ok "init is statically linked"; fi
t_check "--version prints a version" bash -c "'$INIT' --version | grep -Eq '^s2i-init [0-9]'"
t_check "--help exits 0 with usage" bash -c "'$INIT' --help | grep -q '^usage: init'"
"$INIT" > /dev/null 2>&1; t_eq "no command: usage error" "$?" 2
"$INIT" -x true > /dev/null 2>&1; t_eq "unknown option: usage error" "$?" 2
"$INIT" -- sh -c 'exit 3'; t_eq "-- ends options" "$?" 3

# ---- exit codes -------------------------------------------------------------
bad=""
deadline=$(($(now_ms) + 60000))
for i in $(seq 0 255); do
  [ "$(now_ms)" -lt "$deadline" ] || { bad="$bad timeout-at-$i"; break; }
  timeout -k 1 5 "$INIT" sh -c "exit $i"
  st=$?
  [ "$st" -eq "$i" ] || bad="$bad $i->$st"
done
t_eq "all 256 exit codes pass through" "${bad:-none}" none

timeout -k 1 5 "$INIT" s2i-no-such-command-$$ 2> "$T_DIR/err127"
t_eq "missing command exits 127" "$?" 127
t_grep "missing command: one line naming it" \
  "^init: s2i-no-such-command-$$: No such file or directory$" "$T_DIR/err127"
t_eq "missing command: exactly one line" "$(wc -l < "$T_DIR/err127")" 1
timeout -k 1 5 "$INIT" /nonexistent/dir/cmd 2> /dev/null
t_eq "missing path exits 127" "$?" 127

printf '#!/bin/sh\nexit 0\n' > "$T_DIR/noexec"; chmod 0644 "$T_DIR/noexec"
timeout -k 1 5 "$INIT" "$T_DIR/noexec" 2> "$T_DIR/err126"
t_eq "non-executable file exits 126" "$?" 126
t_grep "non-executable: reason given" "^init: $T_DIR/noexec: Permission denied$" "$T_DIR/err126"
timeout -k 1 5 "$INIT" "$T_DIR" 2> /dev/null
t_eq "directory as command exits 126" "$?" 126

# ---- signal forwarding ------------------------------------------------------
# The app is `sleep` exec'd directly, so no shell can swallow the signal.
# signal_exit SIG: sets st (init's status) and ms (from kill to exit).
signal_exit() {
  local sig=$1 pid t0
  "$INIT" sleep 100 &
  pid=$!
  if ! wait_until 5 child_is "$pid" sleep; then
    kill -KILL "$pid"; wait "$pid"; st=nochild; ms=-1; return
  fi
  t0=$(now_ms)
  kill -"$sig" "$pid"
  reap_bg "$pid"
  st=$REAP_ST ms=$(($(now_ms) - t0))
}
for pair in TERM:143 USR1:138 USR2:140 HUP:129 QUIT:131 INT:130; do
  sig=${pair%:*}; want=${pair#*:}
  signal_exit "$sig"
  t_eq "SIG$sig to init: sleep killed, exit $want" "$st" "$want"
  if [ "$sig" = TERM ]; then
    TERM_MS=$ms
    echo "    # TERM to exit: ${ms} ms"
    if [ "$ms" -ge 0 ] && [ "$ms" -lt 500 ]; then t_ok "TERM to exit well under 1 s (${ms} ms)"
    else t_fail "TERM to exit well under 1 s (${ms} ms)"; fi
  fi
done

# start_app N INIT-COMMAND... sh -c SCRIPT: start it in the background and
# wait (at most 5 s) until the app shell, init's child, has N children of
# its own: then SCRIPT has set its traps.  Sets pid (init), app and bg.
start_app() {
  local want=$1
  shift
  "$@" &
  pid=$!
  wait_until 5 bash -c "c=\$(pgrep -P $pid); [ -n \"\$c\" ] && [ \$(pgrep -P \$c | wc -l) -eq $want ]" || true
  app=$(kids "$pid")
  bg=$(kids "$app")
}

# WINCH is forwarded too: the app sees it, init keeps running until the app
# exits.
start_app 1 "$INIT" sh -c "trap 'exit 9' WINCH; sleep 100 & wait"
kill -WINCH "$pid"
reap_bg "$pid"
t_eq "SIGWINCH reaches the app" "$REAP_ST" 9
kill -KILL $bg 2>/dev/null

# ---- group kill ---------------------------------------------------------------
# (start_app, defined above, is used for WINCH too.)
# group_case gone|alive INIT-COMMAND...: app is a shell with two sleeps;
# TERM to init.  Sets st (init's status) and n, how many of the sleeps
# still run: with "gone", once they have all ended (at most 5 s); with
# "alive", right after init exits (no signal reaches them then).
group_case() {
  local want=$1
  shift
  start_app 2 "$@" sh -c "sleep 100 & sleep 100 & wait"
  kill -TERM "$pid"
  reap_bg "$pid"
  st=$REAP_ST
  # shellcheck disable=SC2086
  [ "$want" = alive ] || wait_until 5 t_all_gone $bg || true
  n=$(n_alive $bg)
  [ "$(echo $bg | wc -w)" -eq 2 ] || n="not 2 sleeps: '$bg'"
  kill -KILL $app $bg 2>/dev/null   # the sleeps and their shell
}
group_case gone "$INIT" -g
t_eq "-g: TERM kills the app's whole group (init exit)" "$st" 143
t_eq "-g: no sleep of the group survives" "$n" 0
group_case gone env S2I_INIT_KILL_GROUP=1 "$INIT"
t_eq "S2I_INIT_KILL_GROUP=1 acts like -g" "$n" 0
# Control: without -g only the shell gets TERM; its sleeps survive.  This
# shows the check above can fail.
group_case alive "$INIT"
t_eq "without -g: TERM goes to the app alone (init exit)" "$st" 143
t_eq "without -g: the app's background sleeps survive" "$n" 2

# ---- reaping as PID 1 -----------------------------------------------------------
# A fresh pid namespace whose PID 1 is the command; --kill-child takes the
# whole namespace down if unshare is killed by a timeout.
NS="unshare --pid --fork --kill-child --mount-proc"
# The app makes 100 orphans (each sleep's parent subshell exits at once, so
# they are reparented to PID 1), waits until none of them runs any more
# (at most 5 s), then until no zombie is left (at most 2 s, so a PID 1 that
# never reaps shows them all) and counts the zombies in the namespace's /proc.
ORPHANS='stats() { cat /proc/[0-9]*/stat 2>/dev/null; }
for i in $(seq 100); do (sleep 0.2 &); done
n=0; while [ $n -lt 100 ] && stats | awk "\$2 == \"(sleep)\" && \$3 != \"Z\" {f=1} END {exit !f}"; do
  sleep 0.05; n=$((n + 1)); done
n=0; while [ $n -lt 40 ] && stats | awk "\$3 == \"Z\" {f=1} END {exit !f}"; do
  sleep 0.05; n=$((n + 1)); done
printf "%s " "$(stats | awk "\$3 == \"Z\"" | wc -l)"
echo $$'
out=$(timeout -k 2 30 $NS "$INIT" sh -c "$ORPHANS")
st=$?
read -r zombies apppid <<< "$out"
t_eq "PID 1: app exits 0" "$st" 0
t_eq "PID 1: app runs as pid 2 under init" "${apppid:-}" 2
t_eq "PID 1: 100 orphaned sleeps reaped, no zombie left" "${zombies:-}" 0
# Control: a PID 1 that only waits for its own child leaves the orphans as
# zombies, and the same count sees them.
ctl=$(timeout -k 2 30 $NS python3 -c \
  'import subprocess,sys; sys.exit(subprocess.call(["sh","-c",sys.argv[1]]))' "$ORPHANS")
read -r czombies _ <<< "$ctl"
t_eq "control: a non-reaping PID 1 leaves 100 zombies" "${czombies:-}" 100

timeout -k 2 10 $NS "$INIT" sh -c 'exit 42'
t_eq "PID 1: exit code passes through" "$?" 42
timeout -k 2 10 $NS "$INIT" sh -c 'kill -USR1 $$'
t_eq "PID 1: app killed by USR1 gives 138" "$?" 138

# TERM from outside the namespace reaches the app through PID-1 init.
$NS "$INIT" sleep 100 &
upid=$!
wait_until 5 bash -c "c=\$(pgrep -P $upid | head -n1); [ -n \"\$c\" ] && pgrep -x sleep -P \$c > /dev/null" || true
ipid=$(pgrep -P "$upid" | head -n 1)
t0=$(now_ms)
kill -TERM "${ipid:-0}" 2>/dev/null
reap_bg "$upid"
PID1_TERM_MS=$(($(now_ms) - t0))
t_eq "PID 1: SIGTERM stops the app, exit 143 (${PID1_TERM_MS} ms)" "$REAP_ST" 143
# From inside: a PID 1 with no handler would drop TERM sent by the app.
# (sleep 3 is only the bound: the trap ends the wait as soon as TERM comes.)
timeout -k 2 10 $NS "$INIT" sh -c 'trap "exit 5" TERM; kill -TERM 1; sleep 3 & wait'
t_eq "PID 1: TERM from inside the namespace is forwarded" "$?" 5

# ---- subreaper when not PID 1 ------------------------------------------------
# An orphan's parent exits at once; the orphan waits until it has been
# reparented (at most 2 s) and records its new parent; the app waits for
# that record and then (at most 2 s) until no zombie of init is left, and
# counts them.
cat > "$T_DIR/orphan.sh" <<'SH'
ppid() { awk '/^PPid/{print $2}' /proc/$$/status; }
first=$(ppid) n=0
while [ "$(ppid)" = "$first" ] && [ $n -lt 100 ]; do sleep 0.02; n=$((n + 1)); done
ppid > "$1.tmp" && mv "$1.tmp" "$1"
SH
cat > "$T_DIR/sub.sh" <<'SH'
zombies() {
  for s in /proc/[0-9]*/status; do
    awk -v p="$PPID" '/^State:/{z=($2=="Z")} /^PPid:/{pp=$2} END{if(z&&pp==p)print}' "$s" 2>/dev/null
  done | wc -l
}
(sh "$1/orphan.sh" "$1/ppid" &)
n=0; while [ ! -s "$1/ppid" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
n=0; while [ "$(zombies)" -gt 0 ] && [ $n -lt 40 ]; do sleep 0.05; n=$((n + 1)); done
zombies > "$1/subzombies"
SH
"$INIT" sh "$T_DIR/sub.sh" "$T_DIR" &
pid=$!
reap_bg "$pid"
t_eq "subreaper: app exits 0" "$REAP_ST" 0
t_eq "subreaper: orphan reparented to init" "$(cat "$T_DIR/ppid" 2>/dev/null)" "$pid"
t_eq "subreaper: orphan reaped by init" "$(tr -d ' ' < "$T_DIR/subzombies" 2>/dev/null)" 0

# ---- the child's signal state ---------------------------------------------------
# A background job of a non-interactive bash starts with INT and QUIT
# ignored; init resets what it manages, and restores the original mask.
"$INIT" grep -E '^Sig(Blk|Ign):' /proc/self/status > "$T_DIR/sigs" &
wait $!
blk=$(awk '/^SigBlk/{print $2}' "$T_DIR/sigs")
ign=$(awk '/^SigIgn/{print $2}' "$T_DIR/sigs")
t_eq "child's signal mask restored (SigBlk)" "$blk" 0000000000000000
# bits: INT 2, QUIT 3, TTIN 21, TTOU 22, TERM 15, HUP 1, USR1 10, USR2 12.
mask=$(( (1<<1) | (1<<2) | (1<<20) | (1<<21) | (1<<14) | (1<<0) | (1<<9) | (1<<11) ))
t_eq "child: forwarded and tty signals not ignored (SigIgn & managed)" \
  "$(( 0x${ign:-ffffffffffffffff} & mask ))" 0

# ---- no busy loop ----------------------------------------------------------------
# Time itself is what is measured here: what init does while idle for 2.2 s.
"$INIT" sleep 2.5 &
pid=$!
sleep 2.2
read -r vol nonvol < <(awk '/^voluntary_ctxt/{v=$2} /^nonvoluntary_ctxt/{n=$2} END{print v, n}' /proc/$pid/status)
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
wait "$pid"
echo "    # idle init over 2.2 s: ${vol} voluntary + ${nonvol} involuntary switches, ${ticks} cpu ticks"
if [ "$((vol + nonvol))" -le 10 ] && [ "$ticks" -le 2 ]; then t_ok "init idles (no busy loop)"
else t_fail "init idles (no busy loop): $vol+$nonvol switches, $ticks ticks"; fi

# ---- terminal foreground ------------------------------------------------------
# Under a pty, the app's own process group takes the terminal foreground.
if command -v script > /dev/null; then
  timeout 10 script -qec "'$INIT' sh -c 'ps -o pgid=,tpgid= -p \$\$'" /dev/null \
    | tr -d '\r' > "$T_DIR/tty" 2>&1
  read -r pg tpg < "$T_DIR/tty"
  if [ -n "${pg:-}" ] && [ "$pg" = "${tpg:-}" ]; then t_ok "app owns the terminal foreground"
  else t_fail "app owns the terminal foreground (pgid=${pg:-?} tpgid=${tpg:-?})"; fi
else
  t_skip "script (bsdutils) is not installed: no pty to check the terminal foreground"
fi
