#include "testutil.h"

START_TEST(formats_and_copies)
{
  char *a = xasprintf("%s-%d", "layer", 7);
  char *b = xstrndup("abcdef", 3);
  int *z = xcalloc(4, sizeof(int));

  ck_assert_str_eq(a, "layer-7");
  ck_assert_str_eq(b, "abc");
  ck_assert_int_eq(z[0] + z[1] + z[2] + z[3], 0);
  z = xrealloc(z, 1024 * sizeof(int));
  z[1023] = 1;
  free(a);
  free(b);
  free(z);
  a = xmalloc(0); /* a valid pointer, not NULL */
  ck_assert_ptr_nonnull(a);
  free(a);
}
END_TEST

static Suite *xalloc_suite(void)
{
  return tu_suite("xalloc", 0, NULL, TU_TESTS(formats_and_copies));
}

TU_MAIN(xalloc_suite)
