#!/bin/bash
# s2i build against a real Git repository and the busybox test builder; the
# result is read by skopeo (both transports) as a user would.
. "$(dirname "$0")/common.sh"
t_plan 31

repo=$T_DIR/repo
fx_site_repo "$repo"
out=$T_DIR/site.tar

t_check "build from a local Git repository" \
  "$S2I" build "$repo" "docker-archive:$BUILDER" site:1 -o "$out" -e EXTRA=1
t_check "no leftover mounts or temp dirs" test -z "$(leftovers)"
t_check "skopeo reads it as docker-archive" \
  skopeo inspect "docker-archive:$out"
skopeo inspect --config "docker-archive:$out" > "$T_DIR/config.json" 2>&1
t_check "skopeo reads it as oci-archive" skopeo inspect "oci-archive:$out"
id=$(git -C "$repo" rev-parse HEAD)
L=io.openshift.s2i.build
t_eq "commit id label" "$(label_of "$T_DIR/config.json" $L.commit.id)" "$id"
t_eq "commit author label" "$(label_of "$T_DIR/config.json" $L.commit.author)" "Ada Lovelace <ada@example.com>"
t_eq "commit date label" "$(label_of "$T_DIR/config.json" $L.commit.date)" "Tue Jan 2 03:04:05 2024 +0100"
t_eq "commit message label" "$(label_of "$T_DIR/config.json" $L.commit.message)" "First page"
t_eq "commit ref label" "$(label_of "$T_DIR/config.json" $L.commit.ref)" "main"
t_eq "source location label" "$(label_of "$T_DIR/config.json" $L.source-location)" "$repo"
t_eq "builder image label" "$(label_of "$T_DIR/config.json" $L.image)" "docker-archive:$BUILDER"
t_eq "display name is the tag" "$(label_of "$T_DIR/config.json" io.k8s.display-name)" "site:1"
t_eq "builder labels kept" "$(label_of "$T_DIR/config.json" io.openshift.expose-services)" "8080:http"
t_grep "env from .s2i/environment" '"GREETING=hello=world"' "$T_DIR/config.json"
t_grep "env from -e" '"EXTRA=1"' "$T_DIR/config.json"
t_grep "USER is the builder's" '"User": "1001"' "$T_DIR/config.json"
t_grep "CMD is the run script" '"/usr/libexec/s2i/run"' "$T_DIR/config.json"

# The new layer: what assemble wrote, and the source left at /tmp/src as
# the original leaves it.
mkdir -p "$T_DIR/x" && tar -xf "$out" -C "$T_DIR/x"
last=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][1])' "$T_DIR/x/manifest.json")
tar -tvf "$T_DIR/x/$last" > "$T_DIR/layer.txt"
t_grep "app layer has the page, owned by 1001:0" '1001/0 .* opt/app-root/src/index.html' "$T_DIR/layer.txt"
t_grep "the source stays at <destination>/src, as in the original" '1001/0 .* tmp/src/index.html' "$T_DIR/layer.txt"
if grep -q 'notes.md' "$T_DIR/layer.txt"; then t_fail ".s2iignore not honoured"; else t_ok ".s2iignore honoured"; fi
if grep -q '\.git/' "$T_DIR/layer.txt"; then t_fail ".git copied"; else t_ok ".git never copied"; fi

# Builder layers are reused byte for byte.
mkdir -p "$T_DIR/b" && tar -xf "$BUILDER" -C "$T_DIR/b"
first_b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$T_DIR/b/manifest.json")
first_o=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' "$T_DIR/x/manifest.json")
t_eq "builder layer digest reused" "$first_o" "$first_b"

# Reproducible with SOURCE_DATE_EPOCH.
SOURCE_DATE_EPOCH=1700000000 "$S2I" build -q "$repo" "$BUILDER" site:1 -o "$T_DIR/r1.tar"
SOURCE_DATE_EPOCH=1700000000 "$S2I" build -q "$repo" "$BUILDER" site:1 -o "$T_DIR/r2.tar"
d1=$(skopeo inspect --format '{{.Digest}}' "oci-archive:$T_DIR/r1.tar" 2>&1)
d2=$(skopeo inspect --format '{{.Digest}}' "oci-archive:$T_DIR/r2.tar" 2>&1)
t_eq "two builds with SOURCE_DATE_EPOCH give one digest" "$d1" "$d2"

# Options after positional arguments, context dir, refs, file:// clone.
mkdir -p "$repo/sub" && echo sub > "$repo/sub/page.txt"
fx_commit "$repo" second
git -C "$repo" tag v2
t_check "context dir + options after positionals" \
  "$S2I" build "file://$repo" "$BUILDER" site:2 --context-dir sub -r v2 -o "$T_DIR/s2.tar"
skopeo inspect --config "docker-archive:$T_DIR/s2.tar" > "$T_DIR/c2.json"
t_eq "context dir label" "$(label_of "$T_DIR/c2.json" $L.source-context-dir)" "sub"
t_eq "tag's commit" "$(label_of "$T_DIR/c2.json" $L.commit.id)" "$(git -C "$repo" rev-parse v2)"

# image_metadata.json labels from assemble.
printf '#!/bin/sh\nmkdir -p /tmp/.s2i\necho "{\\"labels\\":[{\\"built.by\\":\\"assemble\\"}]}" > /tmp/.s2i/image_metadata.json\n' > "$repo/.s2i/action"
chmod +x "$repo/.s2i/action"
t_check "build with image_metadata.json" "$S2I" build -q --copy "$repo" "$BUILDER" site:3 -o "$T_DIR/s3.tar"
skopeo inspect --config "docker-archive:$T_DIR/s3.tar" > "$T_DIR/c3.json"
t_eq "label from image_metadata.json" "$(label_of "$T_DIR/c3.json" built.by)" "assemble"

"$S2I" usage "$BUILDER" > "$T_DIR/usage.txt" 2>&1
t_grep "s2i usage runs the builder's usage script" 'busybox test builder' "$T_DIR/usage.txt"
"$S2I" version > "$T_DIR/version.txt"
t_grep "s2i version" '^s2i [0-9]' "$T_DIR/version.txt"
"$S2I" build --help > "$T_DIR/help.txt"
t_grep "build --help lists options" '--as-dockerfile' "$T_DIR/help.txt"
