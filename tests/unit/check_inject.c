/* --inject: specs parsed against WORKDIR, trees copied with the owner
 * given, files truncated after assemble without following a symlink. */
#include "testutil.h"

#include "cleanup.h"
#include "inject.h"

START_TEST(parse_specs)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *spec = xasprintf("%s:creds", dir);
  cleanup_free char *abs = xasprintf("%s:/etc/x/", dir);
  cleanup_free char *up = xasprintf("%s:a/../../b", dir);
  cleanup_free char *bare = xasprintf("%s:", dir);
  cleanup_free char *quoted = xasprintf("\"%s\":'q'", dir);
  struct s2i_injection inj;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_inject_parse(&inj, spec, "/opt/app", &err), 0);
  ck_assert_str_eq(inj.src, dir);
  ck_assert_str_eq(inj.dest, "/opt/app/creds");
  s2i_injection_free(&inj);
  ck_assert_int_eq(s2i_inject_parse(&inj, spec, NULL, &err), 0);
  ck_assert_str_eq(inj.dest, "/creds"); /* no WORKDIR: / */
  s2i_injection_free(&inj);
  ck_assert_int_eq(s2i_inject_parse(&inj, abs, "/w", &err), 0);
  ck_assert_str_eq(inj.dest, "/etc/x");
  s2i_injection_free(&inj);
  /* the original's VolumeList: no ':' or an empty DEST is the working dir;
   * quotes are dropped */
  ck_assert_int_eq(s2i_inject_parse(&inj, dir, "/w/./", &err), 0);
  ck_assert_str_eq(inj.dest, "/w");
  s2i_injection_free(&inj);
  ck_assert_int_eq(s2i_inject_parse(&inj, bare, "/w", &err), 0);
  ck_assert_str_eq(inj.dest, "/w");
  s2i_injection_free(&inj);
  ck_assert_int_eq(s2i_inject_parse(&inj, quoted, "/w", &err), 0);
  ck_assert_str_eq(inj.src, dir);
  ck_assert_str_eq(inj.dest, "/w/q");
  s2i_injection_free(&inj);
  tu_assert_error(s2i_inject_parse(&inj, ":x", "/w", &err), &err,
                  "--inject :x: want SRC[:DEST]");
  tu_assert_error(s2i_inject_parse(&inj, up, "/w", &err), &err,
                  "DEST must be a path below /");
  tu_assert_error(s2i_inject_parse(&inj, "/nonexistent-dir:x", "/w", &err),
                  &err, "/nonexistent-dir is not a directory");
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(copy_then_truncate)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *src = s2i_fs_join(dir, "src");
  cleanup_free char *upper = s2i_fs_join(dir, "upper");
  cleanup_free char *spec = xasprintf("%s:/run/creds", src);
  cleanup_free char *got = NULL;
  struct s2i_injection inj;
  struct s2i_error *err = NULL;
  struct stat st;
  char *p;

  tu_write(src, "a/token", "secret\n", 0600);
  tu_write(src, "b", "x", 0644);
  ck_assert_int_eq(mkdir(upper, 0755), 0);
  ck_assert_int_eq(s2i_inject_parse(&inj, spec, "/", &err), 0);
  ck_assert_int_eq(s2i_inject_copy(tu_ctx(), &inj, upper, 1234, &err), 0);
  p = s2i_fs_join(upper, "run/creds/a/token");
  ck_assert_int_eq(s2i_fs_read_file(&got, NULL, p, &err), 0);
  ck_assert_str_eq(got, "secret\n");
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_uid, 1234);
  ck_assert_int_eq(st.st_mode & 0777, 0600);
  ck_assert_int_eq(s2i_inject_truncate(&inj, upper, &err), 0);
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_size, 0);
  free(p);
  /* a file assemble removed stays removed */
  p = s2i_fs_join(upper, "run/creds/b");
  ck_assert_int_eq(unlink(p), 0);
  ck_assert_int_eq(s2i_inject_truncate(&inj, upper, &err), 0);
  ck_assert(!s2i_fs_exists(p));
  free(p);
  s2i_injection_free(&inj);
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(symlink_not_followed)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *src = s2i_fs_join(dir, "src");
  cleanup_free char *upper = s2i_fs_join(dir, "upper");
  cleanup_free char *victim = s2i_fs_join(dir, "victim");
  cleanup_free char *spec = xasprintf("%s:/c", src);
  cleanup_free char *got = NULL;
  struct s2i_injection inj;
  struct s2i_error *err = NULL;
  char *p;

  tu_write(src, "token", "t", 0644);
  tu_write(dir, "victim", "precious", 0644);
  ck_assert_int_eq(mkdir(upper, 0755), 0);
  ck_assert_int_eq(s2i_inject_parse(&inj, spec, "/", &err), 0);
  ck_assert_int_eq(s2i_inject_copy(tu_ctx(), &inj, upper, 0, &err), 0);
  p = s2i_fs_join(upper, "c/token");
  ck_assert_int_eq(unlink(p), 0);
  ck_assert_int_eq(symlink(victim, p), 0);
  tu_assert_error(s2i_inject_truncate(&inj, upper, &err), &err,
                  "truncate /c/token");
  ck_assert_int_eq(s2i_fs_read_file(&got, NULL, victim, &err), 0);
  ck_assert_str_eq(got, "precious");
  free(p);
  s2i_injection_free(&inj);
  tu_rmdir(xstrdup(dir));
}
END_TEST

static Suite *inject_suite(void)
{
  return tu_suite(
      "inject", 0, NULL,
      TU_TESTS(parse_specs, copy_then_truncate, symlink_not_followed));
}

TU_MAIN(inject_suite)
