#!/bin/bash
# The sclorg conventions run finds without configuration (dry run):
# a Django project through manage.py, the module named by setup.py or
# setup.cfg, APP_CONFIG (gunicorn), and assemble failing when they
# point at nothing.
source "$(dirname "$0")/common.sh"
t_plan 19

dry() { S2I_RUN_DRY_RUN=1 b_as_user "$BB/run" > "$T_DIR/out" 2>&1; }

b_env django
S=$APP_ROOT/src; mkdir -p "$S"
mkdir -p "$S/mysite" "$S/other"
printf "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n" > "$S/manage.py"
echo 'application = None' > "$S/mysite/wsgi.py"
echo 'application = None' > "$S/other/wsgi.py"
b_own
t_check "Django project: run starts" dry
t_grep "Django project: served as <project>.wsgi from manage.py's settings" 'Serving WSGI module mysite.wsgi' "$T_DIR/out"
t_grep "Django project: handler imports mysite.wsgi" "entry_point = 'mysite.wsgi'" "$TMPDIR/httpd/handler.wsgi"

b_env django-nosettings
S=$APP_ROOT/src; mkdir -p "$S"
mkdir -p "$S/proj"
echo 'print(1)' > "$S/manage.py"
echo 'application = None' > "$S/proj/wsgi.py"
b_own
dry
t_grep "Django project without settings in manage.py: the only */wsgi.py" 'Serving WSGI module proj.wsgi' "$T_DIR/out"

b_env setup-name
S=$APP_ROOT/src; mkdir -p "$S"
mkdir -p "$S/my_app"
printf "from setuptools import setup\nsetup(\n    name='my-app',\n    version='1.0',\n)\n" > "$S/setup.py"
echo 'application = None' > "$S/my_app/__init__.py"
b_own
t_check "setup.py name: run starts" dry
t_grep "setup.py name: module my_app (dash to underscore)" 'Serving WSGI module my_app ' "$T_DIR/out"

b_env setup-cfg-name
S=$APP_ROOT/src; mkdir -p "$S"
printf '[metadata]\nname = cfgmod\nversion = 1\n' > "$S/setup.cfg"
echo 'application = None' > "$S/cfgmod.py"
b_own
dry
t_grep "setup.cfg name: module cfgmod" 'Serving WSGI module cfgmod ' "$T_DIR/out"

b_env setup-name-missing
S=$APP_ROOT/src; mkdir -p "$S"
printf "from setuptools import setup\nsetup(name='nothere')\n" > "$S/setup.py"
b_own
if dry; then t_fail "setup.py naming a missing module: run must fail"; else t_ok "setup.py naming a missing module: run fails"; fi
t_grep "the error lists setup.py among the places looked at" 'the module named by setup.py' "$T_DIR/out"
mkdir -p "$B_ROOT/dest/src"
cp "$S/setup.py" "$B_ROOT/dest/src/"
DISABLE_SETUP_PY_PROCESSING=1 b_assemble > "$T_DIR/a.log" 2>&1
t_eq "setup.py naming a missing module: assemble fails" "$?" 1
t_grep "assemble says the image would have nothing to run" 'would have nothing to run' "$T_DIR/a.log"

b_env app-config
S=$APP_ROOT/src; mkdir -p "$S"
mkdir -p "$APP_ROOT/venv/bin"
echo 'application = None' > "$S/wsgi.py"
echo 'workers = 2' > "$S/gunicorn.conf.py"
b_own
APP_CONFIG=gunicorn.conf.py dry
t_eq "APP_CONFIG without gunicorn: run fails" "$?" 1
t_grep "APP_CONFIG without gunicorn: the error says what to add" 'gunicorn is not installed in .*add gunicorn to the app' "$T_DIR/out"
printf '#!/bin/sh\n' > "$APP_ROOT/venv/bin/gunicorn"
chmod 755 "$APP_ROOT/venv/bin/gunicorn"
b_own
APP_CONFIG=gunicorn.conf.py PORT=9099 dry
t_eq "APP_CONFIG with gunicorn: run starts" "$?" 0
t_grep "APP_CONFIG: gunicorn with the config, sclorg's arguments" "would exec: $APP_ROOT/venv/bin/gunicorn wsgi --bind=0.0.0.0:9099 --access-logfile=- --config=gunicorn.conf.py" "$T_DIR/out"
APP_MODULE=pkg.web:make APP_CONFIG=g.py dry
t_grep "APP_CONFIG with APP_MODULE: module:callable for gunicorn" "gunicorn pkg.web:make --bind" "$T_DIR/out"

b_env web-concurrency
S=$APP_ROOT/src; mkdir -p "$S"
echo 'application = None' > "$S/wsgi.py"
b_own
WEB_CONCURRENCY=4 dry
t_grep "WEB_CONCURRENCY=4: four Apache children run the app" '^ServerLimit 4$' "$TMPDIR/httpd/httpd.conf"
WEB_CONCURRENCY=lots dry
t_eq "WEB_CONCURRENCY not a number: run fails" "$?" 1
t_grep "WEB_CONCURRENCY not a number: the error names it" 'WEB_CONCURRENCY=lots is not a number' "$T_DIR/out"
