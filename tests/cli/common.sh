# Fixtures shared by the CLI and e2e suites: the busybox test builder and a
# small Git repository with a web page.
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

BUILDER=$BUILD/fixtures/busybox-builder.tar
"$TOP/tests/fixtures/busybox-builder.sh" "$BUILDER"
export S2I_CACHE_DIR=$BUILD/cache

# make_repo DIR: a Git repository with index.html and one commit.
make_repo() {
  local d=$1
  mkdir -p "$d"
  git -C "$d" init -q -b main
  echo '<h1>Hello from s2i</h1>' > "$d/index.html"
  echo 'secret' > "$d/notes.md"
  printf 'notes.md\n' > "$d/.s2iignore"
  mkdir -p "$d/.s2i"
  printf '# build env\nGREETING=hello=world\n' > "$d/.s2i/environment"
  git -C "$d" add -A
  GIT_AUTHOR_DATE='2024-01-02T03:04:05+0100' GIT_COMMITTER_DATE='2024-01-02T03:04:05+0100' \
    git -C "$d" -c user.name='Ada Lovelace' -c user.email=ada@example.com \
    commit -q -m 'First page' -m 'Body text'
}

# leftovers: print mounts, sandbox processes and temp dirs a build left.
leftovers() {
  grep -F "$S2I_CACHE_DIR" /proc/self/mountinfo || true
  ls -A "$S2I_CACHE_DIR/tmp" 2>/dev/null || true
}

# label_of CONFIG.json KEY: a label from `skopeo inspect --config` output.
label_of() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"].get("Labels",{}).get(sys.argv[2],""))' "$1" "$2"
}
