#!/bin/bash
# The local image store (an OCI layout): build records TAG there, s2i
# images/tag/rmi/save/prune, BUILDER as a store tag, skopeo reads it as oci:,
# temp files of a killed process are swept; unchanged rebuilds reuse the
# stored image (and --no-cache does not).
. "$(dirname "$0")/common.sh"
t_plan 26

export S2I_STORE=$T_DIR/store
mkdir -p "$T_DIR/src" && echo '<h1>store</h1>' > "$T_DIR/src/index.html"

"$S2I" build -q "$T_DIR/src" "$BUILDER" st/app:1 > "$T_DIR/b1.log" 2>&1
t_eq "build into the store" "$?" "0"
t_check "the store is an OCI layout (oci-layout, index.json, blobs/sha256)" \
  test -f "$S2I_STORE/oci-layout" -a -f "$S2I_STORE/index.json" -a -d "$S2I_STORE/blobs/sha256"
t_check "skopeo inspect oci:STORE:TAG reads it" skopeo inspect "oci:$S2I_STORE:st/app:1"
t_check "skopeo copies it out (every blob there and verified)" \
  skopeo copy -q "oci:$S2I_STORE:st/app:1" "dir:$T_DIR/copy"

# ---- unchanged rebuild -------------------------------------------------------
"$S2I" build "$T_DIR/src" "$BUILDER" st/app:1 > "$T_DIR/b2.log" 2>&1
t_eq "unchanged rebuild: exit 0" "$?" "0"
t_grep "... the log says it reused the stored build" 'Unchanged since the build of st/app:1' "$T_DIR/b2.log"
if grep -q 'Running .*assemble' "$T_DIR/b2.log"; then t_fail "... assemble ran"; else
  t_ok "... assemble did not run"; fi
"$S2I" build --no-cache "$T_DIR/src" "$BUILDER" st/app:1 > "$T_DIR/b3.log" 2>&1
t_grep "--no-cache runs assemble" 'Running .*assemble' "$T_DIR/b3.log"
echo more > "$T_DIR/src/more.txt"
"$S2I" build "$T_DIR/src" "$BUILDER" st/app:1 > "$T_DIR/b4.log" 2>&1
t_grep "a changed source builds again" 'Running .*assemble' "$T_DIR/b4.log"
"$S2I" build "$T_DIR/src" "$BUILDER" st/app:1 -e X=1 > "$T_DIR/b5.log" 2>&1
t_grep "a changed environment builds again" 'Running .*assemble' "$T_DIR/b5.log"
"$S2I" build -q "$T_DIR/src" "$BUILDER" st/app:1 -e X=1 -o "$T_DIR/reused.tar" > /dev/null 2>&1
t_check "a reused build still exports with -o" skopeo inspect "docker-archive:$T_DIR/reused.tar"

# ---- images, tag, rmi, save, BUILDER as a store tag --------------------------
"$S2I" images --format json > "$T_DIR/images.json"
t_check "images --format json lists tag, digest, size, created" python3 -c '
import json, sys
i = [x for x in json.load(open(sys.argv[1])) if x["tag"] == "st/app:1"][0]
assert i["digest"].startswith("sha256:") and i["size"] > 0 and i["created"]' "$T_DIR/images.json"
"$S2I" tag st/app:1 st/app:latest
"$S2I" images > "$T_DIR/images.txt"
t_grep "s2i tag adds a tag" '^st/app:latest ' "$T_DIR/images.txt"
"$S2I" build -q "$T_DIR/src" st/app:latest st/child:1 > "$T_DIR/child.log" 2>&1
t_eq "BUILDER may name a store tag" "$?" "0"
"$S2I" save st/child:1 -o "$T_DIR/child.tar" > /dev/null 2>&1
t_check "s2i save writes a tarball skopeo reads" skopeo inspect "docker-archive:$T_DIR/child.tar"
"$S2I" rmi st/nope:1 > /dev/null 2> "$T_DIR/rmi.err"
t_grep "rmi of an unknown tag says so" 'no image st/nope:1 in the store' "$T_DIR/rmi.err"

# ---- prune, temp files -----------------------------------------------------------
"$S2I" rmi st/app:1 st/app:latest st/child:1 > /dev/null
"$S2I" prune > "$T_DIR/prune.txt" 2>&1
t_grep "prune prints what it freed" '^Freed [1-9][0-9]* blob\(s\), [0-9.]+ [kMG]?B' "$T_DIR/prune.txt"
t_eq "... the unreferenced blobs are gone" "$(ls "$S2I_STORE/blobs/sha256" | wc -l)" "0"
"$S2I" build -q "$T_DIR/src" "$BUILDER" st/app:2 > /dev/null 2>&1
"$S2I" prune > "$T_DIR/prune2.txt" 2>&1
t_check "... and never what a tag reaches" skopeo copy -q "oci:$S2I_STORE:st/app:2" "dir:$T_DIR/copy2"
echo partial > "$S2I_STORE/.s2i/tmp/blob-killed"
echo '{' > "$S2I_STORE/index.json.tmp-killed"
"$S2I" images > /dev/null
t_eq "temp files a killed process left are swept" \
  "$(ls -A "$S2I_STORE/.s2i/tmp"; ls "$S2I_STORE" | grep -c tmp-)" "0"
t_check "no leftover mounts or scratch dirs" test -z "$(leftovers)"
"$S2I" build -q --store "$T_DIR/other" "$T_DIR/src" "$BUILDER" st/app:3 > /dev/null 2>&1
t_check "--store DIR puts the image there" skopeo inspect "oci:$T_DIR/other:st/app:3"

# ---- s2i rebuild, --load ------------------------------------------------------------
repo=$T_DIR/repo
fx_site_repo "$repo"
"$S2I" build -q "$repo" "$BUILDER" st/git:1 > /dev/null 2>&1
echo '<p>second</p>' > "$repo/second.html"
fx_commit "$repo" second
"$S2I" rebuild st/git:1 st/git:2 > "$T_DIR/rebuild.log" 2>&1
t_eq "s2i rebuild TAG NEW_TAG" "$?" "0"
t_grep "... from the source and builder TAG's labels record" "Rebuilding st/git:1 from $repo at main with $BUILDER" "$T_DIR/rebuild.log"
skopeo inspect --config "oci:$S2I_STORE:st/git:2" > "$T_DIR/rebuilt.json"
t_eq "... at the ref's current commit" "$(label_of "$T_DIR/rebuilt.json" io.openshift.s2i.build.commit.id)" "$(git -C "$repo" rev-parse HEAD)"
if command -v podman > /dev/null 2>&1; then
  "$S2I" build -q --load "$T_DIR/src" "$BUILDER" localhost/st-load:1 > "$T_DIR/load.log" 2>&1
  t_check "--load hands the image to podman" podman image exists localhost/st-load:1
  podman rmi -f localhost/st-load:1 > /dev/null 2>&1
else
  t_skip "podman not installed"
fi
