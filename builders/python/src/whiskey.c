#include "whiskey.h"

#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

char *whiskey_find(const struct paths *p, const char *rel)
{
  char *own = xasprintf("%s/.whiskey/%s", p->src, rel);
  if (util_exists(own))
    return own;
  free(own);
  char *dflt = xasprintf("%s/%s", p->defaults, rel);
  if (util_exists(dflt))
    return dflt;
  free(dflt);
  return NULL;
}

int whiskey_run_hook(const struct paths *p, const char *name)
{
  char *rel = xasprintf("action_hooks/%s", name);
  char *path = whiskey_find(p, rel);
  int rc = 0;
  if (!path)
    goto out;
  if (!util_is_exec(path)) {
    util_warn("hook .whiskey/%s is not executable, not running it (chmod +x it "
              "to run it)",
              rel);
    goto out;
  }
  util_step("Running .whiskey/%s%s", rel,
            strncmp(path, p->src, strlen(p->src)) ? " (builder default)" : "");
  char *argv[] = {path, NULL};
  int st = proc_run(argv, p->src);
  if (st != 0) {
    char how[96];
    util_err("hook .whiskey/%s failed with %s", rel,
             st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
    rc = st < 0 ? 1 << 8 : st;
  }
out:
  free(path);
  free(rel);
  return rc;
}

static bool valid_name(const char *s)
{
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return false;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

int whiskey_load_user_vars(const struct paths *p, const char *envdir)
{
  if (util_mkdir_p(envdir, 0700) < 0)
    return -1;
  setenv("WHISKEY_ENVDIR", envdir, 1);
  char *src = xasprintf("%s/.whiskey/user_vars", p->src);
  int rc = util_is_dir(src) ? util_copy_tree(src, envdir) : 0;
  free(src);
  return rc < 0 ? rc : whiskey_apply_envdir(envdir);
}

/* Names set by the previous call, so vanished files unset them. */
static char **applied;
static size_t n_applied;

static bool in_dir(const char *name, char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(names[i], name))
      return true;
  return false;
}

static int set_from_file(const char *envdir, const char *name)
{
  char *path = xasprintf("%s/%s", envdir, name);
  size_t len;
  char *v = util_is_file(path) ? util_read_file(path, &len) : NULL;
  free(path);
  if (!v)
    return -1;
  while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == '\r'))
    v[--len] = '\0';
  setenv(name, v, 1);
  free(v);
  return 0;
}

int whiskey_apply_envdir(const char *envdir)
{
  DIR *d = opendir(envdir);
  if (!d)
    return 0;
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    if (!valid_name(e->d_name)) {
      util_warn("ignoring user_vars/%s: not a valid variable name", e->d_name);
      continue;
    }
    if (set_from_file(envdir, e->d_name) == 0) {
      names = xrealloc(names, (n + 1) * sizeof *names);
      names[n++] = xstrdup(e->d_name);
    }
  }
  closedir(d);
  for (size_t i = 0; i < n_applied; i++) {
    if (!in_dir(applied[i], names, n))
      unsetenv(applied[i]);
    free(applied[i]);
  }
  free(applied);
  applied = names;
  n_applied = n;
  return 0;
}
