/* .s2ifile: saved and read back in the original's shape; a missing file is
 * no error; .stifile is the fallback; a broken one is named. */
#include "testutil.h"

#include "cleanup.h"
#include "s2ifile.h"

START_TEST(round_trip)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *path = s2i_fs_join(dir, S2I_S2IFILE);
  struct s2i_s2ifile f = {.source = "src", .builder = "b.tar", .tag = "t:1"};
  struct s2i_s2ifile g;
  struct s2i_error *err = NULL;

  s2i_strv_add(&f.flags, "env-0=A=1");
  s2i_strv_add(&f.flags, "quiet=true");
  ck_assert_int_eq(s2i_s2ifile_save(&f, path, &err), 0);
  ck_assert_int_eq(s2i_s2ifile_load(&g, path, &err), 1);
  ck_assert_str_eq(g.source, "src");
  ck_assert_str_eq(g.builder, "b.tar");
  ck_assert_str_eq(g.tag, "t:1");
  ck_assert_int_eq(g.flags.n, 2);
  ck_assert_str_eq(g.flags.v[0], "env-0=A=1");
  ck_assert_str_eq(g.flags.v[1], "quiet=true");
  s2i_s2ifile_free(&g);
  s2i_strv_free(&f.flags);
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(missing_and_fallback)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *path = s2i_fs_join(dir, S2I_S2IFILE);
  struct s2i_s2ifile g;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_s2ifile_load(&g, path, &err), 0);
  ck_assert_ptr_null(g.source);
  tu_write(dir, ".stifile", "{\"source\":\"old\",\"builderImage\":\"b\"}",
           0644);
  ck_assert_int_eq(s2i_s2ifile_load(&g, path, &err), 1);
  ck_assert_str_eq(g.source, "old");
  ck_assert_ptr_null(g.tag);
  s2i_s2ifile_free(&g);
  tu_write(dir, S2I_S2IFILE, "[1, 2]", 0644);
  tu_assert_error(s2i_s2ifile_load(&g, path, &err), &err, "not a JSON object");
  s2i_s2ifile_free(&g);
  tu_rmdir(xstrdup(dir));
}
END_TEST

static Suite *s2ifile_suite(void)
{
  return tu_suite("s2ifile", 0, NULL,
                  TU_TESTS(round_trip, missing_and_fallback));
}

TU_MAIN(s2ifile_suite)
