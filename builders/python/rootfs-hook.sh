#!/bin/sh
# mmdebstrap --customize-hook for the python builder's root and the
# python-runtime image's: the venv that sees Debian's packages, the app
# root, HOME and /data, all uid 1001 gid 0 and group-writable (an
# arbitrary UID in group 0 can write).
set -eu
root=$1
chroot "$root" python3 -m venv --system-site-packages --without-pip /opt/app-root/venv
# pip in the venv comes from Debian's python3-pip via system site-packages;
# a launcher in the venv makes `pip install` target the venv.  The
# python-runtime image has no pip (nothing is installed there).
[ -d "$root/usr/lib/python3/dist-packages/pip" ] && printf '#!/opt/app-root/venv/bin/python\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n' \
  > "$root/opt/app-root/venv/bin/pip"
[ ! -e "$root/opt/app-root/venv/bin/pip" ] || chmod 755 "$root/opt/app-root/venv/bin/pip"
# en_US.UTF-8, the locale apps written for sclorg's images expect
# (LANG/LC_ALL in the image config).  The sources (15 MB) are not kept:
# nobody generates locales in a running image.
echo 'en_US.UTF-8 UTF-8' > "$root/etc/locale.gen"
chroot "$root" locale-gen
rm -rf "$root/usr/share/i18n/locales" "$root/usr/share/i18n/charmaps"
mkdir -p "$root/opt/app-root/src" "$root/opt/app-root/.cache" "$root/data"
chown -R 1001:0 "$root/opt/app-root" "$root/data"
chmod -R g+rwX "$root/opt/app-root" "$root/data"
# Nothing at run time writes outside TMPDIR; drop caches the image does not need.
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
