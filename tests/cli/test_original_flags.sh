#!/bin/bash
# Flags of the original s2i build that its users' scripts pass: -n and
# --description (the image's labels), -d/--destination (and the deprecated
# -l/--location), the short forms -c and -s, the deprecated --scripts, and
# --image-scripts-dir.
. "$(dirname "$0")/common.sh"
t_plan 34

src=$T_DIR/src
mkdir -p "$src/.s2i/bin" && echo '<h1>flags</h1>' > "$src/index.html"
# An assemble that works wherever -d puts the source: it says where it is.
printf '%s\n' '#!/bin/sh' 'set -e' 'here=$(dirname "$(dirname "$0")")' \
  'echo "assemble at $0"' 'cp -Rf "$here/src/." /opt/app-root/src/' > "$src/.s2i/bin/assemble"
chmod +x "$src/.s2i/bin/assemble"
label() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["Labels"].get(sys.argv[2],"<unset>"))' "$1" "$2"; }

t_check "build with -n and --description" \
  "$S2I" build "$src" "$BUILDER" flags:1 -n "My Application" --description "What it does" -o "$T_DIR/n.tar"
skopeo inspect --config "docker-archive:$T_DIR/n.tar" > "$T_DIR/n.json"
t_eq "-n sets io.k8s.display-name" "$(label "$T_DIR/n.json" io.k8s.display-name)" "My Application"
t_eq "--description sets io.k8s.description" "$(label "$T_DIR/n.json" io.k8s.description)" "What it does"
# --label KEY=VALUE: the original's api.Config.Labels (OpenShift's
# output.imageLabels), over the labels s2i writes.
t_check "build with --label" "$S2I" build "$src" "$BUILDER" flags:7 --label team=web \
  --label io.k8s.display-name=Shown -o "$T_DIR/lab.tar"
skopeo inspect --config "docker-archive:$T_DIR/lab.tar" > "$T_DIR/lab.json"
t_eq "--label sets the label" "$(label "$T_DIR/lab.json" team)" "web"
t_eq "--label wins over s2i's own" "$(label "$T_DIR/lab.json" io.k8s.display-name)" "Shown"
"$S2I" build "$src" "$BUILDER" flags:8 --label novalue -o "$T_DIR/lab2.tar" > "$T_DIR/lab2.log" 2>&1
t_eq "--label without = is a usage error" "$?" 2
t_check "build without -n" "$S2I" build "$src" "$BUILDER" flags:2 -o "$T_DIR/t.tar"
skopeo inspect --config "docker-archive:$T_DIR/t.tar" > "$T_DIR/t.json"
t_eq "the display name is then TAG" "$(label "$T_DIR/t.json" io.k8s.display-name)" "flags:2"

t_check "build with -d /opt/dest" "$S2I" build "$src" "$BUILDER" flags:3 -d /opt/dest -o "$T_DIR/d.tar"
cp "$T_DIR/last.out" "$T_DIR/d.log"
t_grep "-d: the scripts are at DIR/scripts" 'assemble at /opt/dest/scripts/assemble' "$T_DIR/d.log"
t_grep "-d: assemble ran there" 'Running /opt/dest/scripts/assemble' "$T_DIR/d.log"
t_check "--destination is the long form" "$S2I" build "$src" "$BUILDER" flags:4 --destination /srv/s2i -o "$T_DIR/d2.tar"
t_grep "--destination: the scripts are at DIR/scripts" 'assemble at /srv/s2i/scripts/assemble' "$T_DIR/last.out"
"$S2I" build "$src" "$BUILDER" flags:5 -l /opt/old -o "$T_DIR/l.tar" > "$T_DIR/l.log" 2>&1
t_eq "-l (deprecated) still works" "$?" 0
t_grep "-l: and says to use --destination" 'location is deprecated, use --destination' "$T_DIR/l.log"
"$S2I" build "$src" "$BUILDER" flags:6 -d relative/dir -o "$T_DIR/bad.tar" > "$T_DIR/bad.log" 2>&1
t_eq "-d with a relative path fails" "$?" 1
t_grep "-d: the error names the option" '^s2i: --destination="relative/dir": want an absolute path' "$T_DIR/bad.log"
t_check "-d: nothing written" test ! -e "$T_DIR/bad.tar"

# Short and old spellings of options the suite tests elsewhere.
rm -rf "$src/.s2i"
mkdir -p "$T_DIR/urls"
printf '%s\n' '#!/bin/sh' 'echo "assemble from the url dir"' 'cp -Rf /tmp/src/. /opt/app-root/src/' > "$T_DIR/urls/assemble"
chmod +x "$T_DIR/urls/assemble"
t_check "-s is --scripts-url" "$S2I" build "$src" "$BUILDER" flags:7 -s "file://$T_DIR/urls" -o "$T_DIR/s.tar"
t_grep "-s: its assemble ran" 'assemble from the url dir' "$T_DIR/last.out"
"$S2I" build "$src" "$BUILDER" flags:8 --scripts "file://$T_DIR/urls" -o "$T_DIR/s2.tar" > "$T_DIR/old.log" 2>&1
t_grep "--scripts (deprecated) works and says so" 'scripts is deprecated, use --scripts-url' "$T_DIR/old.log"
"$S2I" mkimage --from "$BUILDER" --label io.openshift.s2i.scripts-url= -o "$T_DIR/nolabel.tar" nl:1 > /dev/null 2>&1
mkdir -p "$T_DIR/img/opt/mine" && cp "$T_DIR/urls/assemble" "$T_DIR/img/opt/mine/assemble"
printf '%s\n' '#!/bin/sh' 'exec httpd -f -p 8080 -h /opt/app-root/src' > "$T_DIR/img/opt/mine/run"
chmod +x "$T_DIR/img/opt/mine/run"
"$S2I" mkimage --from "$T_DIR/nolabel.tar" --layer "$T_DIR/img" -o "$T_DIR/mine.tar" mine:1 > /dev/null 2>&1
"$S2I" build "$src" "$T_DIR/mine.tar" flags:9 --image-scripts-dir /opt/mine -o "$T_DIR/m.tar" > "$T_DIR/m.log" 2>&1
t_grep "--image-scripts-dir DIR: the builder's scripts are found in DIR" 'assemble from the url dir' "$T_DIR/m.log"

# The source stays at <destination>/src unless --remove-source.
# app_layer OUT.tar: extract OUT.tar beside itself and print the path of
# the layer assemble made (the runtime layer comes after it).
app_layer() {
  mkdir -p "$1.x" && tar -xf "$1" -C "$1.x" &&
    echo "$1.x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][-2])' "$1.x/manifest.json")"
}
app_files() { tar -tf "$(app_layer "$1")"; }
app_files "$T_DIR/s.tar" > "$T_DIR/kept.txt"
t_grep "by default the source is left at /tmp/src" '^tmp/src/index.html$' "$T_DIR/kept.txt"
t_check "build with --remove-source" "$S2I" build "$src" "$BUILDER" flags:10 --remove-source -o "$T_DIR/rm.tar"
app_files "$T_DIR/rm.tar" > "$T_DIR/removed.txt"
t_check "--remove-source leaves no /tmp/src" sh -c "! grep -q '^tmp/src' '$T_DIR/removed.txt'"
t_grep "but the application is there" '^opt/app-root/src/index.html$' "$T_DIR/removed.txt"

# Parsing as strict and as lenient as the original: long options spelt out
# in full, uid ranges as its rangelist reads them.
"$S2I" build --ca "$T_DIR/c" "$src" "$BUILDER" flags:11 -o "$T_DIR/ca.tar" > "$T_DIR/ca.log" 2>&1
t_eq "an abbreviated long option is a usage error" "$?" 2
"$S2I" build --cache-di="$T_DIR/c" "$src" "$BUILDER" flags:11 -o "$T_DIR/ca.tar" > "$T_DIR/ca2.log" 2>&1
t_grep "and says which was meant" "unrecognized option '--cache-di' \(did you mean --cache-dir\?\)" "$T_DIR/ca2.log"
t_check "-u ',4-5,0-' is a valid list" "$S2I" build -q "$src" "$BUILDER" flags:12 -u ',4-5,0-' -o "$T_DIR/u1.tar"
t_check "-u '' restricts nothing" "$S2I" build -q "$src" "$BUILDER" flags:13 -u '' --assemble-user default -o "$T_DIR/u2.tar"

# --save-temp-dir keeps the scratch dir and says where; --keep-symlinks is
# accepted (links in a copied source are always kept as links).
ln -s index.html "$src/link.html"
"$S2I" build "$src" "$BUILDER" flags:14 --save-temp-dir --keep-symlinks -o "$T_DIR/tmp.tar" > "$T_DIR/tmp.log" 2>&1
t_eq "build with --save-temp-dir --keep-symlinks" "$?" 0
kept=$(sed -n 's/^ *Temporary directory kept: //p' "$T_DIR/tmp.log")
t_check "--save-temp-dir: the directory named is there" test -d "$kept"
rm -rf "$kept"
tar -tvf "$(app_layer "$T_DIR/tmp.tar")" > "$T_DIR/tmp-layer.txt"
t_grep "the link is a link in the image" 'opt/app-root/src/link.html -> index.html' "$T_DIR/tmp-layer.txt"
