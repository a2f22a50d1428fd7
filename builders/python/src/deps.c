#include "deps.h"

#include "deps_helper.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE ".s2i-deps-key"

static int has(const char *src, const char *name)
{
  char *p = xasprintf("%s/%s", src, name);
  int r = util_is_file(p);
  free(p);
  return r;
}

static int set(const char *name)
{
  const char *v = getenv(name);
  return v && *v;
}

/* A line of TEXT that starts (after blanks) with WORD. */
static const char *line_starting(const char *text, const char *word)
{
  size_t n = strlen(word);
  for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l) {
    while (*l == ' ' || *l == '\t')
      l++;
    if (!strncmp(l, word, n))
      return l + n;
  }
  return NULL;
}

static char *read_opt(const char *src, const char *name)
{
  char *p = xasprintf("%s/%s", src, name);
  char *text = util_is_file(p) ? util_read_file(p, NULL) : NULL;
  free(p);
  return text;
}

/* pyproject.toml declares a project (and not only tool settings). */
static int pyproject_is_project(const char *src)
{
  char *t = read_opt(src, "pyproject.toml");
  int r =
      t && (line_starting(t, "[build-system]") ||
            line_starting(t, "[project]") || line_starting(t, "[tool.poetry]"));
  free(t);
  return r;
}

/* The build-backend named in pyproject.toml, for the log. */
static char *pyproject_backend(const char *src)
{
  char *t = read_opt(src, "pyproject.toml");
  const char *v = t ? line_starting(t, "build-backend") : NULL;
  char *r = NULL;
  if (v && (v = strpbrk(v, "\"'\n")) && *v != '\n') {
    size_t n = strcspn(v + 1, "\"'\n");
    r = xasprintf("%.*s", (int)n, v + 1);
  }
  free(t);
  return r ? r : xstrdup("setuptools (no build-backend given)");
}

int deps_plan(const char *src, struct deps_plan *plan)
{
  memset(plan, 0, sizeof *plan);
  if (set("ENABLE_PIPENV") && set("ENABLE_MICROPIPENV")) {
    util_err("ENABLE_PIPENV and ENABLE_MICROPIPENV cannot both be set "
             "(both install Pipfile.lock; unset one)");
    return -1;
  }
  if (has(src, "Pipfile.lock"))
    plan->kind = DEPS_PIPFILE_LOCK;
  else if (has(src, "Pipfile"))
    plan->kind = DEPS_PIPFILE;
  else if (pyproject_is_project(src)) {
    plan->kind = DEPS_PYPROJECT;
    plan->poetry_lock = has(src, "poetry.lock");
  } else if (has(src, "requirements.txt"))
    plan->kind = DEPS_REQUIREMENTS;
  plan->pipenv = set("ENABLE_PIPENV") && plan->kind != DEPS_PYPROJECT &&
                 plan->kind != DEPS_NONE;
  plan->setup = plan->kind != DEPS_PYPROJECT &&
                (has(src, "setup.py") || has(src, "setup.cfg")) &&
                !set("DISABLE_SETUP_PY_PROCESSING");
  return 0;
}

static const char *const key_files[][3] = {
    [DEPS_NONE] = {NULL},
    [DEPS_PIPFILE_LOCK] = {"Pipfile.lock", NULL},
    [DEPS_PIPFILE] = {"Pipfile", NULL},
    [DEPS_PYPROJECT] = {"pyproject.toml", "poetry.lock", NULL},
    [DEPS_REQUIREMENTS] = {"requirements.txt", NULL},
};

static void key_add_file(char **key, const char *src, const char *name)
{
  char *t = read_opt(src, name);
  if (!t)
    return;
  char *k = xasprintf("%s== %s %zu\n%s\n", *key, name, strlen(t), t);
  free(*key);
  free(t);
  *key = k;
}

/* Everything that decides what the dependency install gives: the
 * declaration files' contents, the Python, the pip settings.  Compared
 * byte for byte, so it is exact where a digest would only be likely. */
static char *deps_key(const struct paths *p, const struct deps_plan *plan)
{
  static const char *const vars[] = {
      "PIP_INDEX_URL",      "PIP_EXTRA_INDEX_URL",
      "PIP_TRUSTED_HOST",   "UPGRADE_PIP_TO_LATEST",
      "PIP_CONFIG_FILE",    "ENABLE_PIPENV",
      "PIPENV_PYPI_MIRROR", NULL};
  char py[PATH_MAX] = "";
  ssize_t n = readlink("/usr/bin/python3", py, sizeof py - 1);
  char *key = xasprintf("s2i deps key 1\npython %s\n", n > 0 ? py : "?");
  for (int i = 0; vars[i]; i++) {
    char *k = xasprintf("%s%s=%s\n", key, vars[i], util_env(vars[i], ""));
    free(key);
    key = k;
  }
  for (int i = 0; key_files[plan->kind][i]; i++)
    key_add_file(&key, p->src, key_files[plan->kind][i]);
  if (plan->setup) {
    key_add_file(&key, p->src, "setup.py");
    key_add_file(&key, p->src, "setup.cfg");
  }
  key_add_file(&key, p->src, "pip.conf");
  return key;
}

/* The previous image's venv when its key is KEY: copied over ours. */
static int reuse_venv(const struct paths *p, const char *key)
{
  char *old = xasprintf("%s/artifacts/venv", p->dest);
  char *kf = xasprintf("%s/" KEY_FILE, old);
  char *prev = util_is_file(kf) ? util_read_file(kf, NULL) : NULL;
  int r = 0;
  if (prev && !strcmp(prev, key)) {
    r = util_copy_tree(old, p->venv) == 0;
    if (!r)
      util_warn("could not restore the previous virtual environment, "
                "installing again");
  } else if (util_is_dir(old))
    util_step("Dependencies changed since the previous image: installing "
              "them again");
  free(prev);
  free(kf);
  free(old);
  return r;
}

static int pip(const struct paths *p, const char *what, char **args)
{
  char *argv[16] = {NULL};
  int n = 0;
  char *bin = xasprintf("%s/bin/pip", p->venv);
  argv[n++] = bin;
  argv[n++] = "install";
  argv[n++] = "--disable-pip-version-check";
  argv[n++] = "--progress-bar";
  argv[n++] = "off";
  for (int i = 0; args[i] && n < 15; i++)
    argv[n++] = args[i];
  int st = util_is_exec(bin) ? proc_run(argv, p->src) : -1;
  if (!util_is_exec(bin))
    util_err("no pip in the virtual environment %s", p->venv);
  else if (st != 0) {
    char how[96];
    util_err("pip install (%s) failed with %s", what,
             st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
  }
  free(bin);
  return st == 0 ? 0 : 1;
}

#define PIP(p, what, ...) pip(p, what, (char *[]){__VA_ARGS__, NULL})

/* Runs the helper that turns KIND's file into the requirements file
 * OUT; 0 or 1 (its message printed). */
static int helper(const struct paths *p, const char *kind, const char *out)
{
  char *argv[] = {(char *)paths_python(p),
                  "-c",
                  (char *)DEPS_HELPER,
                  (char *)kind,
                  p->src,
                  (char *)out,
                  NULL};
  int st = proc_run(argv, p->src);
  if (st == 0)
    return 0;
  util_err("could not read the dependency declaration (%s)", kind);
  return 1;
}

static int nonempty(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && st.st_size > 0;
}

static int install_pipfile(const struct paths *p, const char *dir, int lock)
{
  char *out = xasprintf("%s/requirements.txt", dir);
  char *local = xasprintf("%s.local", out);
  int rc = helper(p, lock ? "pipfile-lock" : "pipfile", out);
  if (!rc && lock)
    rc = PIP(p, "Pipfile.lock", "--no-deps", "-r", out);
  else if (!rc)
    rc = PIP(p, "Pipfile", "-r", out);
  if (!rc && lock && nonempty(local))
    rc = PIP(p, "Pipfile.lock path entries", "--no-deps", "-r", local);
  free(local);
  free(out);
  return rc;
}

#define PIPENV "/usr/bin/pipenv"

/* ENABLE_PIPENV, as sclorg's assemble: `pipenv install --deploy` for a
 * Pipfile (locking first when there is no Pipfile.lock; a lock that no
 * longer matches the Pipfile fails), `pipenv install -r requirements.txt`
 * otherwise, into the app's venv (VIRTUAL_ENV).  pipenv writes its own
 * index URL (pypi.org) into the Pipfile it makes from requirements.txt,
 * so an http(s) PIP_INDEX_URL becomes PIPENV_PYPI_MIRROR, which pipenv
 * puts in its place. */
static int install_pipenv(const struct paths *p, const struct deps_plan *pl,
                          const char *dir)
{
  if (!util_is_exec(PIPENV)) {
    util_err("ENABLE_PIPENV is set but this image has no pipenv (" PIPENV
             "); unset it to install with pip");
    return 1;
  }
  const char *idx = util_env("PIP_INDEX_URL", "");
  if (!set("PIPENV_PYPI_MIRROR") &&
      (!strncmp(idx, "http://", 7) || !strncmp(idx, "https://", 8)))
    setenv("PIPENV_PYPI_MIRROR", idx, 1);
  char *cache = xasprintf("%s/pipenv-cache", dir);
  setenv("VIRTUAL_ENV", p->venv, 1);
  setenv("PIPENV_CACHE_DIR", cache, 1);
  setenv("PIPENV_VERBOSITY", "-1", 0);
  setenv("PIPENV_NOSPIN", "1", 0);
  setenv("PIPENV_YES", "1", 0);
  char *deploy[] = {PIPENV, "install", "--deploy", NULL};
  char *reqs[] = {PIPENV, "install", "-r", "requirements.txt", NULL};
  int st = proc_run(pl->kind == DEPS_REQUIREMENTS ? reqs : deploy, p->src);
  if (st != 0) {
    char how[96];
    util_err("pipenv install (ENABLE_PIPENV) failed with %s",
             st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
  }
  free(cache);
  return st == 0 ? 0 : 1;
}

static int install_pyproject(const struct paths *p, const struct deps_plan *pl,
                             const char *dir)
{
  if (!pl->poetry_lock)
    return PIP(p, "pyproject.toml", p->src);
  char *out = xasprintf("%s/requirements.txt", dir);
  int rc = helper(p, "poetry-lock", out);
  if (!rc)
    rc = PIP(p, "pyproject.toml with poetry.lock", "-r", out);
  free(out);
  return rc;
}

static void say_plan(const struct paths *p, const struct deps_plan *pl)
{
  if (pl->pipenv) {
    util_step("Installing dependencies with pipenv (ENABLE_PIPENV): %s",
              pl->kind == DEPS_REQUIREMENTS
                  ? "pipenv install -r requirements.txt"
              : pl->kind == DEPS_PIPFILE_LOCK
                  ? "pipenv install --deploy, from Pipfile.lock"
                  : "pipenv install --deploy, locking the Pipfile first");
    return;
  }
  switch (pl->kind) {
  case DEPS_PIPFILE_LOCK:
    util_step("Installing dependencies from Pipfile.lock (the locked set, "
              "with pip; pipenv is not needed)");
    break;
  case DEPS_PIPFILE:
    util_step("Installing dependencies from Pipfile (no Pipfile.lock: the "
              "newest versions it allows)");
    break;
  case DEPS_PYPROJECT: {
    char *b = pyproject_backend(p->src);
    util_step("Installing the project and its dependencies from "
              "pyproject.toml (PEP 517, backend %s)%s",
              b, pl->poetry_lock ? ", versions from poetry.lock" : "");
    free(b);
    break;
  }
  case DEPS_REQUIREMENTS:
    util_step("Installing dependencies from requirements.txt");
    break;
  case DEPS_NONE: break;
  }
}

static int install_fresh(const struct paths *p, const struct deps_plan *pl)
{
  char *dir = xasprintf("%s/s2i-deps.XXXXXX", p->tmp);
  int rc = 0;
  if (!mkdtemp(dir)) {
    util_err("cannot create a directory in %s: %s", p->tmp, strerror(errno));
    free(dir);
    return 1;
  }
  if (set("UPGRADE_PIP_TO_LATEST")) {
    util_step("Upgrading pip, setuptools and wheel to the latest version");
    rc = PIP(p, "UPGRADE_PIP_TO_LATEST", "-U", "pip", "setuptools", "wheel");
  }
  say_plan(p, pl);
  if (rc) {
  } else if (pl->pipenv)
    rc = install_pipenv(p, pl, dir);
  else if (pl->kind == DEPS_PIPFILE_LOCK || pl->kind == DEPS_PIPFILE)
    rc = install_pipfile(p, dir, pl->kind == DEPS_PIPFILE_LOCK);
  else if (pl->kind == DEPS_PYPROJECT)
    rc = install_pyproject(p, pl, dir);
  else if (pl->kind == DEPS_REQUIREMENTS)
    rc = PIP(p, "requirements.txt", "-r", "requirements.txt");
  if (!rc && pl->setup) {
    util_step("Installing the application from setup.py/setup.cfg");
    rc = PIP(p, "setup.py", p->src);
  }
  util_rm_tree(dir);
  free(dir);
  return rc;
}

static void use_pip_conf(const struct paths *p)
{
  char *conf = xasprintf("%s/pip.conf", p->src);
  if (util_is_file(conf) && !set("PIP_CONFIG_FILE")) {
    util_step("Using pip's configuration from pip.conf");
    setenv("PIP_CONFIG_FILE", conf, 1);
  }
  free(conf);
}

int deps_install(const struct paths *p, const struct deps_plan *plan)
{
  use_pip_conf(p);
  if (plan->kind == DEPS_NONE && !plan->setup && !set("UPGRADE_PIP_TO_LATEST"))
    return 0;
  char *key = deps_key(p, plan);
  char *kf = xasprintf("%s/" KEY_FILE, p->venv);
  int rc = 0;
  if (reuse_venv(p, key)) {
    util_step("Dependencies unchanged since the previous image: reusing its "
              "virtual environment");
    if (plan->kind == DEPS_PYPROJECT || plan->setup)
      rc = PIP(p, "the project", "--no-deps", p->src);
  } else {
    unlink(kf);
    rc = install_fresh(p, plan);
  }
  if (!rc && util_write_file(kf, key) < 0)
    util_warn("%s not written: the next build installs again", kf);
  free(kf);
  free(key);
  return rc;
}
