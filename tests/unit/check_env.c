#include "testutil.h"

#include "env.h"
#include "strv.h"

START_TEST(set_get_replace)
{
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_env_set(&env, "A=1", &err), 0);
  ck_assert_int_eq(s2i_env_set(&env, "B=x=y", &err), 0);
  ck_assert_int_eq(s2i_env_set(&env, "A=2", &err), 0);
  ck_assert_int_eq(s2i_env_set(&env, "_EMPTY=", &err), 0);
  ck_assert_uint_eq(env.n, 3);
  ck_assert_str_eq(env.v[0], "A=2"); /* replaced in place */
  ck_assert_str_eq(s2i_env_get(&env, "B"), "x=y");
  ck_assert_str_eq(s2i_env_get(&env, "_EMPTY"), "");
  ck_assert_ptr_null(s2i_env_get(&env, "C"));
  ck_assert_ptr_null(s2i_env_get(&env, "")); /* no "=..." entry */
  s2i_strv_free(&env);
}
END_TEST

START_TEST(set_rejects_bad_names)
{
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_env_set(&env, "NOVALUE", &err), &err, "NOVALUE");
  tu_assert_error(s2i_env_set(&env, "1A=x", &err), &err, "1A=x");
  tu_assert_error(s2i_env_set(&env, "A-B=x", &err), &err, "A-B=x");
  tu_assert_error(s2i_env_set(&env, "=x", &err), &err, "=x");
  ck_assert_uint_eq(env.n, 0);
  s2i_strv_free(&env);
}
END_TEST

START_TEST(load_file_format)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "environment");
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  tu_write(dir, "environment",
           "# comment\n\nA=1\n  B=two words  \r\nURL=http://x/?a=b\n"
           "   # indented comment\nA=3\nLAST=no-newline",
           0644);
  ck_assert_int_eq(s2i_env_set(&env, "PRE=0", &err), 0);
  ck_assert_int_eq(s2i_env_load_file(&env, path, 0, &err), 0);
  ck_assert_str_eq(s2i_env_get(&env, "A"), "3");
  ck_assert_str_eq(s2i_env_get(&env, "B"), "two words");
  ck_assert_str_eq(s2i_env_get(&env, "URL"), "http://x/?a=b");
  ck_assert_str_eq(s2i_env_get(&env, "LAST"), "no-newline");
  ck_assert_str_eq(env.v[0], "PRE=0");
  ck_assert_uint_eq(env.n, 5);
  s2i_strv_free(&env);
  free(path);
  tu_rmdir(dir);
}
END_TEST

START_TEST(load_file_error_names_file_and_line)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "environment");
  char *want = xasprintf("%s:3", path);
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  tu_write(dir, "environment", "A=1\n# c\nnot an assignment\n", 0644);
  tu_assert_error(s2i_env_load_file(&env, path, 0, &err), &err, want);
  s2i_strv_free(&env);
  free(want);
  free(path);
  tu_rmdir(dir);
}
END_TEST

START_TEST(load_missing_file)
{
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_env_load_file(&env, "/nonexistent/env", 1, &err), 0);
  ck_assert_uint_eq(env.n, 0);
  tu_assert_error(s2i_env_load_file(&env, "/nonexistent/env", 0, &err), &err,
                  "/nonexistent/env");
  s2i_strv_free(&env);
}
END_TEST

static Suite *env_suite(void)
{
  return tu_suite(
      "env", 0, NULL,
      TU_TESTS(set_get_replace, set_rejects_bad_names, load_file_format,
               load_file_error_names_file_and_line, load_missing_file));
}

TU_MAIN(env_suite)
