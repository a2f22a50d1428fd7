/* Submodule URLs: which are refused (they would read the build host), and
 * relative ones resolved the way git does, by libgit2. */
#include <git2.h>

#include "testutil.h"

#include "giturl.h"

static void refused(const char *url, const char *base, const char *why)
{
  struct s2i_error *err = NULL;

  ck_assert_int_lt(s2i_giturl_check(url, base, &err), 0);
  ck_assert_ptr_nonnull(strstr(err->msg, url));
  ck_assert_msg(strstr(err->msg, why) != NULL, "%s", err->msg);
  s2i_error_free(err);
}

static void allowed(const char *url, const char *base)
{
  struct s2i_error *err = NULL;

  ck_assert_msg(s2i_giturl_check(url, base, &err) == 0, "%s against %s: %s",
                url, base, err ? err->msg : "");
}

START_TEST(check_refuses_host_paths)
{
  const char *gh = "https://github.com/org/repo.git";

  refused("file:///etc/shadow", gh, "file://");
  refused("File:///srv/repo", gh, "file://");
  refused("/srv/private.git", gh, "absolute path");
  refused("../../../x", gh, "climbs above");
  refused("../a/../../../b", gh, "climbs above");
  refused("../../x", "git@github.com:repo.git", "climbs above");
  refused("../../../../x", "/srv/git/repo", "climbs above");
  allowed("../sub", gh);
  allowed("../../other-org/x.git", gh);
  allowed("./inner", gh);
  allowed("../sub", "git@github.com:org/repo.git");
  allowed("../sub", "/srv/git/repo");
  allowed("../sub", "file:///srv/git/repo");
  allowed("https://gitlab.com/x/y.git", gh);
  allowed("git@github.com:x/y.git", gh);
  allowed("ssh://git@host/x.git", gh);
}
END_TEST

static void resolves(const char *base, const char *url, const char *want)
{
  char *dir = tu_tmpdir();
  struct s2i_error *err = NULL;
  char *got = NULL;

  ck_assert_msg(s2i_giturl_resolve(&got, base, url, dir, &err) == 0, "%s",
                err ? err->msg : "");
  ck_assert_str_eq(got, want);
  free(got);
  tu_rmdir(dir);
}

START_TEST(resolve_like_git)
{
  git_libgit2_init();
  resolves("https://github.com/org/repo.git", "../sub.git",
           "https://github.com/org/sub.git");
  resolves("https://github.com/org/repo", "./inner",
           "https://github.com/org/repo/inner");
  resolves("/srv/git/repo", "../deep", "/srv/git/deep");
  resolves("file:///srv/git/repo", "../deep", "/srv/git/deep");
  resolves("file://localhost/srv/git/repo", "../deep", "/srv/git/deep");
  resolves("git://127.0.0.1:9418/repo", "../sub", "git://127.0.0.1:9418/sub");
  resolves("https://github.com/org/repo", "https://x/y", "https://x/y");
  git_libgit2_shutdown();
}
END_TEST

static Suite *giturl_suite(void)
{
  return tu_suite("giturl", 0, NULL,
                  TU_TESTS(check_refuses_host_paths, resolve_like_git));
}

TU_MAIN(giturl_suite)
