/* hooks/webhook.c and signature.c: payloads shaped as each host documents
 * them, signatures, verdicts. */
#include "signature.h"
#include "testutil.h"
#include "webhook.h"

#define C1 "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
#define C0 "0000000000000000000000000000000000000000"
#define SECRET "It's a Secret to Everybody"

/* Headers as a NULL-terminated list of name, value pairs. */
static const char *lookup(void *data, const char *name)
{
  const char **h = data;

  for (size_t i = 0; h[i]; i += 2)
    if (strcasecmp(h[i], name) == 0)
      return h[i + 1];
  return NULL;
}

static enum hooks_verdict run(struct hooks_push *p, enum hooks_hook_type t,
                              const char **headers, const char *body)
{
  const char *why = NULL;
  struct hooks_hook_request r = {
      .type = t,
      .header = lookup,
      .header_data = headers,
      .body = body,
      .body_len = strlen(body),
      .secret = SECRET,
      .tracked_ref = "main",
  };
  enum hooks_verdict v = hooks_webhook_parse(p, &r, &why);

  ck_assert_ptr_nonnull(why);
  return v;
}

START_TEST(test_github_vector)
{
  char hex[HOOKS_SHA256_HEX + 1];

  /* docs.github.com, "Validating webhook deliveries" */
  hooks_signature_hmac(hex, SECRET, "Hello, World!", 13);
  ck_assert_str_eq(
      hex, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
  ck_assert(hooks_signature_check(
      SECRET, "Hello, World!", 13,
      "sha256="
      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
  ck_assert(hooks_signature_check(
      SECRET, "Hello, World!", 13,
      "757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"));
  ck_assert(!hooks_signature_check(
      SECRET, "Hello, World?", 13,
      "sha256="
      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
  ck_assert(!hooks_signature_check(SECRET, "Hello, World!", 13, "sha256=75"));
  ck_assert(!hooks_signature_check(SECRET, "Hello, World!", 13, NULL));
  ck_assert(hooks_secret_equal("abc", "abc"));
  ck_assert(!hooks_secret_equal("abc", "abd"));
  ck_assert(!hooks_secret_equal("abc", "abcd"));
}
END_TEST

static const char gh_push[] =
    "{\"ref\":\"refs/heads/main\",\"before\":\"" C0 "\",\"after\":\"" C1
    "\",\"head_commit\":{\"id\":\"" C1 "\",\"message\":\"Update "
    "README\",\"author\":{\"name\":\"Ada\"}},\"repository\":{\"full_name\":"
    "\"o/r\"}}";

START_TEST(test_github_push)
{
  char sig[80], hex[HOOKS_SHA256_HEX + 1];
  const char *h[] = {"X-GitHub-Event",
                     "push",
                     "X-GitHub-Delivery",
                     "d-1",
                     "X-Hub-Signature-256",
                     sig,
                     NULL};
  struct hooks_push p;

  hooks_signature_hmac(hex, SECRET, gh_push, strlen(gh_push));
  snprintf(sig, sizeof(sig), "sha256=%s", hex);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, h, gh_push), HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.commit, C1);
  ck_assert_str_eq(p.ref, "refs/heads/main");
  ck_assert_str_eq(p.delivery, "d-1");
  ck_assert_str_eq(p.message, "Update README");
  ck_assert_str_eq(p.author, "Ada");
  hooks_push_clear(&p);
  sig[10] ^= 1;
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, h, gh_push),
                   HOOKS_VERDICT_BAD_AUTH);
  hooks_push_clear(&p);
  h[4] = NULL; /* no signature: the URL's secret is the check */
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, h, gh_push), HOOKS_VERDICT_BUILD);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_github_events)
{
  const char *ping[] = {"X-GitHub-Event", "ping", NULL};
  const char *issues[] = {"X-GitHub-Event", "issues", NULL};
  const char *push[] = {"X-GitHub-Event", "push", NULL};
  const char *other = "{\"ref\":\"refs/heads/dev\",\"after\":\"" C1 "\"}";
  const char *deleted =
      "{\"ref\":\"refs/heads/main\",\"after\":\"" C0 "\",\"deleted\":true}";
  struct hooks_push p;

  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, ping, "{\"zen\":\"x\"}"),
                   HOOKS_VERDICT_PING);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, issues, "{}"),
                   HOOKS_VERDICT_BAD_EVENT);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, push, other), HOOKS_VERDICT_SKIP);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, push, deleted),
                   HOOKS_VERDICT_SKIP);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, push, "{\"ref\":"),
                   HOOKS_VERDICT_MALFORMED);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITHUB, push, "[1]"),
                   HOOKS_VERDICT_MALFORMED);
  hooks_push_clear(&p);
  ck_assert_int_eq(
      run(&p, HOOKS_HOOK_GITHUB, push,
          "{\"ref\":\"refs/heads/main\",\"after\":\"$(rm -rf /)\"}"),
      HOOKS_VERDICT_MALFORMED);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_gitlab)
{
  const char *h[] = {"X-Gitlab-Event",
                     "Push Hook",
                     "X-Gitlab-Token",
                     SECRET,
                     "X-Gitlab-Event-UUID",
                     "u-1",
                     NULL};
  const char *body =
      "{\"object_kind\":\"push\",\"ref\":\"refs/heads/main\",\"before\":\"" C0
      "\",\"after\":\"" C1 "\",\"checkout_sha\":\"" C1
      "\",\"user_name\":\"John\",\"commits\":[{\"id\":\"" C1
      "\",\"message\":\"fix\",\"author\":{\"name\":\"Jane\"}}]}";
  struct hooks_push p;

  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITLAB, h, body), HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.commit, C1);
  ck_assert_str_eq(p.message, "fix");
  ck_assert_str_eq(p.author, "Jane");
  ck_assert_str_eq(p.delivery, "u-1");
  hooks_push_clear(&p);
  h[3] = "wrong";
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITLAB, h, body), HOOKS_VERDICT_BAD_AUTH);
  hooks_push_clear(&p);
  h[3] = SECRET;
  h[1] = "Tag Push Hook";
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITLAB, h, body),
                   HOOKS_VERDICT_BAD_EVENT);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_gitea_forgejo)
{
  const char *body = "{\"ref\":\"refs/heads/main\",\"before\":\"" C0
                     "\",\"after\":\"" C1 "\",\"head_commit\":{\"id\":\"" C1
                     "\",\"message\":\"m\",\"author\":{\"name\":\"G\"}}}";
  char hex[HOOKS_SHA256_HEX + 1];
  const char *gitea[] = {
      "X-Gitea-Event", "push", "X-Gitea-Signature", hex, "X-Gitea-Delivery",
      "g-1",           NULL};
  const char *forgejo[] = {"X-Forgejo-Event", "push", "X-Forgejo-Signature",
                           hex, NULL};
  struct hooks_push p;

  hooks_signature_hmac(hex, SECRET, body, strlen(body));
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITEA, gitea, body), HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.delivery, "g-1");
  ck_assert_str_eq(p.author, "G");
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITEA, forgejo, body),
                   HOOKS_VERDICT_BUILD);
  hooks_push_clear(&p);
  hex[0] = hex[0] == 'a' ? 'b' : 'a';
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GITEA, forgejo, body),
                   HOOKS_VERDICT_BAD_AUTH);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_bitbucket)
{
  const char *cloud_h[] = {"X-Event-Key", "repo:push", "X-Request-UUID", "b-1",
                           NULL};
  const char *cloud =
      "{\"actor\":{\"display_name\":\"Bea\"},\"push\":{\"changes\":[{\"new\":{"
      "\"type\":\"branch\",\"name\":\"dev\",\"target\":{\"hash\":\"" C0
      "\"}}},{\"new\":{\"type\":\"branch\",\"name\":\"main\",\"target\":{"
      "\"hash\":\"" C1 "\",\"message\":\"bb\"}},\"old\":null}]}}";
  char sig[80], hex[HOOKS_SHA256_HEX + 1];
  const char *server_h[] = {"X-Event-Key", "repo:refs_changed",
                            "X-Hub-Signature", sig, NULL};
  const char *server =
      "{\"eventKey\":\"repo:refs_changed\",\"actor\":{\"displayName\":\"S\"},"
      "\"changes\":[{\"ref\":{\"id\":\"refs/heads/main\",\"displayId\":"
      "\"main\",\"type\":\"BRANCH\"},\"fromHash\":\"" C0 "\",\"toHash\":\"" C1
      "\",\"type\":\"UPDATE\"}]}";
  const char *ping_h[] = {"X-Event-Key", "diagnostics:ping", NULL};
  struct hooks_push p;

  ck_assert_int_eq(run(&p, HOOKS_HOOK_BITBUCKET, cloud_h, cloud),
                   HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.commit, C1);
  ck_assert_str_eq(p.ref, "refs/heads/main");
  ck_assert_str_eq(p.message, "bb");
  ck_assert_str_eq(p.delivery, "b-1");
  hooks_push_clear(&p);
  hooks_signature_hmac(hex, SECRET, server, strlen(server));
  snprintf(sig, sizeof(sig), "sha256=%s", hex);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_BITBUCKET, server_h, server),
                   HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.author, "S");
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_BITBUCKET, server_h, cloud),
                   HOOKS_VERDICT_BAD_AUTH);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_BITBUCKET, ping_h, "{}"),
                   HOOKS_VERDICT_PING);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_generic)
{
  const char *h[] = {NULL};
  const char *full =
      "{\"type\":\"Git\",\"git\":{\"uri\":\"https://g/x.git\",\"ref\":"
      "\"main\",\"commit\":\"" C1 "\",\"author\":{\"name\":\"O\",\"email\":"
      "\"o@x\"},\"committer\":{\"name\":\"O\"},\"message\":\"gen\"},\"env\":[{"
      "\"name\":\"A\",\"value\":\"1\"}]}";
  struct hooks_push p;

  ck_assert_int_eq(run(&p, HOOKS_HOOK_GENERIC, h, ""), HOOKS_VERDICT_BUILD);
  ck_assert_ptr_null(p.commit);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GENERIC, h, full), HOOKS_VERDICT_BUILD);
  ck_assert_str_eq(p.commit, C1);
  ck_assert_str_eq(p.message, "gen");
  ck_assert_str_eq(p.env.v[0], "A=1");
  hooks_push_clear(&p);
  ck_assert_int_eq(
      run(&p, HOOKS_HOOK_GENERIC, h, "{\"git\":{\"ref\":\"refs/heads/dev\"}}"),
      HOOKS_VERDICT_SKIP);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GENERIC, h, "{\"env\":{\"A\":1}}"),
                   HOOKS_VERDICT_MALFORMED);
  hooks_push_clear(&p);
  ck_assert_int_eq(run(&p, HOOKS_HOOK_GENERIC, h, "not json"),
                   HOOKS_VERDICT_MALFORMED);
  hooks_push_clear(&p);
}
END_TEST

START_TEST(test_types_and_refs)
{
  ck_assert_int_eq(hooks_webhook_type("github"), HOOKS_HOOK_GITHUB);
  ck_assert_int_eq(hooks_webhook_type("generic"), HOOKS_HOOK_GENERIC);
  ck_assert_int_eq(hooks_webhook_type("svn"), -1);
  ck_assert(hooks_webhook_ref_matches("refs/heads/main", "main"));
  ck_assert(hooks_webhook_ref_matches("main", "refs/heads/main"));
  ck_assert(!hooks_webhook_ref_matches("refs/heads/mainline", "main"));
  ck_assert(!hooks_webhook_ref_matches("refs/tags/main", "main"));
}
END_TEST

static Suite *webhook_suite(void)
{
  return tu_suite("hooks_webhook", 0, NULL,
                  TU_TESTS(test_github_vector, test_github_push,
                           test_github_events, test_gitlab, test_gitea_forgejo,
                           test_bitbucket, test_generic, test_types_and_refs));
}

TU_MAIN(webhook_suite)
