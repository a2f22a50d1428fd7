/* assemble: the s2i assemble script of the python and lektor builders.
 * Installs the source into the app root, restores the pip cache, runs
 * the pre-build hook, pip install -r requirements.txt into the venv,
 * the build hook and byte-compiles.  s2i fixes group-0 permissions
 * after this (issue 3); /data is made group-writable in the image. */
#include "paths.h"
#include "proc.h"
#include "util.h"
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

static int failed(const char *what, int st)
{
  char how[96];
  util_err("%s failed with %s", what,
           st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
  return 1;
}

static int pip_install(const struct paths *p)
{
  char *req = xasprintf("%s/requirements.txt", p->src);
  int rc = 0;
  if (!util_is_file(req))
    goto out;
  char *pip = xasprintf("%s/bin/pip", p->venv);
  if (!util_is_exec(pip)) {
    util_err("requirements.txt found but no pip in the virtual environment %s",
             p->venv);
    free(pip);
    rc = 1;
    goto out;
  }
  util_step("Installing dependencies with pip from requirements.txt");
  char *argv[] = {pip,
                  "install",
                  "--disable-pip-version-check",
                  "--progress-bar",
                  "off",
                  "-r",
                  req,
                  NULL};
  int st = proc_run(argv, p->src);
  if (st != 0)
    rc = failed("pip install -r requirements.txt", st);
  free(pip);
out:
  free(req);
  return rc;
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

static void check_data_dir(const struct paths *p)
{
  if (!util_is_dir(p->data))
    util_warn("data directory %s does not exist", p->data);
  else if (access(p->data, W_OK) < 0)
    util_warn("data directory %s is not writable by this user", p->data);
}

int main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  util_prog = "assemble";
  struct paths p;
  paths_init(&p);
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
  int st = whiskey_run_hook(&p, "pre-build");
  if (st)
    return proc_exit_code(st);
  if (pip_install(&p))
    return 1;
  st = whiskey_run_hook(&p, "build");
  if (st)
    return proc_exit_code(st);
  byte_compile(&p);
  util_step("Application installed in %s", p.src);
  return 0;
}
