/* s2i create's skeleton: every file written once with the name put in,
 * existing files left alone (counted as not written), bad names refused
 * before anything is written. */
#include "testutil.h"

#include "cleanup.h"
#include "skeleton.h"

START_TEST(writes_all_files_with_the_name)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *usage = NULL, *df = NULL;
  struct s2i_error *err = NULL;
  char *p;

  ck_assert_int_eq(s2i_skeleton_create(tu_ctx(), "quay.io/me/b:1", dir, &err),
                   9);
  p = s2i_fs_join(dir, ".s2i/bin/usage");
  ck_assert_int_eq(s2i_fs_read_file(&usage, NULL, p, &err), 0);
  free(p);
  ck_assert_ptr_nonnull(strstr(usage, "This is the quay.io/me/b:1 s2i"));
  ck_assert_ptr_null(strstr(usage, "@IMAGE@"));
  p = s2i_fs_join(dir, "Dockerfile");
  ck_assert_int_eq(s2i_fs_read_file(&df, NULL, p, &err), 0);
  free(p);
  ck_assert_ptr_nonnull(strstr(df, "# quay.io/me/b:1: an s2i builder"));
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(existing_files_kept)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *text = NULL;
  struct s2i_error *err = NULL;
  char *p;

  tu_write(dir, "Makefile", "mine\n", 0644);
  ck_assert_int_eq(s2i_skeleton_create(tu_ctx(), "b", dir, &err), 8);
  ck_assert_int_eq(s2i_skeleton_create(tu_ctx(), "b", dir, &err), 0);
  p = s2i_fs_join(dir, "Makefile");
  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, p, &err), 0);
  free(p);
  ck_assert_str_eq(text, "mine\n");
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(bad_names_refused)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *sub = s2i_fs_join(dir, "sub");
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_skeleton_create(tu_ctx(), "a b", sub, &err), &err,
                  "image name 'a b'");
  tu_assert_error(s2i_skeleton_create(tu_ctx(), "", sub, &err), &err,
                  "image name ''");
  tu_assert_error(s2i_skeleton_create(tu_ctx(), "x\"$(id)", sub, &err), &err,
                  "image name");
  ck_assert(!s2i_fs_exists(sub));
  tu_rmdir(xstrdup(dir));
}
END_TEST

static Suite *skeleton_suite(void)
{
  return tu_suite("skeleton", 0, NULL,
                  TU_TESTS(writes_all_files_with_the_name, existing_files_kept,
                           bad_names_refused));
}

TU_MAIN(skeleton_suite)
