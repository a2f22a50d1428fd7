/* What a user sees on stderr: steps, quiet, warnings, no progress lines
 * when stderr is not a terminal. */
#include "testutil.h"

#include "log.h"

/* Run fn with stderr sent to a file; return what it printed. */
static char *capture(void (*fn)(void))
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "err");
  struct s2i_error *err = NULL;
  int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  char *text = NULL;

  fflush(stderr);
  dup2(fd, 2);
  close(fd);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, path, &err), 0);
  free(path);
  tu_rmdir(dir);
  return text;
}

static void steps(void)
{
  struct s2i_progress p;

  s2i_log_step("Copying %d files", 3);
  s2i_log_debug(1, "detail");
  s2i_log_warn("careful");
  s2i_progress_begin(&p, "unpacking", 100);
  s2i_progress_add(&p, 100);
  s2i_progress_end(&p);
}

START_TEST(steps_and_quiet)
{
  char *t;

  s2i_log_set_quiet(0);
  s2i_log_set_level(0);
  t = capture(steps);
  ck_assert_str_eq(t, "---> Copying 3 files\nwarning: careful\n");
  free(t);
  s2i_log_set_level(1);
  t = capture(steps);
  ck_assert_str_eq(t, "---> Copying 3 files\n     detail\nwarning: careful\n");
  free(t);
  s2i_log_set_quiet(1);
  t = capture(steps);
  ck_assert_str_eq(t, "warning: careful\n"); /* warnings survive -q */
  free(t);
  s2i_log_set_quiet(0);
  s2i_log_set_level(2);
  t = capture(steps);
  ck_assert_ptr_nonnull(strstr(t, "s] ---> Copying 3 files\n"));
  ck_assert_int_eq(t[0], '[');
  free(t);
}
END_TEST

static Suite *log_suite(void)
{
  return tu_suite("log", 0, NULL, TU_TESTS(steps_and_quiet));
}

TU_MAIN(log_suite)
