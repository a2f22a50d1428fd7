/* The registry client's pure parts: credentials from auth files in
 * containers-auth.json(5) order and matching, pull policies. */
#include "testutil.h"

#include "cleanup.h"
#include "registry.h"

static char *auth_file(const char *dir, const char *name, const char *json)
{
  tu_write(dir, name, json, 0600);
  return s2i_fs_join(dir, name);
}

/* "user:pw" in base64 */
#define ALICE "YWxpY2U6cHc=" /* alice:pw */
#define BOB "Ym9iOnB3Mg=="   /* bob:pw2 */
#define CAROL "Y2Fyb2w6cDM=" /* carol:p3 */

START_TEST(credentials_match_host_and_path)
{
  char *dir = tu_tmpdir();
  cleanup_free char *f =
      auth_file(dir, "auth.json",
                "{\"auths\":{\"quay.io\":{\"auth\":\"" ALICE "\"},"
                "\"quay.io/team\":{\"auth\":\"" BOB "\"},"
                "\"https://index.docker.io/v1/\":{\"auth\":\"" CAROL "\"}}}");
  struct s2i_error *err = NULL;
  char *u = NULL, *p = NULL;

  ck_assert_int_eq(
      s2i_registry_find_credentials(f, "quay.io", "other/x", &u, &p, &err), 1);
  ck_assert_str_eq(u, "alice");
  ck_assert_str_eq(p, "pw");
  free(u), free(p);
  ck_assert_int_eq(
      s2i_registry_find_credentials(f, "quay.io", "team/x", &u, &p, &err), 1);
  ck_assert_str_eq(u, "bob");
  free(u), free(p);
  ck_assert_int_eq(
      s2i_registry_find_credentials(f, "quay.io", "teamx/y", &u, &p, &err), 1);
  ck_assert_str_eq(u, "alice"); /* "quay.io/team" is no prefix of teamx */
  free(u), free(p);
  ck_assert_int_eq(s2i_registry_find_credentials(
                       f, "docker.io", "library/python", &u, &p, &err),
                   1);
  ck_assert_str_eq(u, "carol");
  free(u), free(p);
  ck_assert_int_eq(
      s2i_registry_find_credentials(f, "ghcr.io", "a/b", &u, &p, &err), 0);
  tu_rmdir(dir);
}
END_TEST

START_TEST(credentials_search_order)
{
  char *dir = tu_tmpdir();
  cleanup_free char *env = auth_file(
      dir, "env.json", "{\"auths\":{\"r.example\":{\"auth\":\"" ALICE "\"}}}");
  cleanup_free char *home = s2i_fs_join(dir, "home");
  struct s2i_error *err = NULL;
  char *u = NULL, *p = NULL;

  tu_write(dir, "home/.docker/config.json",
           "{\"auths\":{\"r.example\":{\"auth\":\"" BOB "\"},"
           "\"s.example\":{\"auth\":\"" BOB "\"}}}",
           0600);
  tu_write(dir, "run/containers/auth.json", "{\"auths\":{}}", 0600);
  setenv("HOME", home, 1);
  {
    cleanup_free char *run = s2i_fs_join(dir, "run");
    setenv("XDG_RUNTIME_DIR", run, 1);
  }
  setenv("REGISTRY_AUTH_FILE", env, 1);
  ck_assert_int_eq(
      s2i_registry_find_credentials(NULL, "r.example", "x", &u, &p, &err), 1);
  ck_assert_str_eq(u, "alice"); /* $REGISTRY_AUTH_FILE first */
  free(u), free(p);
  ck_assert_int_eq(
      s2i_registry_find_credentials(NULL, "s.example", "x", &u, &p, &err), 1);
  ck_assert_str_eq(u, "bob"); /* then on down to ~/.docker/config.json */
  free(u), free(p);
  unsetenv("REGISTRY_AUTH_FILE");
  tu_assert_error(s2i_registry_find_credentials("/nonexistent/auth.json",
                                                "r.example", "x", &u, &p, &err),
                  &err, "--authfile /nonexistent/auth.json");
  {
    cleanup_free char *bad =
        auth_file(dir, "bad.json",
                  "{\"auths\":{\"r.example\":{\"auth\":\"bm9jb2xvbg==\"}}}");
    tu_assert_error(
        s2i_registry_find_credentials(bad, "r.example", "x", &u, &p, &err),
        &err, "no valid \"auth\"");
  }
  tu_rmdir(dir);
}
END_TEST

START_TEST(pull_policies)
{
  enum s2i_pull_policy p;

  ck_assert_int_eq(s2i_pull_policy_parse(&p, "always"), 0);
  ck_assert_int_eq(p, S2I_PULL_ALWAYS);
  ck_assert_int_eq(s2i_pull_policy_parse(&p, "if-not-present"), 0);
  ck_assert_int_eq(p, S2I_PULL_IF_NOT_PRESENT);
  ck_assert_int_eq(s2i_pull_policy_parse(&p, "never"), 0);
  ck_assert_int_eq(p, S2I_PULL_NEVER);
  ck_assert_int_eq(s2i_pull_policy_parse(&p, "sometimes"), -1);
}
END_TEST

static Suite *registry_suite(void)
{
  return tu_suite("registry", 0, NULL,
                  TU_TESTS(credentials_match_host_and_path,
                           credentials_search_order, pull_policies));
}

TU_MAIN(registry_suite)
