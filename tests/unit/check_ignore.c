#include "testutil.h"
#include <sys/stat.h>

#include "ignore.h"

static struct s2i_ignore *parse(const char *text)
{
  struct s2i_ignore *ig = NULL;

  ck_assert_int_eq(s2i_ignore_parse(&ig, text), 0);
  ck_assert_ptr_nonnull(ig);
  return ig;
}

START_TEST(globs_and_comments)
{
  struct s2i_ignore *ig = parse("# a comment\n\n*.log\nbuild\n  tmp?.txt  \n");

  ck_assert(s2i_ignore_match(ig, "x.log"));
  ck_assert(s2i_ignore_match(ig, "tmp1.txt"));
  ck_assert(!s2i_ignore_match(ig, "tmp12.txt"));
  ck_assert(!s2i_ignore_match(ig, "# a comment"));
  ck_assert(!s2i_ignore_match(ig, "README"));
  /* FNM_PATHNAME on root-relative paths: '*' stays in one component. */
  ck_assert(!s2i_ignore_match(ig, "sub/x.log"));
  ck_assert(!s2i_ignore_match(ig, "buildx"));
  s2i_ignore_free(ig);
}
END_TEST

START_TEST(directory_rule_drops_subtree)
{
  struct s2i_ignore *ig = parse("docs\nsrc/gen/\n/cache\n*/secret\n");

  ck_assert(s2i_ignore_match(ig, "docs"));
  ck_assert(s2i_ignore_match(ig, "docs/a/b.md"));
  ck_assert(!s2i_ignore_match(ig, "docsy/a"));
  ck_assert(s2i_ignore_match(ig, "src/gen"));
  ck_assert(s2i_ignore_match(ig, "src/gen/x.c"));
  ck_assert(!s2i_ignore_match(ig, "src/main.c"));
  ck_assert(s2i_ignore_match(ig, "cache/x"));
  ck_assert(!s2i_ignore_match(ig, "sub/cache"));
  ck_assert(s2i_ignore_match(ig, "a/secret/key"));
  ck_assert(!s2i_ignore_match(ig, "a/b/secret"));
  ck_assert(!s2i_ignore_has_negation(ig));
  s2i_ignore_free(ig);
}
END_TEST

START_TEST(negation_last_match_wins)
{
  struct s2i_ignore *ig = parse("*.log\n!keep.log\ndocs\n!docs/api\n"
                                "docs/api/private\n");

  ck_assert(s2i_ignore_has_negation(ig));
  ck_assert(s2i_ignore_match(ig, "a.log"));
  ck_assert(!s2i_ignore_match(ig, "keep.log"));
  ck_assert(s2i_ignore_match(ig, "docs/index.md"));
  ck_assert(!s2i_ignore_match(ig, "docs/api/x.md"));
  ck_assert(s2i_ignore_match(ig, "docs/api/private/y"));
  s2i_ignore_free(ig);

  /* order matters: a later plain rule overrides an earlier negation */
  ig = parse("!keep.log\n*.log\n");
  ck_assert(s2i_ignore_match(ig, "keep.log"));
  s2i_ignore_free(ig);
}
END_TEST

START_TEST(empty_and_missing)
{
  struct s2i_ignore *ig = parse("");
  struct s2i_error *err = NULL;

  ck_assert(!s2i_ignore_match(ig, "anything"));
  s2i_ignore_free(ig);
  ig = parse("/\n#\n!\n");
  ck_assert(!s2i_ignore_match(ig, "x"));
  s2i_ignore_free(ig);
  ig = NULL;
  ck_assert_int_eq(s2i_ignore_load(&ig, "/nonexistent/.s2iignore", &err), 0);
  ck_assert_ptr_nonnull(ig);
  ck_assert(!s2i_ignore_match(ig, "x"));
  s2i_ignore_free(ig);
  ck_assert(!s2i_ignore_match(NULL, "x"));
}
END_TEST

START_TEST(load_file)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, ".s2iignore");
  struct s2i_ignore *ig = NULL;
  struct s2i_error *err = NULL;

  tu_write(dir, ".s2iignore", "secret.txt\r\nnode_modules/\n", 0644);
  ck_assert_int_eq(s2i_ignore_load(&ig, path, &err), 0);
  ck_assert(s2i_ignore_match(ig, "secret.txt"));
  ck_assert(s2i_ignore_match(ig, "node_modules/x/y.js"));
  ck_assert(!s2i_ignore_match(ig, "app.py"));
  s2i_ignore_free(ig);
  free(path);
  tu_rmdir(dir);
}
END_TEST

/* The repository writes .s2iignore: a symlink to /dev/zero once ate all
 * memory, a FIFO hung the build.  Both refused at once, naming the file. */
START_TEST(load_refuses_special_files)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, ".s2iignore");
  struct s2i_ignore *ig = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(symlink("/dev/zero", path), 0);
  tu_assert_error(s2i_ignore_load(&ig, path, &err), &err, "symlink (refused)");
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  tu_assert_error(s2i_ignore_load(&ig, path, &err), &err,
                  "not a regular file (refused)");
  ck_assert_ptr_null(ig);
  free(path);
  tu_rmdir(dir);
}
END_TEST

static Suite *ignore_suite(void)
{
  return tu_suite("ignore", 0, NULL,
                  TU_TESTS(globs_and_comments, directory_rule_drops_subtree,
                           negation_last_match_wins, empty_and_missing,
                           load_file, load_refuses_special_files));
}

TU_MAIN(ignore_suite)
