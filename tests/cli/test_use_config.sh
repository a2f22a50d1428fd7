#!/bin/bash
# --use-config and .s2ifile (the original's): a build saves SOURCE, BUILDER,
# TAG and its options in ./.s2ifile; the next `s2i build --use-config`
# takes what its command line leaves out from there; -e on the command
# line replaces the saved environment; .stifile is read when .s2ifile is
# not there.
. "$(dirname "$0")/common.sh"
t_plan 15

src=$T_DIR/src
mkdir -p "$src" "$T_DIR/work" && echo '<h1>config</h1>' > "$src/index.html"
cd "$T_DIR/work" || exit 1
env_of() { python3 -c '
import json,sys
env = json.load(open(sys.argv[1]))["config"].get("Env") or []
print(" ".join(e for e in env if e.split("=")[0] in ("A", "B", "C")))' "$1"; }
cfg() { skopeo inspect --config "docker-archive:$1" > "$1.json" 2>&1; }

t_check "a build with --use-config" "$S2I" build --use-config -q "$src" "$BUILDER" cfg:1 \
  -e A=1 -e B=2 -n "Saved Name" -o "$T_DIR/one.tar"
t_check "writes ./.s2ifile" test -s .s2ifile
t_eq "in the original's shape" \
  "$(python3 -c 'import json; d=json.load(open(".s2ifile")); print(d["source"] == "'"$src"'", d["tag"], d["flags"]["env-0"], d["flags"]["env-1"], d["flags"]["application-name"])')" \
  "True cfg:1 A=1 B=2 Saved Name"

t_check "the next build needs no arguments" "$S2I" build --use-config -q -o "$T_DIR/two.tar"
cfg "$T_DIR/two.tar"
t_eq "it has the saved environment" "$(env_of "$T_DIR/two.tar.json")" "A=1 B=2"
t_grep "and the saved options" '"io.k8s.display-name": "Saved Name"' "$T_DIR/two.tar.json"

t_check "-e on the command line" "$S2I" build --use-config -q -e C=3 -n Other -o "$T_DIR/three.tar"
cfg "$T_DIR/three.tar"
t_eq "replaces the saved environment" "$(env_of "$T_DIR/three.tar.json")" "C=3"
t_grep "and a given option beats the saved one" '"io.k8s.display-name": "Other"' "$T_DIR/three.tar.json"

# Every repeatable flag keeps each value, as -e does (name-N).
t_check "repeated --label with --use-config" "$S2I" build --use-config -q \
  --label team=web --label tier=front -o "$T_DIR/five.tar"
t_check "the next build without them" "$S2I" build --use-config -q -o "$T_DIR/six.tar"
cfg "$T_DIR/six.tar"
t_eq "keeps both labels" "$(python3 -c 'import json,sys
l = json.load(open(sys.argv[1]))["config"]["Labels"]
print(l.get("team"), l.get("tier"))' "$T_DIR/six.tar.json")" "web front"

rm -f .s2ifile
printf '{"source":"%s","builderImage":"%s","tag":"old:1","flags":{"env-0":"A=old"}}' "$src" "$BUILDER" > .stifile
t_check ".stifile is read when .s2ifile is not there" "$S2I" build --use-config -q -o "$T_DIR/four.tar"
cfg "$T_DIR/four.tar"
t_eq "with its settings" "$(env_of "$T_DIR/four.tar.json")" "A=old"

echo '{not json' > .s2ifile
"$S2I" build --use-config -q -o "$T_DIR/five.tar" > "$T_DIR/bad.log" 2>&1
t_grep "a broken .s2ifile is an error naming it" '^s2i: .s2ifile: not a JSON object' "$T_DIR/bad.log"
