#include <errno.h>

#include "testutil.h"

#include "digest.h"

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

START_TEST(digest_streaming_equals_buffer)
{
  char a[S2I_DIGEST_LEN + 1], b[S2I_DIGEST_LEN + 1];
  struct s2i_digest *d = s2i_digest_new();
  char *dir = tu_tmpdir();
  char *p = s2i_fs_join(dir, "f");
  struct s2i_error *err = NULL;

  s2i_digest_update(d, "ab", 2);
  s2i_digest_update(d, "c", 1);
  s2i_digest_final(d, a);
  s2i_digest_buffer("abc", 3, b);
  ck_assert_str_eq(a, b);
  tu_write(dir, "f", "abc", 0644);
  ck_assert_int_eq(s2i_digest_file(p, a, &err), 0);
  ck_assert_str_eq(a, b);
  ck_assert_str_eq(s2i_digest_hex(a), b + 7);
  free(p);
  p = s2i_fs_join(dir, "missing");
  tu_assert_error(s2i_digest_file(p, a, &err), &err, "missing");
  free(p);
  tu_rmdir(dir);
}
END_TEST

static Suite *digest_suite(void)
{
  return tu_suite("digest", 0, NULL,
                  TU_TESTS(digest_known_value, digest_streaming_equals_buffer));
}

TU_MAIN(digest_suite)
