/* The build key: the same tree and facts give the same key, whatever the
 * mtimes; a change of content, mode or facts gives another. */
#include "testutil.h"

#include "buildkey.h"
#include "cleanup.h"

static void tree_key(const char *dir, const char *facts_json,
                     char out[S2I_DIGEST_LEN + 1])
{
  struct s2i_digest *d = s2i_digest_new();
  struct s2i_error *err = NULL;
  char tree[S2I_DIGEST_LEN + 1];
  json_t *facts = json_loads(facts_json, 0, NULL);

  ck_assert_int_eq(s2i_buildkey_tree(d, dir, &err), 0);
  s2i_digest_final(d, tree);
  s2i_buildkey_final(facts, tree, out);
  json_decref(facts);
}

START_TEST(same_tree_same_key)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *p = NULL;
  char a[S2I_DIGEST_LEN + 1], b[S2I_DIGEST_LEN + 1];
  struct timespec ts[2] = {{1, 0}, {1, 0}};

  tu_write(dir, "src/index.html", "hello\n", 0644);
  tree_key(dir, "{\"tag\":\"a:1\"}", a);
  p = s2i_fs_join(dir, "src/index.html");
  ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0); /* mtimes do not count */
  tree_key(dir, "{\"tag\":\"a:1\"}", b);
  ck_assert_str_eq(a, b);
  tree_key(dir, "{\"tag\":\"a:2\"}", b); /* the facts do */
  ck_assert_str_ne(a, b);
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(content_and_mode_count)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *p = NULL;
  char a[S2I_DIGEST_LEN + 1], b[S2I_DIGEST_LEN + 1], c[S2I_DIGEST_LEN + 1];

  tu_write(dir, "f", "one\n", 0644);
  tree_key(dir, "{}", a);
  tu_write(dir, "f", "two\n", 0644);
  tree_key(dir, "{}", b);
  ck_assert_str_ne(a, b);
  p = s2i_fs_join(dir, "f");
  ck_assert_int_eq(chmod(p, 0755), 0);
  tree_key(dir, "{}", c);
  ck_assert_str_ne(b, c);
  tu_rmdir(xstrdup(dir));
}
END_TEST

static Suite *buildkey_suite(void)
{
  return tu_suite("buildkey", 0, NULL,
                  TU_TESTS(same_tree_same_key, content_and_mode_count));
}

TU_MAIN(buildkey_suite)
