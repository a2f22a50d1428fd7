#include "appfind.h"

#include "server_args.h"
#include "util.h"
#include "webconf.h"

#include <ctype.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int find_shell(const char *home, struct app_choice *c)
{
  const char *name = util_env("APP_SCRIPT", "app.sh");
  char *p = xasprintf("%s/%s", home, name);
  if (util_is_exec(p)) {
    c->kind = APP_SHELL;
    c->path = p;
    return 1;
  }
  if (util_exists(p))
    util_warn("%s is not executable, not running it (chmod +x it to use it)",
              name);
  free(p);
  return 0;
}

/* 1: found, 0: not set, -1: not module[:callable] (error printed). */
static int find_module(struct app_choice *c)
{
  const char *m = getenv("APP_MODULE");
  if (!m || !*m)
    return 0;
  char *mod = xstrdup(m), *colon = strchr(mod, ':');
  if (colon)
    *colon = '\0';
  if (!sa_is_module(mod) || (colon && !sa_is_identifier(colon + 1))) {
    util_err("APP_MODULE: %s is not module:callable (a dotted Python module "
             "name, optionally ':' and a Python identifier)",
             m);
    free(mod);
    return -1;
  }
  c->kind = APP_WSGI_MODULE;
  c->module = mod;
  c->callable = colon ? xstrdup(colon + 1) : NULL;
  return 1;
}

static int find_file(const char *home, const char *name, enum app_kind kind,
                     struct app_choice *c)
{
  char *p = xasprintf("%s/%s", home, name);
  if (util_is_file(p)) {
    c->kind = kind;
    c->path = p;
    return 1;
  }
  free(p);
  return 0;
}

int appfind_static_env(void)
{
  const char *t = getenv("APPLICATION_TYPE");
  if (!t || !*t)
    return 0;
  if (!strcmp(t, "static"))
    return 1;
  util_err("APPLICATION_TYPE=%s: the only value is static (WSGI apps are "
           "chosen by APP_MODULE, APP_FILE or wsgi.py)",
           t);
  return -1;
}

char *appfind_document_root(const char *home)
{
  const char *d = getenv("DOCUMENT_ROOT");
  return d && *d ? webconf_abs(home, d) : xstrdup(home);
}

static int any_entry(const char *path, const char *name, void *ctx)
{
  (void)path;
  (void)name;
  (void)ctx;
  return 1;
}

int appfind_has_content(const char *dir)
{
  return util_is_dir(dir) && util_each_entry(dir, any_entry, NULL) == 1;
}

struct py_walk {
  int depth, budget;
};

/* 1 at the first *.py (dot-directories skipped, symlinks not followed,
 * at most 10 levels and 20000 entries: past that, assume Python). */
static int find_py(const char *path, const char *name, void *ctx)
{
  struct py_walk *w = ctx;
  size_t n = strlen(name);
  if (--w->budget < 0 || (n > 3 && !strcmp(name + n - 3, ".py")))
    return 1;
  struct stat st;
  if (name[0] == '.' || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
    return 0;
  if (w->depth >= 10)
    return 1;
  w->depth++;
  int rc = util_each_entry(path, find_py, w);
  w->depth--;
  return rc;
}

/* A static site as found: index.html or index.htm, and no Python. */
static int find_static(const char *home, struct app_choice *c)
{
  char *a = xasprintf("%s/index.html", home),
       *b = xasprintf("%s/index.htm", home);
  int index = util_is_file(a) || util_is_file(b);
  free(a);
  free(b);
  struct py_walk w = {0, 20000};
  if (!index || util_each_entry(home, find_py, &w) != 0)
    return 0;
  c->kind = APP_STATIC;
  c->path = xstrdup(home);
  return 1;
}

/* module (file or package) importable from home, home/src or the venv. */
static int module_exists(const char *home, const char *mod)
{
  const char *venv = util_env("VIRTUAL_ENV", "");
  char *pat[] = {
      xasprintf("%s/%s.py", home, mod),
      xasprintf("%s/%s/__init__.py", home, mod),
      xasprintf("%s/src/%s/__init__.py", home, mod),
      xasprintf("%s/lib/python3*/site-packages/%s.py", venv, mod),
      xasprintf("%s/lib/python3*/site-packages/%s/__init__.py", venv, mod),
  };
  int found = 0;
  for (size_t i = 0; i < sizeof pat / sizeof *pat; i++) {
    glob_t g;
    if (!found && glob(pat[i], 0, NULL, &g) == 0) {
      found = 1;
      globfree(&g);
    }
    free(pat[i]);
  }
  return found;
}

/* The quoted value after KEY ('name=' in setup.py) in TEXT, or NULL. */
static char *quoted_after(const char *text, const char *key)
{
  for (const char *k = strstr(text, key); k; k = strstr(k + 1, key)) {
    const char *v = k + strlen(key);
    while (*v == ' ' || *v == '\t' || *v == '=')
      v++;
    if ((*v == '"' || *v == '\'') &&
        (k == text || !(isalnum((unsigned char)k[-1]) || k[-1] == '_'))) {
      size_t n = strcspn(v + 1, "\"'\n");
      return xasprintf("%.*s", (int)n, v + 1);
    }
  }
  return NULL;
}

/* setup.cfg's "name = x" under [metadata], unquoted. */
static char *cfg_name(const char *text)
{
  const char *m = strstr(text, "[metadata]");
  for (const char *l = m; l && (l = strchr(l, '\n')) && l[1] != '[';) {
    l++;
    if (strncmp(l, "name", 4) || !strchr(" \t=", l[4]))
      continue;
    const char *v = l + 4 + strspn(l + 4, " \t=");
    return xasprintf("%.*s", (int)strcspn(v, " \t\r\n"), v);
  }
  return NULL;
}

/* sclorg: APP_MODULE from setup.py's name ("my-app" -> my_app), when
 * that module exists; callable "application". */
static int find_setup_name(const char *home, struct app_choice *c)
{
  char *py = xasprintf("%s/setup.py", home),
       *cfg = xasprintf("%s/setup.cfg", home);
  char *t = util_is_file(py) ? util_read_file(py, NULL) : NULL;
  char *name = t ? quoted_after(t, "name") : NULL;
  free(t);
  t = !name && util_is_file(cfg) ? util_read_file(cfg, NULL) : NULL;
  if (t)
    name = cfg_name(t);
  free(t);
  free(py);
  free(cfg);
  for (char *q = name; q && *q; q++)
    if (*q == '-' || *q == '.')
      *q = '_';
  if (name && sa_is_module(name) && module_exists(home, name)) {
    c->kind = APP_WSGI_MODULE;
    c->module = name;
    return 1;
  }
  free(name);
  return 0;
}

/* The project of a Django tree: the package of manage.py's
 * DJANGO_SETTINGS_MODULE, else the directory of the only wsgi.py one
 * level down. */
static char *django_project(const char *home, const char *manage_text)
{
  char *proj = quoted_after(manage_text, "'DJANGO_SETTINGS_MODULE',");
  if (!proj)
    proj = quoted_after(manage_text, "\"DJANGO_SETTINGS_MODULE\",");
  char *dot = proj ? strrchr(proj, '.') : NULL;
  if (dot)
    *dot = '\0';
  if (proj)
    return proj;
  glob_t g;
  char *pat = xasprintf("%s/*/wsgi.py", home);
  if (glob(pat, 0, NULL, &g) == 0) {
    if (g.gl_pathc == 1) {
      proj = xstrdup(g.gl_pathv[0] + strlen(home) + 1);
      *strchr(proj, '/') = '\0';
    }
    globfree(&g);
  }
  free(pat);
  return proj;
}

/* Django (sclorg): manage.py and <project>/wsgi.py under Apache. */
static int find_django(const char *home, struct app_choice *c)
{
  char *manage = xasprintf("%s/manage.py", home);
  char *t = util_is_file(manage) ? util_read_file(manage, NULL) : NULL;
  char *proj = t ? django_project(home, t) : NULL;
  char *mod = proj ? xasprintf("%s.wsgi", proj) : NULL;
  char *file = proj ? xasprintf("%s/%s/wsgi.py", home, proj) : NULL;
  int ok = mod && sa_is_module(mod) && util_is_file(file);
  free(file);
  free(proj);
  free(t);
  free(manage);
  if (ok) {
    c->kind = APP_WSGI_MODULE;
    c->module = mod;
    return 1;
  }
  free(mod);
  return 0;
}

static void report_none(const char *home, int wsgi_only)
{
  if (wsgi_only) {
    util_err("no WSGI application in %s: looked for $APP_MODULE "
             "(module:callable) and wsgi.py; "
             "or give an entry point in .whiskey/server_args",
             home);
    return;
  }
  util_err("no application found in %s: looked for "
           ".whiskey/action_hooks/start (executable), .whiskey/server_args, "
           "$APPLICATION_TYPE=static, $APP_SCRIPT=%s (executable), "
           "$APP_MODULE (module:callable), $APP_FILE=%s, wsgi.py (WSGI "
           "callable 'application'), a Django project (manage.py and "
           "<project>/wsgi.py), the module named by setup.py or setup.cfg, "
           "and a static site (index.html or "
           "index.htm and no *.py files)",
           home, util_env("APP_SCRIPT", "app.sh"),
           util_env("APP_FILE", "app.py"));
  util_err("to choose, set APP_MODULE=module:callable, APP_FILE=file.py or "
           "APPLICATION_TYPE=static (with DOCUMENT_ROOT=dir) in "
           ".s2i/environment, or write .whiskey/server_args "
           "(see the builder's usage)");
}

enum app_kind appfind(const char *home, int wsgi_only, struct app_choice *c)
{
  memset(c, 0, sizeof *c);
  int st = wsgi_only ? 0 : appfind_static_env();
  if (st < 0)
    return APP_NONE;
  if (st) {
    c->kind = APP_STATIC;
    c->path = appfind_document_root(home);
    return c->kind;
  }
  if (!wsgi_only && find_shell(home, c))
    return c->kind;
  int found = find_module(c);
  if (found)
    return found < 0 ? APP_NONE : c->kind;
  if (!wsgi_only &&
      find_file(home, util_env("APP_FILE", "app.py"), APP_PYTHON, c))
    return c->kind;
  if (find_file(home, "wsgi.py", APP_WSGI_SCRIPT, c) || find_django(home, c) ||
      find_setup_name(home, c))
    return c->kind;
  if (!wsgi_only && find_static(home, c))
    return c->kind;
  report_none(home, wsgi_only);
  return APP_NONE;
}
