/* save-artifacts: streams what makes the next build faster, the pip
 * cache and the venv when assemble recorded what it was installed from
 * (deps.c reuses it when that is unchanged), as a tar on stdout.  s2i unpacks
 * it at <destination>/artifacts and assemble restores it.  The tar is written
 * here in C (tar.c), so the image needs no tar binary and nothing else writes
 * to stdout. */
#include "paths.h"
#include "tar.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  util_prog = "save-artifacts";
  struct paths p;
  paths_init(&p);
  struct stat st;
  if (stat(p.pip_cache, &st) == 0 && S_ISDIR(st.st_mode) &&
      tar_put_entry(stdout, p.pip_cache, "pip-cache", &st) < 0)
    return 1;
  char *key = xasprintf("%s/.s2i-deps-key", p.venv);
  int venv = stat(key, &st) == 0 && stat(p.venv, &st) == 0;
  free(key);
  if (venv && tar_put_entry(stdout, p.venv, "venv", &st) < 0)
    return 1;
  return tar_finish(stdout) < 0 ? 1 : 0;
}
