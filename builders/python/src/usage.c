/* usage: what this builder does and how to call s2i with it.  The lektor
 * image sets S2I_BUILDER=lektor and gets its own first paragraph. */
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char python_text[] =
    "This is the Python 3 builder (Debian 12) for s2i.\n"
    "\n"
    "It installs your source in /opt/app-root/src and its dependencies into\n"
    "the virtual environment /opt/app-root/venv (which also sees Debian's\n"
    "python3-* packages) from the first of Pipfile.lock, Pipfile,\n"
    "pyproject.toml (PEP 517; poetry.lock pins versions), requirements.txt,\n"
    "then setup.py/setup.cfg; PIP_INDEX_URL or a pip.conf in the source\n"
    "choose the index; ENABLE_PIPENV=1 installs with pipenv.  gcc and the\n"
    "Python, libpq and libffi headers build C extensions (the\n"
    "python-runtime image, with s2i build --runtime-image, leaves them\n"
    "behind).  It serves the app:\n"
    "  - a WSGI app (wsgi.py, APP_MODULE=module:callable, a Django project's\n"
    "    <project>/wsgi.py, or the module named by setup.py) with Apache\n"
    "    httpd and mod_wsgi, configured as mod_wsgi-express does\n"
    "    (embedded mode, WEB_CONCURRENCY processes; WSGI_MODE=daemon for a\n"
    "    daemon process; Django's collected static files served too), or\n"
    "    with gunicorn when APP_CONFIG names a gunicorn config;\n"
    "  - a static site with nginx: APPLICATION_TYPE=static "
    "(DOCUMENT_ROOT=DIR,\n"
    "    default the source), .whiskey/server_args (--application-type\n"
    "    static --document-root DIR), or a source with index.html and no\n"
    "    Python files; dot files are never served, ACCESS_LOG=off silences\n"
    "    the access log;\n"
    "  - app.py (APP_FILE) or an executable app.sh (APP_SCRIPT) as its own "
    "server.\n"
    "The server listens on $PORT (default 8080).  A build with nothing to\n"
    "run fails and says which variable or file chooses; set the variables\n"
    "in .s2i/environment so the build sees them.\n";

static const char lektor_text[] =
    "This is the Lektor builder (Debian 12) for s2i, built on the Python "
    "builder.\n"
    "\n"
    "A Lektor project needs nothing else: the build runs `lektor build\n"
    "--output-path /data` and nginx serves /data on $PORT (default 8080).\n"
    "Your project's own .whiskey/ files replace these defaults.\n";

static const char runtime_text[] =
    "This is the Python 3 runtime image (Debian 12) for s2i's extended\n"
    "builds: the python builder's runtime without compilers, headers, pip\n"
    "or pipenv.  It does not build; the python builder does, then s2i\n"
    "copies the app and its venv here (io.openshift.s2i.assemble-input-files)\n"
    "and assemble-runtime checks them:\n"
    "  s2i build https://github.com/you/app.git builders/python.tar my-app:1 "
    "\\\n"
    "      --runtime-image builders/python-runtime.tar -o my-app.tar\n"
    "The app is served as the python builder serves it.\n";

static const char common_text[] =
    "\n"
    "Hooks from mod_wsgi-docker, in the source's .whiskey/ directory:\n"
    "  action_hooks/pre-build, action_hooks/build    run by assemble (a "
    "failure fails the build)\n"
    "  action_hooks/deploy-env, action_hooks/deploy  run at start (a failure "
    "is reported)\n"
    "  action_hooks/start                            replaces the server\n"
    "  server_args                                   mod_wsgi-express options\n"
    "  user_vars/NAME                                environment variable "
    "NAME\n"
    "A hook runs only when executable.\n"
    "\n"
    "Sample invocation:\n"
    "  s2i build https://github.com/you/app.git %s.tar my-app:1 -o my-app.tar\n"
    "  podman load -i my-app.tar\n"
    "  podman run -u 123456:0 --read-only --tmpfs /tmp -p 8080:8080 my-app:1\n";

int main(void)
{
  const char *b = util_env("S2I_BUILDER", "python");
  int lektor = !strcmp(b, "lektor");
  if (!strcmp(b, "python-runtime")) {
    fputs(runtime_text, stdout);
    return 0;
  }
  fputs(lektor ? lektor_text : python_text, stdout);
  printf(common_text, lektor ? "builders/lektor" : "builders/python");
  return 0;
}
