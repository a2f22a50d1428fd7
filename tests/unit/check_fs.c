#include <errno.h>

#include "testutil.h"

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

static void clean_is(const char *in, const char *want)
{
  char *p = xstrdup(in);

  s2i_fs_clean_path(p);
  ck_assert_str_eq(p, want);
  free(p);
}

START_TEST(clean_paths)
{
  clean_is("/w/./", "/w");
  clean_is("/w//a/.//b/", "/w/a/b");
  clean_is("/", "/");
  clean_is("/./.", "/");
  clean_is("a/./b", "a/b");
  clean_is("a/../b", "a/../b"); /* ".." is for path_is_safe to refuse */
}
END_TEST

static Suite *fs_suite(void)
{
  return tu_suite("fs", 0, NULL,
                  TU_TESTS(path_safety, mkdir_rm_tree, read_missing_names_path,
                           write_atomic, clean_paths));
}

TU_MAIN(fs_suite)
