/* hooks/config.c: the serve configuration, refused at start when bad. */
#include "config.h"
#include "testutil.h"

static const char good_app[] =
    "{\"name\":\"site\",\"source\":\"repo.git\",\"builder\":\"b.tar\","
    "\"secret\":\"s3cr3t-value\",\"env\":{\"A\":\"1\"},"
    "\"deploy\":{\"type\":\"podman\",\"port\":18080}}";

static int load_text(const char *text, mode_t mode, struct hooks_config **cfg,
                     struct s2i_error **err)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "serve.json");
  int rc;

  tu_write(dir, "serve.json", text, mode);
  rc = hooks_config_load(tu_ctx(), cfg, path, err);
  free(path);
  tu_rmdir(dir);
  return rc;
}

static void expect_error(const char *text, mode_t mode, const char *needle)
{
  struct hooks_config *cfg = NULL;
  struct s2i_error *err = NULL;

  tu_assert_error(load_text(text, mode, &cfg, &err), &err, needle);
  ck_assert_ptr_null(cfg);
}

START_TEST(test_good)
{
  cleanup_free char *text = xasprintf("{\"apps\":[%s]}", good_app);
  struct hooks_config *cfg = NULL;
  struct s2i_error *err = NULL;
  const struct hooks_app *a;

  ck_assert_int_eq(load_text(text, 0600, &cfg, &err), 0);
  a = hooks_config_app(cfg, "site");
  ck_assert_ptr_nonnull(a);
  ck_assert_str_eq(a->ref, "main");
  ck_assert_str_eq(a->tag, "site:latest");
  ck_assert_str_eq(a->secret, "s3cr3t-value");
  ck_assert_str_eq(a->env.v[0], "A=1");
  ck_assert_int_eq(a->deploy.type, HOOKS_DEPLOY_PODMAN);
  ck_assert_int_eq(a->deploy.public_port, 18080);
  ck_assert_int_eq(a->deploy.container_port, 8080);
  ck_assert_str_eq(a->deploy.health_path, "/");
  ck_assert_ptr_nonnull(strstr(a->builder, "/b.tar"));
  ck_assert_int_eq(a->builder[0], '/');
  ck_assert_str_eq(cfg->listen, "127.0.0.1:8080");
  ck_assert_ptr_null(hooks_config_app(cfg, "other"));
  hooks_config_free(cfg);
}
END_TEST

START_TEST(test_loose_permissions)
{
  cleanup_free char *text = xasprintf("{\"apps\":[%s]}", good_app);

  expect_error(text, 0644, "permissions 0644 are too open");
}
END_TEST

START_TEST(test_loose_secret_file)
{
  char *dir = tu_tmpdir();
  char *path = s2i_fs_join(dir, "serve.json");
  struct hooks_config *cfg = NULL;
  struct s2i_error *err = NULL;

  tu_write(dir, "secret", "from-a-file-123\n", 0640);
  tu_write(dir, "serve.json",
           "{\"apps\":[{\"name\":\"a\",\"source\":\"s\",\"builder\":\"b\","
           "\"secret_file\":\"secret\"}]}",
           0644);
  tu_assert_error(hooks_config_load(tu_ctx(), &cfg, path, &err), &err,
                  "secret: permissions 0640 are too open");
  tu_write(dir, "secret", "from-a-file-123\n", 0600);
  ck_assert_int_eq(hooks_config_load(tu_ctx(), &cfg, path, &err), 0);
  ck_assert_str_eq(cfg->apps[0].secret, "from-a-file-123");
  hooks_config_free(cfg);
  free(path);
  tu_rmdir(dir);
}
END_TEST

START_TEST(test_bad_keys)
{
  expect_error("{\"apps\":[]}", 0600, "apps: must be a non-empty array");
  expect_error("{\"apps\":[{\"name\":\"a\"}]}", 0600,
               "apps[0].source: missing (required)");
  expect_error("{\"lisen\":\"x\",\"apps\":[]}", 0600, "lisen: unknown key");
  expect_error("{\"apps\":[{\"name\":\"A b\",\"source\":\"s\","
               "\"builder\":\"b\",\"secret\":\"12345678\"}]}",
               0600, "apps[0].name: \"A b\" must be");
  expect_error("{\"apps\":[{\"name\":\"a\",\"source\":\"s\","
               "\"builder\":\"b\",\"secret\":\"short\"}]}",
               0600, "apps[0] (a).secret: must be at least 8");
  expect_error("{\"apps\":[{\"name\":\"a\",\"source\":\"s\","
               "\"builder\":\"b\"}]}",
               0600, "apps[0] (a).secret: give one of");
  expect_error("{\"max_builds\":0,\"apps\":[]}", 0600,
               "max_builds: must be an integer from 1 to 64");
  expect_error("{\"apps\":[", 0600, "line 1:");
}
END_TEST

START_TEST(test_bad_deploy)
{
  static const char head[] = "{\"apps\":[{\"name\":\"a\",\"source\":\"s\","
                             "\"builder\":\"b\",\"secret\":\"12345678\","
                             "\"deploy\":";
  cleanup_free char *reg =
      xasprintf("%s{\"type\":\"registry\",\"tls_verify\":\"no\"}}]}", head);
  cleanup_free char *nop = xasprintf("%s{\"type\":\"podman\"}}]}", head);
  cleanup_free char *cmd = xasprintf("%s{\"type\":\"command\"}}]}", head);
  cleanup_free char *odd = xasprintf("%s{\"type\":\"ftp\"}}]}", head);

  expect_error(reg, 0600, "deploy.tls_verify: must be true or false");
  expect_error(nop, 0600, "deploy.port: missing");
  expect_error(cmd, 0600, "deploy.command: must be a non-empty array");
  expect_error(odd, 0600, "unknown deploy type \"ftp\"");
}
END_TEST

START_TEST(test_duplicates)
{
  cleanup_free char *two = xasprintf("{\"apps\":[%s,%s]}", good_app, good_app);

  expect_error(two, 0600, "apps[1].name: \"site\" is also apps[0]");
}
END_TEST

static Suite *config_suite(void)
{
  return tu_suite("hooks_config", 0, NULL,
                  TU_TESTS(test_good, test_loose_permissions,
                           test_loose_secret_file, test_bad_keys,
                           test_bad_deploy, test_duplicates));
}

TU_MAIN(config_suite)
