#include <errno.h>

#include "testutil.h"

#include "strv.h"

START_TEST(strv_basics)
{
  struct s2i_strv s = S2I_STRV_INIT;

  s2i_strv_add(&s, "b");
  s2i_strv_addf(&s, "%s", "a");
  s2i_strv_sort(&s);
  ck_assert_str_eq(s.v[0], "a");
  ck_assert_ptr_null(s.v[2]);
  ck_assert(s2i_strv_contains(&s, "b"));
  s2i_strv_free(&s);
  ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(strv_take_and_grow)
{
  struct s2i_strv s = S2I_STRV_INIT;

  for (int i = 0; i < 100; i++)
    s2i_strv_addf(&s, "item-%03d", 99 - i);
  ck_assert_uint_eq(s.n, 100);
  s2i_strv_sort(&s);
  ck_assert_str_eq(s.v[0], "item-000");
  ck_assert_str_eq(s.v[99], "item-099");
  ck_assert_ptr_null(s.v[100]);
  ck_assert(!s2i_strv_contains(&s, "item-100"));
  s2i_strv_free(&s);
}
END_TEST

/* -i "a:x;b:y" is two injections, as the original's VolumeList.Set */
START_TEST(strv_split)
{
  struct s2i_strv s = {0};

  s2i_strv_add_split(&s, "a:x;b:y", ';');
  s2i_strv_add_split(&s, "c", ';');
  s2i_strv_add_split(&s, ";", ';');
  ck_assert_int_eq(s.n, 5);
  ck_assert_str_eq(s.v[0], "a:x");
  ck_assert_str_eq(s.v[1], "b:y");
  ck_assert_str_eq(s.v[2], "c");
  ck_assert_str_eq(s.v[3], "");
  ck_assert_str_eq(s.v[4], "");
  ck_assert_ptr_null(s.v[5]);
  s2i_strv_free(&s);
}
END_TEST

static Suite *strv_suite(void)
{
  return tu_suite("strv", 0, NULL,
                  TU_TESTS(strv_basics, strv_take_and_grow, strv_split));
}

TU_MAIN(strv_suite)
