/* build.c sequences the stages; the stages have their own tests and the
 * whole path runs in tests/cli.  Here: what build.c decides itself. */
#include <dirent.h>

#include "testutil.h"

#include "build.h"

START_TEST(default_output_from_tag)
{
  char *p = s2i_build_default_output("quay.io/team/site:1.2");

  ck_assert_str_eq(p, "quay.io_team_site_1.2.tar");
  free(p);
  p = s2i_build_default_output("site");
  ck_assert_str_eq(p, "site.tar");
  free(p);
}
END_TEST

START_TEST(missing_builder_is_named_and_nothing_is_written)
{
  char *dir = tu_tmpdir();
  char *out = s2i_fs_join(dir, "out.tar");
  char *cache = s2i_fs_join(dir, "cache");
  char *builder = s2i_fs_join(dir, "no-such-builder.tar");
  struct s2i_build_opts o = {.source = dir,
                             .builder = builder,
                             .tag = "x:1",
                             .output = out,
                             .cache_dir = cache};
  struct s2i_error *err = NULL;
  char *tmp = s2i_fs_join(cache, "tmp");
  DIR *d;
  struct dirent *de;
  int entries = 0;

  tu_assert_error(s2i_build(tu_ctx(), &o, &err), &err, "no-such-builder.tar");
  ck_assert(!s2i_fs_exists(out));
  d = opendir(tmp); /* the scratch dir of the build is gone */
  ck_assert_ptr_nonnull(d);
  while ((de = readdir(d)) != NULL)
    entries += de->d_name[0] != '.';
  closedir(d);
  ck_assert_int_eq(entries, 0);
  free(tmp);
  free(builder);
  free(cache);
  free(out);
  tu_rmdir(dir);
}
END_TEST

static Suite *build_suite(void)
{
  return tu_suite("build", 0, NULL,
                  TU_TESTS(default_output_from_tag,
                           missing_builder_is_named_and_nothing_is_written));
}

TU_MAIN(build_suite)
