#include "appfind.h"

#include "server_args.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

enum app_kind appfind(const char *home, int wsgi_only, struct app_choice *c)
{
  memset(c, 0, sizeof *c);
  if (!wsgi_only && find_shell(home, c))
    return c->kind;
  int found = find_module(c);
  if (found)
    return found < 0 ? APP_NONE : c->kind;
  if (!wsgi_only &&
      find_file(home, util_env("APP_FILE", "app.py"), APP_PYTHON, c))
    return c->kind;
  if (find_file(home, "wsgi.py", APP_WSGI_SCRIPT, c))
    return c->kind;
  if (wsgi_only)
    util_err("no WSGI application in %s: looked for $APP_MODULE "
             "(module:callable) and wsgi.py; "
             "or give an entry point in .whiskey/server_args",
             home);
  else
    util_err("no application found in %s: looked for "
             ".whiskey/action_hooks/start (executable), "
             ".whiskey/server_args, $APP_SCRIPT=%s (executable), $APP_MODULE "
             "(module:callable), "
             "$APP_FILE=%s and wsgi.py (WSGI callable 'application')",
             home, util_env("APP_SCRIPT", "app.sh"),
             util_env("APP_FILE", "app.py"));
  return APP_NONE;
}
