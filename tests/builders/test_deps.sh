#!/bin/bash
# assemble's dependency installation on this host, offline: every
# declaration (Pipfile.lock, Pipfile, pyproject.toml with and without
# poetry.lock, requirements.txt, setup.py, setup.cfg) against a PEP 503
# index in a directory (tests/fixtures/pyindex.py), the venv reused by an
# incremental build, pip.conf, and the errors a user can cause.
source "$(dirname "$0")/common.sh"
t_plan 54
t_need /usr/bin/python3
/usr/bin/python3 -c 'import tomllib, pip' 2>/dev/null || t_skip_all "needs Python 3.11 with pip"
python3_has() { /usr/bin/python3 -c "import importlib.metadata as m; m.distribution('$1')" 2>/dev/null; }
python3_has poetry-core || t_skip_all "needs python3-poetry-core (scripts/deps.sh)"

IDX=$T_DIR/index
/usr/bin/python3 "$TOP/tests/fixtures/pyindex.py" "$IDX" || { t_fail "index fixture"; exit 1; }
chmod -R a+rX "$IDX"
unset PIP_FIND_LINKS PIP_NO_INDEX PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST ENABLE_PIPENV \
  ENABLE_MICROPIPENV DISABLE_SETUP_PY_PROCESSING UPGRADE_PIP_TO_LATEST PIP_CONFIG_FILE
export PIP_INDEX_URL=file://$IDX/simple PIP_CONFIG_FILE=/dev/null

# app NAME: a fresh env whose source has a wsgi.py; S is the source.
# The venv is made as the image's is (rootfs-hook.sh): Debian's pip
# through a launcher, so pip installs into this venv.
app() {
  b_env "$1"
  /usr/bin/python3 -m venv --system-site-packages --without-pip "$APP_ROOT/venv"
  printf '#!%s/venv/bin/python\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n' \
    "$APP_ROOT" > "$APP_ROOT/venv/bin/pip"
  chmod 755 "$APP_ROOT/venv/bin/pip"
  S=$S2I_DESTINATION/src
  printf 'def application(e, s):\n    s("200 OK", [])\n    return [b"ok"]\n' > "$S/wsgi.py"
}
# imports NAME MODULE EXPECTED: the venv's python (outside the source)
# imports MODULE and its GREETING (or hello()) is EXPECTED.
imports() {
  local got
  got=$(cd / && "$APP_ROOT/venv/bin/python" -c "import $2 as m; print(getattr(m, 'GREETING', None) or m.hello())" 2>&1)
  t_eq "$1" "$got" "$3"
}
sha() { sha256sum "$IDX"/simple/"$1"/*.tar.gz | cut -d' ' -f1; }

app setup-py
printf "from setuptools import setup\nsetup(name='myapp', version='0.1', py_modules=['wsgi'], install_requires=['s2i-legacy'])\n" > "$S/setup.py"
b_assemble > "$T_DIR/setup.log" 2>&1
t_eq "setup.py app: assemble succeeds" "$?" 0
t_grep "setup.py app: the log names setup.py" 'Installing the application from setup.py/setup.cfg' "$T_DIR/setup.log"
imports "setup.py app: install_requires installed from the index" s2i_legacy legacy

app setup-cfg
printf 'from setuptools import setup\nsetup()\n' > "$S/setup.py"  # the usual shim: pip needs setup.py or pyproject.toml
printf '[metadata]\nname = cfgapp\nversion = 0.1\n\n[options]\npy_modules = wsgi\ninstall_requires =\n    s2i-pure\n' > "$S/setup.cfg"
b_assemble > "$T_DIR/cfg.log" 2>&1
t_eq "setup.cfg app: assemble succeeds" "$?" 0
imports "setup.cfg app: its dependency installed" s2i_pure pure

app pep621
printf '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "pepapp"\nversion = "0.1"\ndependencies = ["s2i-cext"]\n\n[tool.setuptools]\npy-modules = ["wsgi"]\n' > "$S/pyproject.toml"
echo 'no-such-package-anywhere' > "$S/requirements.txt"
b_assemble > "$T_DIR/pep621.log" 2>&1
t_eq "PEP 621 app: assemble succeeds (requirements.txt not used)" "$?" 0
t_grep "PEP 621 app: the log names pyproject.toml and its backend" 'from pyproject.toml .PEP 517, backend setuptools.build_meta.' "$T_DIR/pep621.log"
imports "PEP 621 app: the C extension sdist was compiled" s2i_cext compiled
t_check "PEP 621 app: the project itself is in the venv" bash -c "ls -d $APP_ROOT/venv/lib/python3*/site-packages/pepapp-0.1.dist-info"

app poetry
mkdir -p "$S/src/poetryapp"
echo 'from s2i_pure import GREETING' > "$S/src/poetryapp/__init__.py"
printf '[tool.poetry]\nname = "poetryapp"\nversion = "0.1"\ndescription = ""\nauthors = ["a <a@example.com>"]\npackages = [{include = "poetryapp", from = "src"}]\n\n[tool.poetry.dependencies]\npython = "^3.9"\ns2i-pure = "*"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n' > "$S/pyproject.toml"
printf '[[package]]\nname = "s2i-pure"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = []\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.9"\ncontent-hash = "x"\n' > "$S/poetry.lock"
b_assemble > "$T_DIR/poetry.log" 2>&1
t_eq "Poetry src-layout app: assemble succeeds" "$?" 0
t_grep "Poetry app: the log names the backend and poetry.lock" 'backend poetry.core.masonry.api., versions from poetry.lock' "$T_DIR/poetry.log"
imports "Poetry app: the src-layout package is installed" poetryapp pure

app pipfile-lock
cat > "$S/Pipfile.lock" <<JSON
{"_meta": {"sources": [{"name": "local", "url": "file://$IDX/simple", "verify_ssl": true}]},
 "default": {"s2i-pure": {"version": "==1.0", "hashes": ["sha256:$(sha s2i-pure)"]},
             "s2i-legacy": {"version": "==1.0", "markers": "python_version >= '3'", "hashes": ["sha256:$(sha s2i-legacy)"]}},
 "develop": {"no-such-package-anywhere": {"version": "==9"}}}
JSON
printf '[packages]\nno-such-package-anywhere = "*"\n' > "$S/Pipfile"
echo 'no-such-package-anywhere' > "$S/requirements.txt"
(unset PIP_INDEX_URL; b_assemble) > "$T_DIR/lock.log" 2>&1
t_eq "Pipfile.lock app: assemble succeeds (its source, no PIP_INDEX_URL)" "$?" 0
t_grep "Pipfile.lock app: the log names Pipfile.lock" 'from Pipfile.lock .the locked set' "$T_DIR/lock.log"
imports "Pipfile.lock app: the locked packages are installed" s2i_legacy legacy
t_check "Pipfile.lock app: develop packages are not installed" bash -c "! grep -q no-such-package $T_DIR/lock.log"

app pipfile-badhash
printf '{"default": {"s2i-pure": {"version": "==1.0", "hashes": ["sha256:%064d"]}}}\n' 0 > "$S/Pipfile.lock"
b_assemble > "$T_DIR/badhash.log" 2>&1
t_eq "Pipfile.lock with a wrong hash: assemble fails" "$?" 1
t_grep "wrong hash: pip says so" 'THESE PACKAGES DO NOT MATCH THE HASHES' "$T_DIR/badhash.log"
t_grep "wrong hash: the failed step is named" 'pip install .Pipfile.lock. failed with exit status' "$T_DIR/badhash.log"

app pipfile
printf '[[source]]\nname = "x"\nurl = "$PIP_INDEX_URL"\nverify_ssl = true\n\n[packages]\ns2i-pure = "*"\ns2i-legacy = {version = "==1.0"}\n' > "$S/Pipfile"
b_assemble > "$T_DIR/pipfile.log" 2>&1
t_eq "Pipfile app: assemble succeeds" "$?" 0
t_grep "Pipfile app: the log names Pipfile" 'from Pipfile .no Pipfile.lock' "$T_DIR/pipfile.log"
imports "Pipfile app: its packages are installed" s2i_legacy legacy

app bad-pipfile-lock
echo '{"default": [' > "$S/Pipfile.lock"
b_assemble > "$T_DIR/badlock.log" 2>&1
t_eq "unreadable Pipfile.lock: assemble fails" "$?" 1
t_grep "unreadable Pipfile.lock: the error names it" 'Pipfile.lock: Expecting value' "$T_DIR/badlock.log"

app requirements
printf 's2i-cext\n' > "$S/requirements.txt"
printf '[tool.black]\nline-length = 100\n' > "$S/pyproject.toml"
b_assemble > "$T_DIR/req.log" 2>&1
t_eq "requirements.txt with a tools-only pyproject.toml: assemble succeeds" "$?" 0
t_grep "requirements.txt: the log names it" 'Installing dependencies from requirements.txt' "$T_DIR/req.log"
imports "requirements.txt: the C extension is installed" s2i_cext compiled

# Incremental: save-artifacts' venv comes back when nothing changed.
b_own
b_as_user "$BB/save-artifacts" > "$T_DIR/req-art.tar"
t_check "save-artifacts includes the venv" bash -c "tar -tf $T_DIR/req-art.tar | grep -q '^venv/.s2i-deps-key$'"
app requirements-again
printf 's2i-cext\n' > "$S/requirements.txt"
printf '[tool.black]\nline-length = 100\n' > "$S/pyproject.toml"
mkdir -p "$S2I_DESTINATION/artifacts" && tar -xf "$T_DIR/req-art.tar" -C "$S2I_DESTINATION/artifacts"
b_assemble > "$T_DIR/req2.log" 2>&1
t_eq "incremental build: assemble succeeds" "$?" 0
t_grep "incremental build: dependencies not reinstalled" 'Dependencies unchanged since the previous image' "$T_DIR/req2.log"
b_nogrep "incremental build: pip did not run" 'Installing collected packages' "$T_DIR/req2.log"
imports "incremental build: the reused venv has the extension" s2i_cext compiled

app requirements-changed
printf 's2i-cext\ns2i-pure\n' > "$S/requirements.txt"
mkdir -p "$S2I_DESTINATION/artifacts" && tar -xf "$T_DIR/req-art.tar" -C "$S2I_DESTINATION/artifacts"
b_assemble > "$T_DIR/req3.log" 2>&1
t_eq "changed requirements.txt: assemble succeeds" "$?" 0
t_grep "changed requirements.txt: installed again" 'Dependencies changed since the previous image' "$T_DIR/req3.log"
imports "changed requirements.txt: the new package is there" s2i_pure pure

app pip-conf
echo 's2i-pure' > "$S/requirements.txt"
printf '[global]\nindex-url = file://%s/simple\n' "$IDX" > "$S/pip.conf"
(unset PIP_INDEX_URL PIP_CONFIG_FILE; b_assemble) > "$T_DIR/pipconf.log" 2>&1
t_eq "pip.conf in the source: assemble succeeds" "$?" 0
t_grep "pip.conf: the log says it is used" "Using pip's configuration from pip.conf" "$T_DIR/pipconf.log"

app bad-requirement
echo 'no-such-package-anywhere' > "$S/requirements.txt"
b_assemble > "$T_DIR/badreq.log" 2>&1
t_eq "unknown requirement: assemble fails" "$?" 1
t_grep "unknown requirement: the failed step is named" 'pip install .requirements.txt. failed with exit status 1' "$T_DIR/badreq.log"

app disable-setup
printf "from setuptools import setup\nsetup(name='myapp', version='0.1', install_requires=['s2i-legacy'])\n" > "$S/setup.py"
DISABLE_SETUP_PY_PROCESSING=1 b_assemble > "$T_DIR/nosetup.log" 2>&1
t_eq "DISABLE_SETUP_PY_PROCESSING: assemble succeeds" "$?" 0
b_nogrep "DISABLE_SETUP_PY_PROCESSING: setup.py not installed" 'from setup.py' "$T_DIR/nosetup.log"

app both-pipenv
echo 's2i-pure' > "$S/requirements.txt"
ENABLE_PIPENV=1 ENABLE_MICROPIPENV=1 b_assemble > "$T_DIR/both.log" 2>&1
t_eq "ENABLE_PIPENV with ENABLE_MICROPIPENV: assemble fails" "$?" 1
t_grep "both enabled: the error names both" 'ENABLE_PIPENV and ENABLE_MICROPIPENV cannot both be set' "$T_DIR/both.log"

# ENABLE_PIPENV: pipenv (Debian's) itself installs, as in sclorg's images.
if [ -x /usr/bin/pipenv ]; then
  app pipenv
  printf '[[source]]\nname = "local"\nurl = "file://%s/simple"\nverify_ssl = true\n\n[packages]\ns2i-pure = "*"\n' "$IDX" > "$S/Pipfile"
  ENABLE_PIPENV=1 b_assemble > "$T_DIR/pipenv.log" 2>&1
  t_eq "ENABLE_PIPENV with a Pipfile: assemble succeeds" "$?" 0
  t_grep "ENABLE_PIPENV: the log says pipenv installs" 'with pipenv .ENABLE_PIPENV.: pipenv install --deploy, locking the Pipfile first' "$T_DIR/pipenv.log"
  t_grep "ENABLE_PIPENV: pipenv itself ran (it locked the Pipfile)" 'Pipfile.lock not found, creating' "$T_DIR/pipenv.log"
  t_check "ENABLE_PIPENV: pipenv wrote Pipfile.lock (in the app's source)" test -s "$APP_ROOT/src/Pipfile.lock"
  imports "ENABLE_PIPENV: the Pipfile's package is in the app's venv" s2i_pure pure
  cp "$APP_ROOT/src/Pipfile" "$APP_ROOT/src/Pipfile.lock" "$T_DIR/"
  app pipenv-stale
  cp "$T_DIR/Pipfile" "$T_DIR/Pipfile.lock" "$S/"
  echo 's2i-legacy = "*"' >> "$S/Pipfile"
  ENABLE_PIPENV=1 b_assemble > "$T_DIR/pipenv-stale.log" 2>&1
  t_eq "ENABLE_PIPENV with a Pipfile.lock older than the Pipfile: assemble fails (--deploy)" "$?" 1
  t_grep "stale Pipfile.lock: pipenv says so" 'out of date' "$T_DIR/pipenv-stale.log"
  t_grep "stale Pipfile.lock: the failed step is named" 'pipenv install .ENABLE_PIPENV. failed with exit status' "$T_DIR/pipenv-stale.log"
else
  t_skip "no /usr/bin/pipenv on this host (scripts/deps.sh installs it)" 8
fi

app upgrade-pip
UPGRADE_PIP_TO_LATEST=1 b_assemble > "$T_DIR/upgrade.log" 2>&1
t_eq "UPGRADE_PIP_TO_LATEST: assemble succeeds" "$?" 0
t_grep "UPGRADE_PIP_TO_LATEST: the log says so" 'Upgrading pip, setuptools and wheel to the latest version' "$T_DIR/upgrade.log"
t_grep "UPGRADE_PIP_TO_LATEST: pip asked the index for wheel" 'Requirement already satisfied: wheel|Successfully installed.* wheel' "$T_DIR/upgrade.log"
