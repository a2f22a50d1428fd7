#!/bin/bash
# A hostile builder image or source repository (issue 10): each case is the
# reproduction of an attack that once worked, and must now fail cleanly or
# be defused.
. "$(dirname "$0")/common.sh"
t_plan 6
t_need_root "device nodes and mounts"

repo=$T_DIR/repo
fx_site_repo "$repo"
out=$T_DIR/out.tar

# Its own cache: the first build must unpack the hostile layers itself.
export S2I_CACHE_DIR=$T_DIR/cache

# built_file OUT.tar PATH: PATH from the image's application layer (the
# one before the runtime layer).
built_file() {
  rm -rf "$T_DIR/x" && mkdir -p "$T_DIR/x" && tar -xf "$1" -C "$T_DIR/x"
  local layer
  layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' "$T_DIR/x/manifest.json")
  tar -xOf "$T_DIR/x/$layer" "$2" 2>/dev/null
}

# --- a device node in a builder layer --------------------------------------
# The layer holds /opt/app-root/disk as the block device of a host disk
# (8:0) and a char device; assemble tries to open both.
python3 - "$T_DIR/devlayer.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, kind, major, minor in (("opt/app-root/disk", tarfile.BLKTYPE, 8, 0),
                                     ("opt/app-root/mem", tarfile.CHRTYPE, 1, 1)):
        i = tarfile.TarInfo(name); i.type = kind; i.devmajor = major; i.devminor = minor
        i.mode = 0o666; t.addfile(i)
PY
"$S2I" mkimage --from "$BUILDER" --layer-tar "$T_DIR/devlayer.tar" \
  -o "$T_DIR/devbuilder.tar" devbuilder:1 >/dev/null 2>&1
dev=$T_DIR/devrepo
fx_site_repo "$dev"
printf '#!/bin/sh\nfor f in /opt/app-root/disk /opt/app-root/mem; do if [ -e $f ]; then echo "present $f"; fi; done > /opt/app-root/src/devs.txt\ngrep " / / " /proc/self/mountinfo > /opt/app-root/src/root-mount.txt\ngrep " /dev " /proc/self/mountinfo > /opt/app-root/src/dev-mount.txt\n' > "$dev/.s2i/action"
chmod +x "$dev/.s2i/action"
"$S2I" build --copy "$dev" "$T_DIR/devbuilder.tar" x:1 -o "$out" > "$T_DIR/dev.log" 2>&1
t_eq "a builder with device nodes builds" "$?" 0
t_grep "the warning names the dropped node" 'opt/app-root/disk: device node dropped' "$T_DIR/dev.log"
t_check "no device node in the layer cache" \
  test -z "$(find "$S2I_CACHE_DIR" \( -type b -o \( -type c ! -size 0 \) \) -print -quit 2>/dev/null; find "$S2I_CACHE_DIR" -type b -print -quit)"
built_file "$out" opt/app-root/src/devs.txt > "$T_DIR/devs.txt"
t_check "assemble sees no device node" test ! -s "$T_DIR/devs.txt" -a -e "$T_DIR/x/manifest.json"
built_file "$out" opt/app-root/src/root-mount.txt > "$T_DIR/root-mount.txt"
t_grep "the build root is mounted nodev,nosuid" '(nosuid,nodev|nodev,nosuid)' "$T_DIR/root-mount.txt"
built_file "$out" opt/app-root/src/dev-mount.txt > "$T_DIR/dev-mount.txt"
t_grep "the sandbox /dev is nodev,nosuid" '(nosuid,nodev|nodev,nosuid)' "$T_DIR/dev-mount.txt"
