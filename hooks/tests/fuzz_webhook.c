/* libFuzzer target for the webhook payload parsers (`make fuzz`): the
 * first byte picks the host and which headers are sent, the rest is the
 * body.  Every verdict must come with a reason, and a BUILD must carry a
 * commit id (or none, for generic) and a ref on the tracked branch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook.h"

static const char *headers_github[] = {"X-GitHub-Event", "push",
                                       "X-GitHub-Delivery", "d", NULL};
static const char *headers_ping[] = {"X-GitHub-Event", "ping", NULL};
static const char *headers_gitlab[] = {"X-Gitlab-Event", "Push Hook",
                                       "X-Gitlab-Token", "fuzz-secret", NULL};
static const char *headers_gitea[] = {"X-Gitea-Event", "push", NULL};
static const char *headers_bb_cloud[] = {"X-Event-Key", "repo:push", NULL};
static const char *headers_bb_server[] = {"X-Event-Key", "repo:refs_changed",
                                          "X-Hub-Signature", "sha256=00", NULL};
static const char *headers_none[] = {NULL};

static const char *lookup(void *data, const char *name)
{
  const char **h = data;

  for (size_t i = 0; h[i]; i += 2)
    if (strcasecmp(h[i], name) == 0)
      return h[i + 1];
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char **sets[] = {
      headers_github,   headers_ping,      headers_gitlab, headers_gitea,
      headers_bb_cloud, headers_bb_server, headers_none};
  static const enum hooks_hook_type types[] = {
      HOOKS_HOOK_GITHUB, HOOKS_HOOK_GITHUB,    HOOKS_HOOK_GITLAB,
      HOOKS_HOOK_GITEA,  HOOKS_HOOK_BITBUCKET, HOOKS_HOOK_BITBUCKET,
      HOOKS_HOOK_GENERIC};
  struct hooks_push p;
  const char *why = NULL;
  char *body;
  unsigned k;

  if (size == 0)
    return 0;
  k = data[0] % 7;
  body = malloc(size);
  memcpy(body, data + 1, size - 1);
  body[size - 1] = '\0';
  struct hooks_hook_request r = {
      .type = types[k],
      .header = lookup,
      .header_data = sets[k],
      .body = body,
      .body_len = size - 1,
      .secret = "fuzz-secret",
      .tracked_ref = "main",
  };
  enum hooks_verdict v = hooks_webhook_parse(&p, &r, &why);
  if (why == NULL)
    abort();
  if (v == HOOKS_VERDICT_BUILD && types[k] != HOOKS_HOOK_GENERIC &&
      (p.commit == NULL || !hooks_webhook_ref_matches(p.ref, "main")))
    abort();
  hooks_push_clear(&p);
  free(body);
  return 0;
}
