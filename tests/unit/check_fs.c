#include <errno.h>

#include "testutil.h"

#include "digest.h"
#include "strv.h"

START_TEST(path_safety)
{
  ck_assert(s2i_fs_path_is_safe("a/b/c"));
  ck_assert(s2i_fs_path_is_safe("a/..b/c.."));
  ck_assert(!s2i_fs_path_is_safe("../a"));
  ck_assert(!s2i_fs_path_is_safe("a/../../b"));
  ck_assert(!s2i_fs_path_is_safe("a/.."));
  ck_assert(!s2i_fs_path_is_safe("/etc/passwd"));
  ck_assert(!s2i_fs_path_is_safe(""));
}
END_TEST

START_TEST(mkdir_rm_tree)
{
  char *dir = tu_tmpdir();
  char *deep = s2i_fs_join(dir, "a/b/c");
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_fs_mkdir_p(deep, 0755, &err), 0);
  tu_write(dir, "a/b/c/file", "x", 0644);
  {
    char *link = s2i_fs_join(dir, "a/etc-link");
    ck_assert_int_eq(symlink("/etc", link), 0); /* must not be followed */
    free(link);
  }
  ck_assert(s2i_fs_is_dir(deep));
  ck_assert_int_eq(s2i_fs_rm_rf(dir, &err), 0);
  ck_assert(!s2i_fs_exists(dir));
  ck_assert(s2i_fs_exists("/etc/passwd"));
  ck_assert_int_eq(s2i_fs_rm_rf(dir, &err), 0); /* missing is fine */
  free(deep);
  free(dir);
}
END_TEST

START_TEST(read_missing_names_path)
{
  struct s2i_error *err = NULL;
  char *buf = NULL;

  tu_assert_error(s2i_fs_read_file(&buf, NULL, "/nonexistent/x", &err), &err,
                  "/nonexistent/x");
}
END_TEST

START_TEST(write_atomic)
{
  char *dir = tu_tmpdir();
  char *p = s2i_fs_join(dir, "f");
  struct s2i_error *err = NULL;
  char *buf = NULL;
  size_t n;

  ck_assert_int_eq(s2i_fs_write_file_atomic(p, "hello", 5, 0600, &err), 0);
  ck_assert_int_eq(s2i_fs_read_file(&buf, &n, p, &err), 0);
  ck_assert_str_eq(buf, "hello");
  ck_assert_uint_eq(n, 5);
  free(buf);
  free(p);
  tu_rmdir(dir);
}
END_TEST

START_TEST(digest_known_value)
{
  char d[S2I_DIGEST_LEN + 1];

  s2i_digest_buffer("abc", 3, d);
  ck_assert_str_eq(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9"
                      "cb410ff61f20015ad");
  ck_assert(s2i_digest_is_valid(d));
  ck_assert(!s2i_digest_is_valid("sha256:BA78"));
  ck_assert(!s2i_digest_is_valid("md5:ba7816bf8f01cfea414140de5dae2223b00361a"
                                 "396177a9cb410ff61f20015ad"));
}
END_TEST

START_TEST(strv_basics)
{
  struct s2i_strv s = S2I_STRV_INIT;

  s2i_strv_add(&s, "b");
  s2i_strv_addf(&s, "%s", "a");
  s2i_strv_sort(&s);
  ck_assert_str_eq(s.v[0], "a");
  ck_assert_ptr_null(s.v[2]);
  ck_assert(s2i_strv_contains(&s, "b"));
  s2i_strv_free(&s);
  ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(error_prefix_keeps_callee_message)
{
  struct s2i_error *err = NULL;

  s2i_error_make(&err, ENOENT, "open %s", "x.tar");
  s2i_error_make(&err, 0, "overwrite attempt");
  s2i_error_prefix(&err, "builder %s", "b");
  ck_assert_str_eq(err->msg, "builder b: open x.tar: No such file or directory");
  s2i_error_free(err);
}
END_TEST

static Suite *fs_suite(void)
{
  Suite *s = suite_create("fs");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, path_safety);
  tcase_add_test(tc, mkdir_rm_tree);
  tcase_add_test(tc, read_missing_names_path);
  tcase_add_test(tc, write_atomic);
  tcase_add_test(tc, digest_known_value);
  tcase_add_test(tc, strv_basics);
  tcase_add_test(tc, error_prefix_keeps_callee_message);
  suite_add_tcase(s, tc);
  return s;
}

TU_MAIN(fs_suite)
