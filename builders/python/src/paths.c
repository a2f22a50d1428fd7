#include "paths.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

void paths_init(struct paths *p)
{
  p->app_root = xstrdup(util_env("APP_ROOT", "/opt/app-root"));
  p->src = xasprintf("%s/src", p->app_root);
  p->venv = xasprintf("%s/venv", p->app_root);
  p->data = xstrdup(util_env("WHISKEY_DATADIR", "/data"));
  p->tmp = xstrdup(util_env("TMPDIR", "/tmp"));
  p->dest = xstrdup(util_env("S2I_DESTINATION", "/tmp"));
  const char *pc = getenv("PIP_CACHE_DIR");
  p->pip_cache =
      pc && *pc ? xstrdup(pc) : xasprintf("%s/.cache/pip", p->app_root);
  p->defaults = xstrdup(util_env("WHISKEY_DEFAULTS", "/usr/share/s2i/whiskey"));
}

void paths_export(const struct paths *p)
{
  setenv("WHISKEY_RUNTIME", "s2i", 1);
  setenv("WHISKEY_HOMEDIR", p->src, 1);
  setenv("WHISKEY_DATADIR", p->data, 1);
  setenv("WHISKEY_TEMPDIR", p->tmp, 1);
  setenv("PIP_CACHE_DIR", p->pip_cache, 1);
  if (!util_is_dir(p->venv))
    return;
  setenv("VIRTUAL_ENV", p->venv, 1);
  char *bin = xasprintf("%s/bin", p->venv);
  const char *path = util_env("PATH", "/usr/local/bin:/usr/bin:/bin");
  size_t n = strlen(bin);
  if (strncmp(path, bin, n) != 0 || (path[n] != ':' && path[n] != '\0')) {
    char *np = xasprintf("%s:%s", bin, path);
    setenv("PATH", np, 1);
    free(np);
  }
  free(bin);
}

const char *paths_python(const struct paths *p)
{
  static char *py;
  if (!py) {
    py = xasprintf("%s/bin/python", p->venv);
    if (!util_is_exec(py)) {
      free(py);
      py = xstrdup("python3");
    }
  }
  return py;
}
