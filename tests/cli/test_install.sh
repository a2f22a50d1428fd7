#!/bin/bash
# make install: the binary, its runtime files, a man page per command made
# from --help, and bash and zsh completion; the installed s2i builds an
# image with the installed runtime, and completion offers what --help says.
. "$(dirname "$0")/common.sh"
t_plan 16

root=$T_DIR/root
# The build under test (make asan has its own B and BIN).
t_check "make install DESTDIR=... PREFIX=/usr" \
  make -s -C "$TOP" install B="$BUILD" BIN="$(dirname "$S2I")" DESTDIR="$root" PREFIX=/usr
bin=$root/usr/bin/s2i
t_check "the binary is installed and runs" "$bin" version
t_check "the init is installed beside it" test -x "$root/usr/lib/s2i/runtime/usr/libexec/s2i-runtime/init"

# The installed s2i uses the installed runtime (<bindir>/../lib/s2i/runtime).
mkdir -p "$T_DIR/site" && echo '<h1>installed</h1>' > "$T_DIR/site/index.html"
t_check "the installed s2i builds an image with its runtime" \
  env -u S2I_RUNTIME_DIR "$bin" build -q "$T_DIR/site" "$BUILDER" inst:1 -o "$T_DIR/inst.tar"
skopeo inspect --config "docker-archive:$T_DIR/inst.tar" > "$T_DIR/inst.json" 2>&1
t_grep "its entrypoint is the runtime's init" '"/usr/libexec/s2i-runtime/init"' "$T_DIR/inst.json"

# Man pages: one per command --help lists, each with that command's options.
man1=$root/usr/share/man/man1
for c in s2i s2i-build s2i-completion; do
  t_check "man page $c.1 renders without warnings" \
    sh -c "groff -man -Tutf8 -ww -z '$man1/$c.1' 2>&1 | (! grep .)"
done
MANWIDTH=100 man -l "$man1/s2i-build.1" > "$T_DIR/build.man" 2> /dev/null
t_grep "s2i-build(1) lists --scripts-url as --help does" '^ +-s, --scripts-url URL' "$T_DIR/build.man"
t_eq "one man page per command, plus s2i(1)" \
  "$(ls "$man1" | wc -l)" "$(( $("$bin" --help | sed -n '/^Commands:/,/^$/p' | grep -c '^  [a-z]') + 1 ))"

# bash completion, called the way bash calls it.
comp() {
  # shellcheck disable=SC1090
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _s2i; echo "${COMPREPLY[*]}"' \
    comp "$root/usr/share/bash-completion/completions/s2i" "$@"
}
t_eq "bash: commands" "$(comp "$bin" ver)" "verify version"
t_eq "bash: a command's options" "$(comp "$bin" build --incremental-f)" "--incremental-from"
t_eq "bash: completion's shells" "$(comp "$bin" completion '')" "bash zsh"

if command -v zsh >/dev/null; then
  t_check "zsh: the completion script parses" zsh -n "$root/usr/share/zsh/vendor-completions/_s2i"
else
  t_skip "zsh is not installed (scripts/deps.sh installs it)"
fi

"$bin" completion fish > "$T_DIR/fish.out" 2>&1
t_eq "an unknown shell is a usage error" "$?" 2
t_grep "and names the shell" "unknown shell 'fish'" "$T_DIR/fish.out"
