/* -v, --add-host and --cap-drop as the original (Docker) reads them. */
#include "testutil.h"

#include "cleanup.h"
#include "sandbox.h"
#include "volume.h"

START_TEST(volumes)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *rw = xasprintf("%s:/data", dir);
  cleanup_free char *ro = xasprintf("%s:/data:ro,Z", dir);
  cleanup_free char *bad = xasprintf("%s:/data:exec", dir);
  cleanup_free char *up = xasprintf("%s:/a/../../b", dir);
  cleanup_free char *rel = xasprintf("%s:data", dir);
  struct s2i_volume v;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_volume_parse(&v, rw, &err), 0);
  ck_assert_str_eq(v.host, dir);
  ck_assert_str_eq(v.dest, "/data");
  ck_assert_int_eq(v.ro, 0);
  s2i_volume_free(&v);
  ck_assert_int_eq(s2i_volume_parse(&v, ro, &err), 0);
  ck_assert_int_eq(v.ro, 1);
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, bad, &err), &err,
                  "unknown option \"exec\"");
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, up, &err), &err,
                  "CONTAINER must be an absolute path below /");
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, rel, &err), &err,
                  "CONTAINER must be an absolute path");
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, "cache:/data", &err), &err,
                  "-v cache:/data: named volumes are not supported");
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, "/nonexistent-s2i:/data", &err), &err,
                  "-v /nonexistent-s2i:/data: /nonexistent-s2i");
  s2i_volume_free(&v);
  tu_assert_error(s2i_volume_parse(&v, "/x", &err), &err,
                  "want HOST:CONTAINER");
  s2i_volume_free(&v);
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(add_host)
{
  char *line = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_volume_parse_host(&line, "db:10.0.0.2", &err), 0);
  ck_assert_str_eq(line, "10.0.0.2\tdb");
  free(line);
  ck_assert_int_eq(s2i_volume_parse_host(&line, "v6.local:::1", &err), 0);
  ck_assert_str_eq(line, "::1\tv6.local");
  free(line);
  tu_assert_error(s2i_volume_parse_host(&line, "db", &err), &err,
                  "--add-host db: want HOST:IP");
  tu_assert_error(s2i_volume_parse_host(&line, "db:1.2.3", &err), &err,
                  "1.2.3 is not an IP address");
  tu_assert_error(s2i_volume_parse_host(&line, "a b:1.2.3.4", &err), &err,
                  "want HOST:IP");
}
END_TEST

START_TEST(cap_drop)
{
  uint64_t m = 0;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_sandbox_parse_caps(&m, "CHOWN,cap_setuid,kill", &err),
                   0);
  ck_assert_uint_eq(m, (1u << 0) | (1u << 7) | (1u << 5));
  ck_assert_int_eq(s2i_sandbox_parse_caps(&m, "all", &err), 0);
  ck_assert_uint_eq(m, UINT64_MAX);
  m = 0;
  tu_assert_error(s2i_sandbox_parse_caps(&m, "CHOWN,FLY", &err), &err,
                  "--cap-drop: unknown capability \"FLY\"");
}
END_TEST

static Suite *volume_suite(void)
{
  return tu_suite("volume", 0, NULL, TU_TESTS(volumes, add_host, cap_drop));
}

TU_MAIN(volume_suite)
