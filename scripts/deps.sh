#!/bin/sh
# Install the Debian packages that building, linting and testing s2i
# need: every tool a rule, a test or a lint step calls.  Idempotent:
# installs only what is missing.  As root it runs apt-get; otherwise it
# prints the line to run.  The Makefile runs it before anything else
# (the $(B)/.deps-ok stamp), so a machine with only make and git works.
set -eu

PACKAGES="
  build-essential pkg-config musl-tools cppcheck clang-format file
  clang libclang-rt-14-dev
  libgit2-dev libarchive-dev libcurl4-openssl-dev libjansson-dev libssl-dev
  libmicrohttpd-dev libsqlite3-dev check libseccomp-dev
  git curl ca-certificates busybox-static jq iproute2 openssl xz-utils time
  podman runc skopeo uidmap slirp4netns fuse-overlayfs
  mmdebstrap docker-registry apache2-utils python3-jwt
  python3 python3-venv python3-yaml ruby libnss-wrapper tini catatonit
  nginx-light apache2-bin libapache2-mod-wsgi-py3 lektor
  hyperfine wrk chromium gunicorn zsh groff-base man-db
  python3-pip python3-pip-whl python3-poetry-core python3-flask python3-wheel
  pipenv python3-django
"

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
  esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "s2i needs these Debian packages; run as root:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi

echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# Name what is still missing rather than letting a later step fail on it.
for p in $missing; do
  case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" in
    *" installed") ;;
    *) echo "deps: package $p did not install" >&2; exit 1 ;;
  esac
done
