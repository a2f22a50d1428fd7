#include <sys/stat.h>
#include <time.h>

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

/* One pair of matching quotes around a value goes (issue 12); anything
 * else is kept as written. */
START_TEST(quotes_stripped)
{
  static char text[] = "D=\"x y\"\nS='x'\nM=\"x'\nI=a\"b\"\nE=\"\"\n"
                       "ONE=\"\nN=\"a\"b\"\n";
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_env_parse(&env, text, strlen(text), "f", &err), 0);
  ck_assert_str_eq(s2i_env_get(&env, "D"), "x y");
  ck_assert_str_eq(s2i_env_get(&env, "S"), "x");
  ck_assert_str_eq(s2i_env_get(&env, "M"), "\"x'");
  ck_assert_str_eq(s2i_env_get(&env, "I"), "a\"b\"");
  ck_assert_str_eq(s2i_env_get(&env, "E"), "");
  ck_assert_str_eq(s2i_env_get(&env, "ONE"), "\"");
  ck_assert_str_eq(s2i_env_get(&env, "N"), "a\"b");
  s2i_strv_free(&env);
}
END_TEST

/* A NUL used to cut the value silently. */
START_TEST(nul_is_an_error)
{
  static char text[] = "A=1\nB=se\0cret\nC=3\n";
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_env_parse(&env, text, sizeof(text) - 1, "envfile", &err),
                  &err, "envfile:2: a NUL byte");
  ck_assert_uint_eq(env.n, 0);
  s2i_strv_free(&env);
}
END_TEST

/* 40,000 distinct names once took 31 s (a linear search per line). */
START_TEST(large_file_linear)
{
  size_t n = 40000, cap = n * 32, len = 0;
  char *text = xmalloc(cap);
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;
  struct timespec t0, t1;

  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(text + len, cap - len, "NAME_%zu=v%zu\n", i, i);
  ck_assert_int_eq(s2i_env_set(&env, "NAME_7=pre", &err), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ck_assert_int_eq(s2i_env_parse(&env, text, len, "big", &err), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ck_assert_uint_eq(env.n, n);
  ck_assert_str_eq(env.v[0], "NAME_7=v7"); /* replaced in place */
  ck_assert_str_eq(s2i_env_get(&env, "NAME_39999"), "v39999");
  ck_assert_msg((t1.tv_sec - t0.tv_sec) * 1000 +
                        (t1.tv_nsec - t0.tv_nsec) / 1000000 <
                    1000,
                "40,000 lines took more than 1 s");
  s2i_strv_free(&env);
  free(text);
}
END_TEST

/* -E FILE as a FIFO: refused at once instead of waiting for a writer. */
START_TEST(fifo_refused)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "fifo");
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(mkfifo(path, 0600), 0);
  tu_assert_error(s2i_env_load_file(&env, path, 0, &err), &err,
                  "not a regular file");
  tu_assert_error(s2i_env_load_file(&env, "/dev/zero", 0, &err), &err,
                  "/dev/zero: not a regular file");
  s2i_strv_free(&env);
  free(path);
  tu_rmdir(dir);
}
END_TEST

static Suite *env_suite(void)
{
  return tu_suite("env", 0, NULL,
                  TU_TESTS(set_get_replace, set_rejects_bad_names,
                           load_file_format,
                           load_file_error_names_file_and_line,
                           load_missing_file, quotes_stripped, nul_is_an_error,
                           large_file_linear, fifo_refused));
}

TU_MAIN(env_suite)
