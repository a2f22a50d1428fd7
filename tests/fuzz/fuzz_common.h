/* Shared by the libFuzzer targets: a quiet ctx (warnings to /dev/null)
 * and a private scratch directory made once per process. */
#ifndef S2I_FUZZ_COMMON_H
#define S2I_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "error.h"
#include "fs.h"

static inline const struct s2i_ctx *fz_ctx(void)
{
  static struct s2i_ctx ctx;
  static int ready;

  if (!ready) {
    s2i_ctx_init(&ctx);
    ctx.quiet = 1;
    ctx.log = fopen("/dev/null", "we");
    ready = 1;
  }
  return &ctx;
}

/* Below $TMPDIR (the test suite points it at its own temp dir). */
static inline const char *fz_scratch(void)
{
  static char dir[4096];

  if (dir[0] == '\0') {
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/s2i-fuzz.XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL)
      abort();
  }
  return dir;
}

/* Write data to scratch/name; the full path (the caller frees). */
static inline char *fz_write(const char *name, const uint8_t *data, size_t n)
{
  char *path = s2i_fs_join(fz_scratch(), name);
  FILE *f = fopen(path, "we");

  if (f != NULL) {
    fwrite(data, 1, n, f);
    fclose(f);
  }
  return path;
}

#endif
