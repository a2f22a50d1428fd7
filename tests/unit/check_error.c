#include <errno.h>

#include "testutil.h"

#include <signal.h>

START_TEST(error_prefix_keeps_callee_message)
{
  struct s2i_error *err = NULL;

  s2i_error_make(&err, ENOENT, "open %s", "x.tar");
  s2i_error_make(&err, 0, "overwrite attempt");
  s2i_error_prefix(&err, "builder %s", "b");
  ck_assert_str_eq(err->msg,
                   "builder b: open x.tar: No such file or directory");
  s2i_error_free(err);
}
END_TEST

START_TEST(error_exit_codes_and_interrupt)
{
  struct s2i_error *err = NULL;

  s2i_error_make(&err, 0, "x");
  ck_assert_int_eq(err->exit_code, S2I_EXIT_FAILURE);
  s2i_error_set_exit(&err, S2I_EXIT_ASSEMBLE);
  ck_assert_int_eq(err->exit_code, S2I_EXIT_ASSEMBLE);
  s2i_error_free(err);
  err = NULL;
  ck_assert_int_eq(s2i_ctx_check_interrupt(tu_ctx(), &err), 0);
  tu_interrupted = SIGINT;
  ck_assert_int_lt(s2i_ctx_check_interrupt(tu_ctx(), &err), 0);
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  ck_assert_ptr_nonnull(strstr(err->msg, "interrupted"));
  tu_interrupted = 0;
  s2i_error_free(err);
}
END_TEST

START_TEST(error_json_adapter_names_line)
{
  struct s2i_error *err = NULL;

  s2i_error_json(&err, "unexpected token", 3, "%s", "meta.json");
  ck_assert_str_eq(err->msg,
                   "meta.json: invalid JSON at line 3: unexpected token");
  s2i_error_free(err);
}
END_TEST

static Suite *error_suite(void)
{
  return tu_suite("error", 0, NULL,
                  TU_TESTS(error_prefix_keeps_callee_message,
                           error_exit_codes_and_interrupt,
                           error_json_adapter_names_line));
}

TU_MAIN(error_suite)
