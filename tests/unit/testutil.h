/* Helpers for the Check unit tests: temp dirs removed at exit, small files. */
#ifndef S2I_TESTUTIL_H
#define S2I_TESTUTIL_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "error.h"
#include "fs.h"
#include "xalloc.h"

/* The interrupt flag of tu_ctx(): a test sets it to interrupt a call. */
static volatile sig_atomic_t tu_interrupted;

/* The ctx the tests pass into libs2i: defaults (stderr, level 0) and
 * tu_interrupted as its interrupt flag. */
static inline const struct s2i_ctx *tu_ctx(void)
{
  static struct s2i_ctx ctx;

  if (ctx.interrupted == NULL) {
    s2i_ctx_init(&ctx);
    ctx.interrupted = &tu_interrupted;
  }
  return &ctx;
}

/* A fresh directory under $TMPDIR; the caller removes it with tu_rmdir. */
static inline char *tu_tmpdir(void)
{
  char *t = xasprintf("%s/s2i-unit.XXXXXX",
                      getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(t));
  return t;
}

static inline void tu_rmdir(char *dir)
{
  struct s2i_error *err = NULL;
  s2i_fs_rm_rf(dir, &err);
  s2i_error_free(err);
  free(dir);
}

/* Write text to dir/rel (parents created), with mode. */
static inline void tu_write(const char *dir, const char *rel, const char *text,
                            mode_t mode)
{
  char *path = s2i_fs_join(dir, rel);
  char *parent = xstrdup(path);
  struct s2i_error *err = NULL;
  FILE *f;

  *strrchr(parent, '/') = '\0';
  ck_assert_int_eq(s2i_fs_mkdir_p(parent, 0755, &err), 0);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
  free(parent);
  free(path);
}

/* Assert a call failed and its message contains `needle`. */
#define tu_assert_error(call, errp, needle)                                    \
  do {                                                                         \
    ck_assert_int_lt((call), 0);                                               \
    ck_assert_ptr_nonnull(*(errp));                                            \
    ck_assert_msg(strstr((*(errp))->msg, (needle)) != NULL,                    \
                  "error '%s' does not mention '%s'", (*(errp))->msg,          \
                  (needle));                                                   \
    s2i_error_free(*(errp));                                                   \
    *(errp) = NULL;                                                            \
  } while (0)

/* The main() of a test file: one suite from one function. */
#define TU_MAIN(suite_fn)                                                      \
  int main(void)                                                               \
  {                                                                            \
    SRunner *sr = srunner_create(suite_fn());                                  \
    int failed;                                                                \
    srunner_run_all(sr, CK_NORMAL);                                            \
    failed = srunner_ntests_failed(sr);                                        \
    srunner_free(sr);                                                          \
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;                               \
  }

#endif
