/* Webhook payloads of the Git hosts OpenShift speaks to, as pure
 * functions: the request's type (the URL's last segment), its headers
 * (through a lookup function) and raw body in, a verdict and the push's
 * facts out.  Nothing here touches the network, the queue or the clock. */
#ifndef HOOKS_WEBHOOK_H
#define HOOKS_WEBHOOK_H

#include <stddef.h>

#include "strv.h"

#define HOOKS_BODY_MAX (1024 * 1024) /* larger bodies are answered 413 */

enum hooks_hook_type {
  HOOKS_HOOK_GITHUB,
  HOOKS_HOOK_GITLAB,
  HOOKS_HOOK_GITEA,     /* Gitea and Forgejo */
  HOOKS_HOOK_BITBUCKET, /* Cloud and Server (Data Center) */
  HOOKS_HOOK_GENERIC,   /* OpenShift's generic webhook */
};

enum hooks_verdict {
  HOOKS_VERDICT_BUILD,     /* a push to the tracked ref: 202 */
  HOOKS_VERDICT_SKIP,      /* a push elsewhere: 200 "skipped" */
  HOOKS_VERDICT_PING,      /* the host checking the hook: 200 */
  HOOKS_VERDICT_BAD_EVENT, /* an event we do not build on: 400 */
  HOOKS_VERDICT_MALFORMED, /* not JSON, or not shaped as documented: 400 */
  HOOKS_VERDICT_BAD_AUTH,  /* signature or token wrong: 401 */
};

/* The facts of one push, all owned, any may be NULL. */
struct hooks_push {
  char *ref;      /* as sent: "refs/heads/main" */
  char *commit;   /* the new head commit id */
  char *delivery; /* the host's delivery id (redeliveries repeat it) */
  char *author;
  char *message;
  struct s2i_strv env; /* generic webhook's env, NAME=VALUE */
};

/* Returns the value of header `name` (case-insensitive), or NULL. */
typedef const char *(*hooks_header_fn)(void *data, const char *name);

struct hooks_hook_request {
  enum hooks_hook_type type;
  hooks_header_fn header;
  void *header_data;
  const char *body; /* raw bytes as received (NUL-terminated) */
  size_t body_len;
  const char *secret;      /* the app's: HMAC key and token */
  const char *tracked_ref; /* the app's branch: "main" */
};

/* Fills *push (cleared first) and returns the verdict; *why gets a static
 * sentence for the answer's body. */
enum hooks_verdict hooks_webhook_parse(struct hooks_push *push,
                                       const struct hooks_hook_request *r,
                                       const char **why);

/* "github" -> HOOKS_HOOK_GITHUB ...; -1 when unknown. */
int hooks_webhook_type(const char *name);

/* 1 when ref ("refs/heads/x" or "x") names the branch tracked. */
int hooks_webhook_ref_matches(const char *ref, const char *tracked);

void hooks_push_clear(struct hooks_push *push);

#endif
