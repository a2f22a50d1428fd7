#!/bin/bash
# Real-shaped Python projects through the python builder, offline: a PEP
# 503 index on loopback (python3 -m http.server on a kernel-given port)
# that tests/fixtures/pyindex.py fills with wheels made from Debian's
# packages (Flask and what it needs, poetry-core, setuptools, wheel) and
# small sdists (pure Python, a C extension, a Poetry backend, setup.py
# only).  Each app is built with `s2i build --network host` (assemble
# reaches the index on 127.0.0.1), run as a random UID on a read-only root
# with an emptyDir /tmp, and must answer with what its dependencies say.
# Then an incremental build reuses the venv, and a `podman exec` shell
# gets the app's name, a writable HOME and USER; ENABLE_PIPENV; a Django
# project with its collected static files.
# shellcheck source=builders_common.sh
. "$(dirname "$0")/builders_common.sh"
t_plan 58
bld_builders
t_need /usr/bin/python3

IDX=$T_DIR/index
if ! /usr/bin/python3 "$TOP/tests/fixtures/pyindex.py" "$IDX" > "$T_DIR/index.log" 2>&1; then
  t_fail "index fixture"; sed 's/^/    # /' "$T_DIR/index.log"; exit 1
fi
t_http_server "$IDX"
[ -n "$T_HTTP_PORT" ] || { t_fail "index server did not come up"; exit 1; }
INDEX=http://127.0.0.1:$T_HTTP_PORT/simple
t_ok "PEP 503 index on $INDEX"

# wsgi FILE EXPR: a WSGI module whose "application" answers str(EXPR).
wsgi() {
  mkdir -p "$(dirname "$1")"
  cat > "$1" <<PY
$3
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str($2).encode()]
PY
}

# app SLUG DIR BODY [s2i options]: build DIR, run it hostile, expect BODY on /.
app() {
  local slug=$1 dir=$2 body=$3
  shift 3
  fx_commit "$dir" "$slug" > /dev/null
  if ! bld_image "$slug" "$dir" "$PY_TAR" --network host "$@"; then
    t_fail "$slug: not loaded (build failed)"; t_fail "$slug: not run"; t_fail "$slug: no answer"
    return 1
  fi
  bld_run "$slug" "$IMG" || { t_fail "$slug: no answer"; return 1; }
  bld_up "$slug: answers as uid $UIDN on a read-only root" / 30 || { t_fail "$slug: no answer"; return 1; }
  t_eq "$slug: the answer comes from its dependencies" "$(bld_get /; cat "$T_DIR/body")" "200$body"
}

d=$T_DIR/flask
mkdir -p "$d"
printf 'Flask\n' > "$d/requirements.txt"
cat > "$d/wsgi.py" <<'PY'
import flask
application = flask.Flask(__name__)

@application.route("/")
def index():
    return "flask " + flask.__version__
PY
app flask "$d" "flask 2.2.2" -e "PIP_INDEX_URL=$INDEX"
t_grep "flask: the build log names requirements.txt" 'Installing dependencies from requirements.txt' "$T_DIR/flask.build.log"
flask_tar=$IMG_TAR

# podman exec as the same random UID: the main process's name, HOME, USER.
podman exec "$CID" sh -c 'echo "$(whoami) $USER $HOME"; touch "$HOME/probe" && echo writable' \
  > "$T_DIR/exec.out" 2> "$T_DIR/exec.err"
t_eq "podman exec: whoami, USER and HOME" "$(head -n 1 "$T_DIR/exec.out")" "default default /tmp/s2i/home"
t_grep "podman exec: HOME is writable on the read-only root" '^writable$' "$T_DIR/exec.out"
podman exec "$CID" python -c 'import getpass, os, pathlib; print(getpass.getuser(), os.path.expanduser("~"))' > "$T_DIR/exec.py" 2>&1
t_eq "podman exec: Python sees the same user and home" "$(cat "$T_DIR/exec.py")" "default /tmp/s2i/home"
bld_stop

# Incremental: same requirements, so the venv comes back from the previous image.
echo '# touched' >> "$d/wsgi.py"
fx_commit "$d" again > /dev/null
if "$S2I" build --network host --incremental -e "PIP_INDEX_URL=$INDEX" "$d" "$PY_TAR" "$IMG" -o "$flask_tar" \
  > "$T_DIR/flask2.build.log" 2>&1; then t_ok "flask: incremental build"; else
  t_fail "flask: incremental build"; tail -n 20 "$T_DIR/flask2.build.log" | sed 's/^/    # /'; fi
t_grep "incremental: dependencies not reinstalled" 'Dependencies unchanged since the previous image' "$T_DIR/flask2.build.log"
b_count=$(grep -c 'Installing collected packages' "$T_DIR/flask2.build.log")
t_eq "incremental: pip installed nothing" "$b_count" 0
podman load -q -i "$flask_tar" > /dev/null 2>&1
bld_run flask2 "$IMG"
bld_up "incremental: the rebuilt image answers" / 30 && \
  t_eq "incremental: Flask is still there" "$(bld_get /; cat "$T_DIR/body")" "200flask 2.2.2"
bld_stop
rm -f "$flask_tar"

d=$T_DIR/cext
printf 's2i-cext\n' > "$T_DIR/req" && mkdir -p "$d" && mv "$T_DIR/req" "$d/requirements.txt"
wsgi "$d/wsgi.py" "s2i_cext.hello()" "import s2i_cext"
app cext "$d" compiled -e "PIP_INDEX_URL=$INDEX"
bld_stop

d=$T_DIR/setuppy
mkdir -p "$d"
printf "from setuptools import setup\nsetup(name='hello-setup', version='1.0', py_modules=['hello_setup'],\n      install_requires=['s2i-legacy'])\n" > "$d/setup.py"
wsgi "$d/hello_setup.py" "s2i_legacy.GREETING" "import s2i_legacy"
app setuppy "$d" legacy -e "PIP_INDEX_URL=$INDEX"
podman logs "$CID" > "$T_DIR/setuppy.log" 2>&1
t_grep "setup.py app: found through setup.py's name" 'Serving WSGI module hello_setup' "$T_DIR/setuppy.log"
bld_stop

d=$T_DIR/setupcfg
mkdir -p "$d"
printf 'from setuptools import setup\nsetup()\n' > "$d/setup.py"
printf '[metadata]\nname = cfgapp\nversion = 1.0\n\n[options]\npy_modules = cfgapp\ninstall_requires = s2i-pure\n' > "$d/setup.cfg"
wsgi "$d/cfgapp.py" "s2i_pure.GREETING" "import s2i_pure"
app setupcfg "$d" pure -e "PIP_INDEX_URL=$INDEX"
bld_stop

d=$T_DIR/pep621
mkdir -p "$d"
printf '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "pepapp"\nversion = "1.0"\ndependencies = ["s2i-poetry"]\n\n[tool.setuptools]\npy-modules = ["wsgi"]\n' > "$d/pyproject.toml"
wsgi "$d/wsgi.py" "s2i_poetry.GREETING" "import s2i_poetry"
app pep621 "$d" poetry -e "PIP_INDEX_URL=$INDEX"
bld_stop
t_grep "PEP 621 app: the log names pyproject.toml and its backend" 'from pyproject.toml .PEP 517, backend setuptools.build_meta' "$T_DIR/pep621.build.log"

d=$T_DIR/poetry
mkdir -p "$d/src/papp" "$d/.s2i"
printf '[tool.poetry]\nname = "papp"\nversion = "1.0"\ndescription = ""\nauthors = ["a <a@example.com>"]\npackages = [{include = "papp", from = "src"}]\n\n[tool.poetry.dependencies]\npython = "^3.9"\ns2i-pure = "*"\n\n[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n' > "$d/pyproject.toml"
printf '[[package]]\nname = "s2i-pure"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = []\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.9"\ncontent-hash = "x"\n' > "$d/poetry.lock"
wsgi "$d/src/papp/__init__.py" "s2i_pure.GREETING + ' src'" "import s2i_pure"
echo 'APP_MODULE=papp' > "$d/.s2i/environment"
app poetry "$d" "pure src" -e "PIP_INDEX_URL=$INDEX"
bld_stop
t_grep "Poetry app: the log names poetry.lock" 'versions from poetry.lock' "$T_DIR/poetry.build.log"

d=$T_DIR/pipfile
mkdir -p "$d"
sha=$(sha256sum "$IDX"/simple/s2i-legacy/*.tar.gz | cut -d' ' -f1)
printf '{"_meta": {"sources": [{"name": "local", "url": "%s", "verify_ssl": false}]},\n "default": {"s2i-legacy": {"version": "==1.0", "hashes": ["sha256:%s"]}}, "develop": {}}\n' "$INDEX" "$sha" > "$d/Pipfile.lock"
wsgi "$d/wsgi.py" "'lock ' + s2i_legacy.GREETING" "import s2i_legacy"
app pipfile "$d" "lock legacy"
bld_stop
t_grep "Pipfile.lock app: the log names Pipfile.lock" 'from Pipfile.lock .the locked set' "$T_DIR/pipfile.build.log"
t_grep "the index served the builds (loopback from the build sandbox)" '"GET /simple/s2i-legacy/' "$T_DIR/http.log"

# ENABLE_PIPENV: pipenv itself installs requirements.txt (it writes a
# Pipfile naming pypi.org; PIP_INDEX_URL becomes its PyPI mirror).
d=$T_DIR/pipenv
mkdir -p "$d"
echo 's2i-pure' > "$d/requirements.txt"
wsgi "$d/wsgi.py" "'pipenv ' + s2i_pure.GREETING" "import s2i_pure"
app pipenv "$d" "pipenv pure" -e "PIP_INDEX_URL=$INDEX" -e ENABLE_PIPENV=1
bld_stop
t_grep "ENABLE_PIPENV: the log says pipenv installs" 'with pipenv .ENABLE_PIPENV.: pipenv install -r requirements.txt' "$T_DIR/pipenv.build.log"
t_grep "ENABLE_PIPENV: pipenv locked against the index" 'Locking' "$T_DIR/pipenv.build.log"

# A Django project as startproject lays it out, Django from the index
# (wheels made from Debian's python3-django): collectstatic at build time,
# migrate at start (SQLite in the emptyDir), the collected static file
# served by Apache, on a read-only root as a random UID.
if [ -d "$IDX/simple/django" ]; then
  d=$T_DIR/django
  fx_django_project "$d"
  dj=$(/usr/bin/python3 -c 'import django; print(django.get_version())')
  app django "$d" "django $dj" -e "PIP_INDEX_URL=$INDEX"
  t_grep "Django: collectstatic ran at build time" 'Collecting Django static files' "$T_DIR/django.build.log"
  t_eq "Django: the collected static file is served" "$(bld_get /static/css/site.css; cat "$T_DIR/body")" '200body { color: #0c0 }'
  t_eq "Django: by Apache, with its Content-Type" "$(bld_hdr Content-Type | cut -d';' -f1)" text/css
  t_eq "Django: a missing static file is 404" "$(bld_get /static/css/none.css)" 404
  podman logs "$CID" > "$T_DIR/django.run.log" 2>&1
  t_grep "Django: migrated at start (SQLite under /tmp)" 'Apply(ing)? .*auth' "$T_DIR/django.run.log"
  bld_stop
else
  t_skip "the index has no Django (python3-django is not installed; scripts/deps.sh installs it)" 9
fi
