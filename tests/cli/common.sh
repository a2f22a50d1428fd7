# Shared by the CLI and e2e suites: the busybox test builder ($BUILDER, from
# tests/fixtures) and checks on what a build leaves behind.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

fx_busybox_builder

# leftovers: print mounts, sandbox processes and temp dirs a build left.
leftovers() {
  grep -F "$S2I_CACHE_DIR" /proc/self/mountinfo || true
  ls -A "$S2I_CACHE_DIR/tmp" 2>/dev/null || true
}

# label_of CONFIG.json KEY: a label from `skopeo inspect --config` output.
label_of() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("Labels",{}).get(sys.argv[2],""))' "$1" "$2"
}

# make_repo DIR: the old name of fx_site_repo (tests/e2e/test_verify.sh).
make_repo() { fx_site_repo "$@"; }

# app_ids OUT.tar PATH: uid:gid of PATH in the image's application layer
# (the one before the runtime layer).
app_ids() {
  python3 - "$1" "$2" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    with tarfile.open(fileobj=t.extractfile(m["Layers"][-2])) as l:
        i = l.getmember(sys.argv[2])
        print(f"{i.uid}:{i.gid}")
PY
}
