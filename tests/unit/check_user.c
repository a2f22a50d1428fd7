#include <sys/sysmacros.h>

#include "testutil.h"

#include "strv.h"
#include "user.h"

static const char *passwd_text =
    "# comment line\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "+nis::::::\n"
    "broken line without colons\n"
    "default:x:1001:0:app:/opt/app-root/src:/bin/sh\n"
    "www:x:33:33:www:/var/www:/usr/sbin/nologin\n"
    "baduid:x:abc:1:::\n";
static const char *group_text = "root:x:0:\n"
                                "www:x:33:\n"
                                "builders:x:4242:default,www\n";

/* Every test's layers, under top: two layer dirs, the lower one with a
 * stale passwd the upper one replaces. */
static struct s2i_strv dirs = S2I_STRV_INIT;
static char *top;

static void setup(void)
{
  char *lower, *upper;

  top = tu_tmpdir();
  lower = s2i_fs_join(top, "l0");
  upper = s2i_fs_join(top, "l1");
  tu_write(lower, "etc/passwd", "default:x:5:5:::\n", 0644);
  tu_write(lower, "etc/group", "builders:x:7:\n", 0644);
  tu_write(upper, "etc/passwd", passwd_text, 0644);
  tu_write(upper, "etc/group", group_text, 0644);
  s2i_strv_take(&dirs, lower);
  s2i_strv_take(&dirs, upper);
}

static void teardown(void)
{
  s2i_strv_free(&dirs);
  tu_rmdir(top);
}

/* The upper layer's etc/NAME, removed: the caller puts something there. */
static char *upper_emptied(const char *name)
{
  char *p = s2i_fs_join(dirs.v[1], name);

  ck_assert_int_eq(unlink(p), 0);
  return p;
}

START_TEST(numeric_specs)
{
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  ck_assert_int_eq(s2i_user_resolve(&u, &g, "1001", &dirs, &err), 0);
  ck_assert_uint_eq(u, 1001);
  ck_assert_uint_eq(g, 0);
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "33", &dirs, &err), 0);
  ck_assert_uint_eq(g, 33); /* primary group from passwd */
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "123456", &dirs, &err), 0);
  ck_assert_uint_eq(u, 123456);
  ck_assert_uint_eq(g, 0); /* unknown uid: group 0 */
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "33:0", &dirs, &err), 0);
  ck_assert_uint_eq(u, 33);
  ck_assert_uint_eq(g, 0);
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "1001:4242", NULL, &err), 0);
  ck_assert_uint_eq(g, 4242);
}
END_TEST

START_TEST(names_from_topmost_file)
{
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  ck_assert_int_eq(s2i_user_resolve(&u, &g, "default", &dirs, &err), 0);
  ck_assert_uint_eq(u, 1001);
  ck_assert_uint_eq(g, 0);
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "www:builders", &dirs, &err), 0);
  ck_assert_uint_eq(u, 33);
  ck_assert_uint_eq(g, 4242);
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "default:33", &dirs, &err), 0);
  ck_assert_uint_eq(g, 33);
}
END_TEST

START_TEST(whiteout_hides_lower_file)
{
  char *wh = upper_emptied("etc/group");
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  ck_assert_int_eq(mknod(wh, S_IFCHR | 0600, makedev(0, 0)), 0);
  tu_assert_error(s2i_user_resolve(&u, &g, "www:builders", &dirs, &err), &err,
                  "no /etc/group");
  free(wh);
}
END_TEST

START_TEST(symlinked_passwd_is_refused)
{
  char *p = upper_emptied("etc/passwd");
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  ck_assert_int_eq(symlink("/etc/passwd", p), 0); /* would read the host's */
  tu_assert_error(s2i_user_resolve(&u, &g, "root", &dirs, &err), &err,
                  "the image's /etc/passwd");
  free(p);
}
END_TEST

/* s2i's runtime layer: /etc/passwd -> /tmp/s2i-id/passwd, a file in the
 * image; the link is followed inside the image, never on the host. */
START_TEST(absolute_link_followed_inside_the_image)
{
  char *p = upper_emptied("etc/passwd");
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  ck_assert_int_eq(symlink("/tmp/s2i-id/passwd", p), 0);
  tu_write(dirs.v[1], "tmp/s2i-id/passwd", "moved:x:4321:0::/:/bin/sh\n", 0644);
  ck_assert_int_eq(s2i_user_resolve(&u, &g, "moved", &dirs, &err), 0);
  ck_assert_uint_eq(u, 4321);
  free(p);
}
END_TEST

START_TEST(resolve_errors)
{
  struct s2i_strv empty = S2I_STRV_INIT;
  struct s2i_error *err = NULL;
  uid_t u;
  gid_t g;

  tu_assert_error(s2i_user_resolve(&u, &g, "nobody", &dirs, &err), &err,
                  "user \"nobody\" not found in the image's /etc/passwd");
  tu_assert_error(s2i_user_resolve(&u, &g, "baduid", &dirs, &err), &err,
                  "baduid");
  tu_assert_error(s2i_user_resolve(&u, &g, "www:wheel", &dirs, &err), &err,
                  "group \"wheel\" not found in the image's /etc/group");
  tu_assert_error(s2i_user_resolve(&u, &g, "www", &empty, &err), &err,
                  "image has no /etc/passwd");
  tu_assert_error(s2i_user_resolve(&u, &g, "", &dirs, &err), &err,
                  "expected uid");
  tu_assert_error(s2i_user_resolve(&u, &g, "1001:", &dirs, &err), &err,
                  "expected uid");
  tu_assert_error(s2i_user_resolve(&u, &g, ":0", &dirs, &err), &err,
                  "expected uid");
  tu_assert_error(s2i_user_resolve(&u, &g, "4294967295", &dirs, &err), &err,
                  "4294967295");
}
END_TEST

START_TEST(is_numeric)
{
  ck_assert(s2i_user_is_numeric("0"));
  ck_assert(s2i_user_is_numeric("1001"));
  ck_assert(s2i_user_is_numeric("1001:0"));
  ck_assert(!s2i_user_is_numeric("default"));
  ck_assert(!s2i_user_is_numeric("1001:root"));
  ck_assert(!s2i_user_is_numeric("1001:"));
  ck_assert(!s2i_user_is_numeric(""));
  ck_assert(!s2i_user_is_numeric("-1"));
  ck_assert(!s2i_user_is_numeric("4294967295"));
}
END_TEST

START_TEST(ranges)
{
  struct s2i_uid_ranges *r = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_user_parse_ranges(&r, "100-200,300", &err), 0);
  ck_assert(!s2i_user_in_ranges(r, 99));
  ck_assert(s2i_user_in_ranges(r, 100));
  ck_assert(s2i_user_in_ranges(r, 200));
  ck_assert(!s2i_user_in_ranges(r, 201));
  ck_assert(s2i_user_in_ranges(r, 300));
  ck_assert(!s2i_user_in_ranges(r, 301));
  s2i_user_ranges_free(r);

  ck_assert_int_eq(s2i_user_parse_ranges(&r, "1-", &err), 0);
  ck_assert(!s2i_user_in_ranges(r, 0));
  ck_assert(s2i_user_in_ranges(r, 1));
  ck_assert(s2i_user_in_ranges(r, 4000000000U));
  s2i_user_ranges_free(r);

  ck_assert_int_eq(s2i_user_parse_ranges(&r, "-10", &err), 0);
  ck_assert(s2i_user_in_ranges(r, 0));
  ck_assert(s2i_user_in_ranges(r, 10));
  ck_assert(!s2i_user_in_ranges(r, 11));
  s2i_user_ranges_free(r);

  ck_assert(s2i_user_in_ranges(NULL, 0)); /* no restriction */
}
END_TEST

START_TEST(range_errors)
{
  struct s2i_uid_ranges *r = NULL;
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_user_parse_ranges(&r, "abc", &err), &err,
                  "allowed uids \"abc\": \"abc\" is not a uid range");
  tu_assert_error(s2i_user_parse_ranges(&r, "200-100", &err), &err,
                  "\"200-100\"");
  tu_assert_error(s2i_user_parse_ranges(&r, "1-2-3", &err), &err, "\"1-2-3\"");
  tu_assert_error(s2i_user_parse_ranges(&r, "{1-5}", &err), &err, "\"{1-5}\"");
  tu_assert_error(s2i_user_parse_ranges(&r, "1-5-,2-", &err), &err, "\"1-5-\"");
  ck_assert_ptr_null(r);
}
END_TEST

/* The original's reading (its rangelist_test.go): spaces ignored, an empty
 * item or "-" allows nothing, only-empty lists restrict nothing. */
START_TEST(ranges_as_the_original)
{
  struct s2i_uid_ranges *r = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_user_parse_ranges(&r, ",4-5,0-", &err), 0);
  ck_assert(s2i_user_in_ranges(r, 0) && s2i_user_in_ranges(r, 4));
  s2i_user_ranges_free(r);
  ck_assert_int_eq(s2i_user_parse_ranges(&r, "1-5,5,2-", &err), 0);
  ck_assert(s2i_user_in_ranges(r, 1) && s2i_user_in_ranges(r, 99999));
  ck_assert(!s2i_user_in_ranges(r, 0));
  s2i_user_ranges_free(r);
  ck_assert_int_eq(s2i_user_parse_ranges(&r, " 10 , 20-30 ", &err), 0);
  ck_assert(s2i_user_in_ranges(r, 10) && s2i_user_in_ranges(r, 25));
  ck_assert(!s2i_user_in_ranges(r, 11));
  s2i_user_ranges_free(r);
  ck_assert_int_eq(s2i_user_parse_ranges(&r, "10,-,", &err), 0);
  ck_assert(s2i_user_in_ranges(r, 10) && !s2i_user_in_ranges(r, 0));
  s2i_user_ranges_free(r);
  for (const char *const *e = (const char *const[]){"", ",", " , -", NULL}; *e;
       e++) {
    ck_assert_int_eq(s2i_user_parse_ranges(&r, *e, &err), 0);
    ck_assert_ptr_null(r); /* no restriction, as without -u */
  }
}
END_TEST

static Suite *user_suite(void)
{
  TCase *tc;
  Suite *s = tu_suite(
      "user", 0, &tc,
      TU_TESTS(numeric_specs, names_from_topmost_file,
               whiteout_hides_lower_file, symlinked_passwd_is_refused,
               absolute_link_followed_inside_the_image, resolve_errors,
               is_numeric, ranges, range_errors, ranges_as_the_original));

  tcase_add_checked_fixture(tc, setup, teardown);
  return s;
}

TU_MAIN(user_suite)
