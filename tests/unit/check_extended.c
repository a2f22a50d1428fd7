/* Extended builds: the -a / io.openshift.s2i.assemble-input-files
 * mappings, parsed and checked as the original does (its
 * pkg/api TestVolumeListSet and pkg/build/strategies/sti
 * TestPrepareRuntimeArtifactsValidation, TestPrepareSetRuntimeArtifacts). */
#include "testutil.h"

#include "extended.h"

/* "SRC:DEST|..." of what value parses to, or the error's text. */
static char *parsed(const char *value)
{
  struct s2i_artifact_maps m = {0};
  struct s2i_error *err = NULL;
  char *out = xstrdup("");

  if (s2i_extended_parse_artifacts(&m, value, &err) < 0) {
    free(out);
    out = xstrdup(err->msg);
    s2i_error_free(err);
  } else {
    for (size_t i = 0; i < m.n; i++) {
      char *n =
          xasprintf("%s%s%s:%s", out, i ? "|" : "", m.v[i].src, m.v[i].dest);
      free(out);
      out = n;
    }
  }
  s2i_artifact_maps_free(&m);
  return out;
}

#define PARSES(value, want)                                                    \
  do {                                                                         \
    char *got_ = parsed(value);                                                \
    ck_assert_str_eq(got_, want);                                              \
    free(got_);                                                                \
  } while (0)

/* TestVolumeListSet, less its Windows paths */
START_TEST(volume_list_set)
{
  PARSES("/test:", "/test:.");
  PARSES("/test:/test", "/test:/test");
  PARSES("/test/foo:/etc/ssl", "/test/foo:/etc/ssl");
  PARSES(":/foo", ".:/foo");
  PARSES("/foo", "/foo:.");
  PARSES(":", ".:.");
  PARSES("/t est/foo:", "/t est/foo:.");
  PARSES("\"/test\":\"/foo\"", "/test:/foo");
  PARSES("'/test':\"/foo\"", "/test:/foo");
  PARSES("/test/foo:/ss;ss", "/test/foo:/ss|ss:.");
  PARSES("/test;foo:/ssss", "/test:.|foo:/ssss");
  PARSES("\"/te\"st\":\"/foo\"",
         "runtime artifact \"\"/te\"st\":\"/foo\"\": invalid characters in "
         "filename");
  PARSES("/test;foo:b@!dF1nl3m!",
         "runtime artifact \"foo:b@!dF1nl3m!\": invalid characters in "
         "filename");
  PARSES("/x;", "runtime artifact \"\": invalid format, must be "
                "source:destination");
}
END_TEST

/* filepath.Clean on both halves */
START_TEST(clean_paths)
{
  PARSES("/a//b/./c/:x/../y/", "/a/b/c:y");
  PARSES("/../a:../../b", "/a:../../b");
  PARSES("/a/b/..:a/..", "/a:.");
}
END_TEST

static void check_fails(const char *value, const char *why)
{
  struct s2i_artifact_maps m = {0};
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_extended_parse_artifacts(&m, value, &err), 0);
  tu_assert_error(s2i_extended_check_artifacts(&m, &err), &err, why);
  s2i_artifact_maps_free(&m);
}

/* TestPrepareRuntimeArtifactsValidation */
START_TEST(validation)
{
  struct s2i_artifact_maps m = {0};
  struct s2i_error *err = NULL;

  check_fails("src:dst", "\"src\" -> \"dst\": source must be an absolute path");
  check_fails("/src:/dst", "destination must be a relative path");
  check_fails("/src:../dst", "destination cannot start with '..'");
  check_fails("/:x", "source cannot be /");
  ck_assert_int_eq(
      s2i_extended_parse_artifacts(&m, "/src1:dst1;/src1:dst1", &err), 0);
  ck_assert_int_eq(s2i_extended_check_artifacts(&m, &err), 0);
  ck_assert_uint_eq(m.n, 2);
  s2i_artifact_maps_free(&m);
}
END_TEST

static Suite *extended_suite(void)
{
  return tu_suite("extended", 0, NULL,
                  TU_TESTS(volume_list_set, clean_paths, validation));
}

TU_MAIN(extended_suite)
