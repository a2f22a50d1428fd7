/* assemble: the s2i assemble script of the python and lektor builders.
 * Installs the source into the app root, restores the pip cache, runs
 * the pre-build hook, installs the dependencies into the venv (deps.c),
 * the build hook, Django's collectstatic, and byte-compiles.  s2i fixes group-0
 * permissions after this (issue 3); /data is made group-writable in the image.
 */
#include "appfind.h"
#include "deps.h"
#include "paths.h"
#include "proc.h"
#include "server_args.h"
#include "util.h"
#include "webconf.h"
#include "whiskey.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int install_source(const struct paths *p)
{
  char *from = xasprintf("%s/src", p->dest);
  int rc = -1;
  if (!util_is_dir(from)) {
    util_err("no application source at %s (s2i puts it at <destination>/src)",
             from);
    goto out;
  }
  util_step("Installing application source from %s into %s", from, p->src);
  if (util_mkdir_p(p->src, 0775) < 0 || util_copy_tree(from, p->src) < 0)
    goto out;
  rc = 0;
out:
  free(from);
  return rc;
}

static int restore_artifacts(const struct paths *p)
{
  char *from = xasprintf("%s/artifacts/pip-cache", p->dest);
  int rc = 0;
  if (util_is_dir(from)) {
    util_step("Restoring pip cache from the previous image");
    rc = util_mkdir_p(p->pip_cache, 0775);
    if (rc == 0)
      rc = util_copy_tree(from, p->pip_cache);
    if (rc < 0)
      util_warn("could not restore the pip cache, continuing without it");
  }
  free(from);
  return 0;
}

static int install_deps(const struct paths *p)
{
  struct deps_plan plan;
  if (deps_plan(p->src, &plan) < 0)
    return 1;
  return deps_install(p, &plan);
}

/* Where collectstatic put the files and under which URL, for run (an
 * absolute STATIC_ROOT and a local STATIC_URL other than "/" only). */
static const char django_static_py[] =
    "import os\n"
    "from django.conf import settings as s\n"
    "url, root = str(s.STATIC_URL or ''), str(s.STATIC_ROOT or '')\n"
    "url = ('/' + url.lstrip('/')).rstrip('/') if '://' not in url else ''\n"
    "with open(os.environ['S2I_DJANGO_STATIC'], 'w') as f:\n"
    "    if url and os.path.isabs(root):\n"
    "        f.write('%s\\n%s\\n' % (url, root.rstrip('/')))\n";

static void django_static(const struct paths *p, const char *py,
                          const char *manage, const char *home)
{
  char *out = xasprintf("%s/" PATHS_DJANGO_STATIC, p->venv);
  char *argv[] = {(char *)py, (char *)manage,           "shell",
                  "-c",       (char *)django_static_py, NULL};
  setenv("S2I_DJANGO_STATIC", out, 1);
  if (proc_run(argv, home) != 0) {
    util_warn("could not read STATIC_URL and STATIC_ROOT from Django's "
              "settings: Apache will not serve the static files");
    unlink(out);
  }
  unsetenv("S2I_DJANGO_STATIC");
  free(out);
}

/* Django (sclorg): manage.py collectstatic at build time, unless
 * DISABLE_COLLECTSTATIC; a failure is a warning, as there. */
static void collectstatic(const struct paths *p)
{
  const char *off = getenv("DISABLE_COLLECTSTATIC");
  const char *sub = getenv("APP_HOME");
  char *home = sub && *sub ? webconf_abs(p->src, sub) : xstrdup(p->src);
  char *manage = xasprintf("%s/manage.py", home);
  char *py = (char *)paths_python(p);
  char *probe[] = {py, "-c", "import django", NULL};
  if (!(off && *off) && util_is_file(manage) &&
      proc_run_quiet(probe, home) == 0) {
    util_step("Collecting Django static files (manage.py collectstatic; "
              "DISABLE_COLLECTSTATIC=1 skips it)");
    char *argv[] = {py, manage, "collectstatic", "--noinput", NULL};
    int st = proc_run(argv, home);
    if (st != 0)
      util_warn("manage.py collectstatic failed; to see why, run: python "
                "manage.py collectstatic --noinput");
    else
      django_static(p, py, manage, home);
  }
  free(manage);
  free(home);
}

static void byte_compile(const struct paths *p)
{
  util_step("Byte-compiling the application");
  /* Skip dot-directories such as .git/ and .whiskey/. */
  char *argv[] = {(char *)paths_python(p),
                  "-m",
                  "compileall",
                  "-q",
                  "-j",
                  "0",
                  "-x",
                  "/\\.",
                  p->src,
                  NULL};
  int st = proc_run(argv, p->src);
  if (st != 0) {
    char how[96];
    util_warn(
        "byte-compiling failed with %s (continuing: Python compiles at import)",
        st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
  }
}

static int check_static(const char *root)
{
  if (appfind_has_content(root))
    return 0;
  util_err("static site: the document root %s %s after the build; write it "
           "in .whiskey/action_hooks/build, or point DOCUMENT_ROOT (or "
           "--document-root in .whiskey/server_args) at the built site",
           root, util_is_dir(root) ? "is empty" : "does not exist");
  return -1;
}

/* server_args as run will read it; environment defaults as run applies
 * them (APPLICATION_TYPE, DOCUMENT_ROOT). */
static int check_server_args(char **words, const char *home)
{
  struct server_opts o;
  char err[512];
  server_opts_init(&o);
  if (server_opts_parse(&o, words, err, sizeof err) < 0) {
    util_err(".whiskey/server_args: %s", err);
    return -1;
  }
  int st = appfind_static_env();
  if (st < 0)
    return -1;
  const char *type =
      o.application_type ? o.application_type : (st ? "static" : "script");
  if (!strcmp(type, "static")) {
    char *root = o.document_root ? webconf_abs(home, o.document_root)
                                 : appfind_document_root(home);
    int rc = check_static(root);
    free(root);
    return rc;
  }
  struct app_choice c;
  if (!o.entry_point)
    return appfind(home, 1, &c) == APP_NONE ? -1 : 0;
  if (strcmp(type, "script"))
    return 0;
  char *script = webconf_abs(home, o.entry_point);
  int ok = util_is_file(script);
  if (!ok)
    util_err(".whiskey/server_args: the WSGI script %s does not exist after "
             "the build",
             script);
  free(script);
  return ok ? 0 : -1;
}

static char **read_words(const char *path)
{
  char *text = util_read_file(path, NULL);
  char err[512] = "";
  char **words = text ? server_args_split(text, err, sizeof err) : NULL;
  free(text);
  if (!words && *err)
    util_err(".whiskey/server_args: %s", err);
  return words;
}

static int check_home(const struct paths *p, const char *home)
{
  char *args = whiskey_find(p, "server_args");
  int rc;
  if (args) {
    char **words = read_words(args);
    rc = words ? check_server_args(words, home) : -1;
    server_args_free_words(words);
    free(args);
    return rc;
  }
  struct app_choice c;
  switch (appfind(home, 0, &c)) {
  case APP_NONE: return -1;
  case APP_STATIC: rc = check_static(c.path); break;
  default: rc = 0;
  }
  free(c.path);
  return rc;
}

/* Fails the build, not the first start, when the image would have
 * nothing to run: the same choice run makes, checked now. */
static int check_runnable(const struct paths *p)
{
  char *start = whiskey_find(p, "action_hooks/start");
  int hook = start && util_is_exec(start);
  free(start);
  if (hook)
    return 0;
  const char *sub = getenv("APP_HOME");
  char *home = sub && *sub ? webconf_abs(p->src, sub) : xstrdup(p->src);
  int rc = -1;
  if (!util_is_dir(home))
    util_err("APP_HOME %s is not a directory", home);
  else
    rc = check_home(p, home);
  free(home);
  if (rc < 0)
    util_err("the image would have nothing to run: failing the build now "
             "rather than at start");
  return rc;
}

static void check_data_dir(const struct paths *p)
{
  if (!util_is_dir(p->data))
    util_warn("data directory %s does not exist", p->data);
  else if (access(p->data, W_OK) < 0)
    util_warn("data directory %s is not writable by this user", p->data);
}

/* The steps after the source is in place; the exit code. */
static int build(const struct paths *p)
{
  int st = whiskey_run_hook(p, "pre-build");
  if (st)
    return proc_exit_code(st);
  if (install_deps(p))
    return 1;
  st = whiskey_run_hook(p, "build");
  if (st)
    return proc_exit_code(st);
  collectstatic(p);
  if (check_runnable(p) < 0)
    return 1;
  byte_compile(p);
  util_step("Application installed in %s", p->src);
  return 0;
}

/* assemble-runtime (the python-runtime image, extended builds): s2i has
 * copied the builder's app and venv here (the image's
 * io.openshift.s2i.assemble-input-files label, or -a); check that they
 * came and that the result has something to run, as assemble does. */
static int assemble_runtime(const struct paths *p)
{
  char *py = xasprintf("%s/bin/python", p->venv);
  int rc = 1;
  if (!appfind_has_content(p->src) || chdir(p->src) < 0)
    util_err("no application in %s: the builder's %s was not copied here "
             "(the io.openshift.s2i.assemble-input-files label, or -a "
             "%s:.)",
             p->src, p->src, p->src);
  else if (!util_is_exec(py))
    util_err("no virtual environment in %s: the builder's was not copied "
             "here (-a %s:.)",
             p->venv, p->venv);
  else {
    paths_export(p);
    rc = check_runnable(p) < 0;
  }
  if (!rc)
    util_step("Application and its virtual environment from the builder in "
              "place in %s",
              p->app_root);
  free(py);
  return rc;
}

int main(int argc, char **argv)
{
  (void)argc;
  const char *name = strrchr(argv[0], '/');
  name = name ? name + 1 : argv[0];
  util_prog = "assemble";
  struct paths p;
  paths_init(&p);
  if (!strcmp(name, "assemble-runtime")) {
    util_prog = "assemble-runtime";
    return assemble_runtime(&p);
  }
  umask(002);
  if (install_source(&p) < 0)
    return 1;
  restore_artifacts(&p);
  paths_export(&p);
  if (chdir(p.src) < 0) {
    util_err("cannot enter %s: %s", p.src, strerror(errno));
    return 1;
  }
  check_data_dir(&p);
  /* The builder's TMPDIR (/tmp/s2i) is made by the init at run time; pip
   * and the hooks need it now.  Removed afterwards: left in the image, a
   * directory of uid 1001 there would be refused by the init. */
  int made_tmp = !util_is_dir(p.tmp) && util_mkdir_p(p.tmp, 0700) == 0;
  int rc = build(&p);
  if (made_tmp)
    util_rm_tree(p.tmp);
  return rc;
}
