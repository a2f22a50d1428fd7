#!/bin/sh
# Man pages from the same text as --help: s2i(1) from `s2i --help`, and
# s2i-CMD(1) from `s2i CMD --help` for every command `s2i --help` lists.
#   scripts/man.sh BIN OUTDIR
# The help text goes into the page verbatim (.nf), escaped for roff, so a
# page never says something --help does not.
set -eu
bin=$1
out=$2
version=$("$bin" version 2>/dev/null | head -n 1 | sed 's/^s2i //')
mkdir -p "$out"

# roff-escape stdin: backslashes, and lines starting with . or '.
escape() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# page NAME SUMMARY HELPTEXT-FILE: write OUTDIR/NAME.1.
page() {
  upper=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
  {
    printf '.TH %s 1 "" "s2i %s" "s2i manual"\n' "$upper" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$1" "$2"
    printf '.SH DESCRIPTION\n.nf\n'
    escape < "$3"
    printf '.fi\n'
    if [ "$1" = s2i ]; then
      printf '.SH SEE ALSO\n'
      sed -n 's/^\(s2i-[a-z-]*\) .*/.BR \1 (1)/p' "$out/.commands"
    else
      printf '.SH SEE ALSO\n.BR s2i (1)\n'
    fi
  } > "$out/$1.1.tmp"
  mv "$out/$1.1.tmp" "$out/$1.1"
}

tmp=$out/.help
"$bin" --help > "$tmp"
sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  *\(.*\)/s2i-\1 \2/p' "$tmp" > "$out/.commands"
while read -r name summary; do
  cmd=${name#s2i-}
  "$bin" "$cmd" --help > "$tmp.cmd"
  page "$name" "$summary" "$tmp.cmd"
done < "$out/.commands"
page s2i "build container images from source code, without a daemon" "$tmp"
rm -f "$tmp" "$tmp.cmd" "$out/.commands"
