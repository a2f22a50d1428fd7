#!/bin/bash
# --callback-url (the original's): when the build ends, s2i POSTs
# {"success": ..., "labels": {...}} as JSON; a failed build says so; a
# callback that fails or cannot be reached is a warning that never changes
# the build's result.
. "$(dirname "$0")/common.sh"
t_plan 13

# recorder STATUS: a POST recorder answering STATUS; sets REC_URL, REC_LOG.
recorder() {
  REC_LOG=$T_DIR/posts-$1.jsonl
  python3 -u "$TOP/tests/fixtures/post_recorder.py" "$REC_LOG" "$1" > "$T_DIR/rec-$1.out" 2>&1 &
  t_defer "kill $!"
  t_wait 10 grep -q '^listening on ' "$T_DIR/rec-$1.out"
  REC_URL="http://127.0.0.1:$(sed -n 's/^listening on //p' "$T_DIR/rec-$1.out")/hook"
}
# field N KEY: KEY of the Nth recorded POST (python expression on it).
field() {
  python3 -c 'import json,sys; p=[json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]; b=json.loads(p["body"]); print(eval(sys.argv[3]))' \
    "$REC_LOG" "$1" "$2"
}

src=$T_DIR/src
mkdir -p "$src" && echo '<h1>cb</h1>' > "$src/index.html"

recorder 200
"$S2I" build -q "$src" "$BUILDER" cb:1 -o "$T_DIR/cb.tar" --callback-url "$REC_URL" > "$T_DIR/ok.log" 2>&1
t_eq "a build with a callback succeeds" "$?" 0
t_eq "one POST was made" "$(wc -l < "$REC_LOG")" 1
t_eq "to the URL given" "$(field 0 'p["path"]')" /hook
t_eq "as JSON" "$(field 0 'p["content_type"]')" application/json
t_eq "saying success" "$(field 0 'b["success"]')" True
t_eq "with the image's labels" "$(field 0 'b["labels"]["io.k8s.display-name"]')" cb:1

mkdir -p "$src/.s2i/bin"
printf '#!/bin/sh\necho broken >&2\nexit 4\n' > "$src/.s2i/bin/assemble"
chmod +x "$src/.s2i/bin/assemble"
"$S2I" build -q "$src" "$BUILDER" cb:2 -o "$T_DIR/cb2.tar" --callback-url "$REC_URL" > "$T_DIR/fail.log" 2>&1
t_eq "a failing assemble still fails (exit 3)" "$?" 3
t_eq "and the callback says it failed" "$(field 1 'b["success"]')" False
rm -rf "$src/.s2i"

recorder 500
"$S2I" build -q "$src" "$BUILDER" cb:3 -o "$T_DIR/cb3.tar" --callback-url "$REC_URL" > "$T_DIR/500.log" 2>&1
t_eq "a callback answering 500 does not fail the build" "$?" 0
t_grep "but is a warning naming the status" 'callback http://127.0.0.1:[0-9]+/hook answered HTTP 500' "$T_DIR/500.log"
t_eq "and is not retried" "$(wc -l < "$REC_LOG")" 1

# Nothing listens on a port the kernel gave and took back.
dead="http://127.0.0.1:$(t_port)/hook"
"$S2I" build -q "$src" "$BUILDER" cb:4 -o "$T_DIR/cb4.tar" --callback-url "$dead" > "$T_DIR/dead.log" 2>&1
t_eq "an unreachable callback does not fail the build" "$?" 0
t_eq "it is tried three times, each a warning" "$(grep -c "callback $dead: try [123] of 3" "$T_DIR/dead.log")" 3
