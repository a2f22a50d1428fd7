/* Webhook payloads: GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud and
 * Server, OpenShift generic.  Fields as each host documents them. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "signature.h"
#include "webhook.h"
#include "xalloc.h"

static const char *const type_names[] = {"github",    "gitlab",  "gitea",
                                         "bitbucket", "generic", NULL};

int hooks_webhook_type(const char *name)
{
  for (int i = 0; type_names[i]; i++)
    if (strcmp(type_names[i], name) == 0)
      return i;
  return -1;
}

int hooks_webhook_ref_matches(const char *ref, const char *tracked)
{
  if (ref == NULL || tracked == NULL)
    return 0;
  if (strncmp(ref, "refs/heads/", 11) == 0)
    ref += 11;
  if (strncmp(tracked, "refs/heads/", 11) == 0)
    tracked += 11;
  return strcmp(ref, tracked) == 0;
}

void hooks_push_clear(struct hooks_push *p)
{
  free(p->ref);
  free(p->commit);
  free(p->delivery);
  free(p->author);
  free(p->message);
  s2i_strv_free(&p->env);
  memset(p, 0, sizeof(*p));
}

/* The string at a dotted path ("head_commit.author.name"), or NULL. */
static const char *jpath(json_t *v, const char *path)
{
  char key[64];

  while (v != NULL && *path) {
    size_t n = strcspn(path, ".");

    if (n >= sizeof(key))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    v = json_object_get(v, key);
    path += n + (path[n] == '.');
  }
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *dup_or_null(const char *s)
{
  return s ? xstrdup(s) : NULL;
}

static const char *header(const struct hooks_hook_request *r, const char *name)
{
  return r->header(r->header_data, name);
}

static int is_commit_id(const char *s)
{
  size_t n = s ? strlen(s) : 0;

  if (n != 40 && n != 64)
    return 0;
  return strspn(s, "0123456789abcdef") == n;
}

/* A commit id of zeros is how hosts say "the branch was deleted". */
static int is_zero_id(const char *s)
{
  return s && strspn(s, "0") == strlen(s);
}

/* The verdict once ref and commit are known. */
static enum hooks_verdict classify(struct hooks_push *p, const char *tracked,
                                   const char **why)
{
  if (p->ref == NULL || p->commit == NULL) {
    *why = "the payload has no ref or no commit";
    return HOOKS_VERDICT_MALFORMED;
  }
  if (is_zero_id(p->commit)) {
    *why = "skipped: the branch was deleted";
    return HOOKS_VERDICT_SKIP;
  }
  if (!is_commit_id(p->commit)) {
    *why = "the payload's commit is not a commit id";
    return HOOKS_VERDICT_MALFORMED;
  }
  if (!hooks_webhook_ref_matches(p->ref, tracked)) {
    *why = "skipped: not the tracked branch";
    return HOOKS_VERDICT_SKIP;
  }
  *why = "build queued";
  return HOOKS_VERDICT_BUILD;
}

static json_t *load_body(const struct hooks_hook_request *r, const char **why)
{
  json_t *root = json_loadb(r->body, r->body_len, 0, NULL);

  if (root == NULL || !json_is_object(root)) {
    json_decref(root);
    *why = "the body is not a JSON object";
    return NULL;
  }
  return root;
}

static int bad_signature(const struct hooks_hook_request *r, const char *sig)
{
  return sig != NULL &&
         !hooks_signature_check(r->secret, r->body, r->body_len, sig);
}

/* GitHub's push payload, which Gitea and Forgejo send too. */
static enum hooks_verdict github_shaped(struct hooks_push *p, json_t *root,
                                        const struct hooks_hook_request *r,
                                        const char **why)
{
  p->ref = dup_or_null(jpath(root, "ref"));
  p->commit = dup_or_null(jpath(root, "after"));
  p->author = dup_or_null(jpath(root, "head_commit.author.name"));
  p->message = dup_or_null(jpath(root, "head_commit.message"));
  return classify(p, r->tracked_ref, why);
}

static enum hooks_verdict github(struct hooks_push *p,
                                 const struct hooks_hook_request *r,
                                 const char **why)
{
  const char *event = header(r, "X-GitHub-Event");
  cleanup_json json_t *root = NULL;

  if (bad_signature(r, header(r, "X-Hub-Signature-256"))) {
    *why = "X-Hub-Signature-256 does not match";
    return HOOKS_VERDICT_BAD_AUTH;
  }
  p->delivery = dup_or_null(header(r, "X-GitHub-Delivery"));
  if (event && strcmp(event, "ping") == 0) {
    *why = "pong";
    return HOOKS_VERDICT_PING;
  }
  if (event == NULL || strcmp(event, "push") != 0) {
    *why = "only push events build (X-GitHub-Event)";
    return HOOKS_VERDICT_BAD_EVENT;
  }
  if ((root = load_body(r, why)) == NULL)
    return HOOKS_VERDICT_MALFORMED;
  return github_shaped(p, root, r, why);
}

/* GitLab's commits[] entry for the head commit, for its message. */
static void gitlab_head_facts(struct hooks_push *p, json_t *root)
{
  json_t *commits = json_object_get(root, "commits");
  size_t i;
  json_t *c;

  json_array_foreach(commits, i, c)
  {
    const char *id = jpath(c, "id");

    if (id && p->commit && strcmp(id, p->commit) == 0) {
      p->author = dup_or_null(jpath(c, "author.name"));
      p->message = dup_or_null(jpath(c, "message"));
    }
  }
  if (p->author == NULL)
    p->author = dup_or_null(jpath(root, "user_name"));
}

static enum hooks_verdict gitlab(struct hooks_push *p,
                                 const struct hooks_hook_request *r,
                                 const char **why)
{
  const char *token = header(r, "X-Gitlab-Token");
  const char *event = header(r, "X-Gitlab-Event");
  cleanup_json json_t *root = NULL;

  if (token && !hooks_secret_equal(token, r->secret)) {
    *why = "X-Gitlab-Token does not match";
    return HOOKS_VERDICT_BAD_AUTH;
  }
  p->delivery = dup_or_null(header(r, "X-Gitlab-Event-UUID"));
  if (event == NULL || strcmp(event, "Push Hook") != 0) {
    *why = "only push events build (X-Gitlab-Event: Push Hook)";
    return HOOKS_VERDICT_BAD_EVENT;
  }
  if ((root = load_body(r, why)) == NULL)
    return HOOKS_VERDICT_MALFORMED;
  p->ref = dup_or_null(jpath(root, "ref"));
  p->commit = dup_or_null(jpath(root, "after"));
  gitlab_head_facts(p, root);
  return classify(p, r->tracked_ref, why);
}

static const char *either(const struct hooks_hook_request *r, const char *a,
                          const char *b)
{
  const char *v = header(r, a);

  return v ? v : header(r, b);
}

static enum hooks_verdict gitea(struct hooks_push *p,
                                const struct hooks_hook_request *r,
                                const char **why)
{
  const char *sig = either(r, "X-Forgejo-Signature", "X-Gitea-Signature");
  const char *event = either(r, "X-Forgejo-Event", "X-Gitea-Event");
  cleanup_json json_t *root = NULL;

  if (bad_signature(r, sig)) {
    *why = "X-Gitea-Signature does not match";
    return HOOKS_VERDICT_BAD_AUTH;
  }
  p->delivery =
      dup_or_null(either(r, "X-Forgejo-Delivery", "X-Gitea-Delivery"));
  if (event == NULL || strcmp(event, "push") != 0) {
    *why = "only push events build (X-Gitea-Event)";
    return HOOKS_VERDICT_BAD_EVENT;
  }
  if ((root = load_body(r, why)) == NULL)
    return HOOKS_VERDICT_MALFORMED;
  return github_shaped(p, root, r, why);
}

/* Bitbucket Cloud's push.changes[].new: the tracked branch's entry if
 * there is one, else the first branch entry (a push elsewhere). */
static void bitbucket_cloud(struct hooks_push *p, json_t *root,
                            const char *tracked)
{
  json_t *changes = json_object_get(json_object_get(root, "push"), "changes");
  size_t i;
  json_t *c;

  json_array_foreach(changes, i, c)
  {
    json_t *n = json_object_get(c, "new");
    const char *name = jpath(n, "name");

    if (name == NULL || (p->ref && hooks_webhook_ref_matches(p->ref, tracked)))
      continue;
    free(p->ref);
    free(p->commit);
    free(p->message);
    p->ref = xasprintf("refs/heads/%s", name);
    p->commit = dup_or_null(jpath(n, "target.hash"));
    p->message = dup_or_null(jpath(n, "target.message"));
  }
  p->author = dup_or_null(jpath(root, "actor.display_name"));
}

/* Bitbucket Server's changes[]: {ref.id, toHash, type}. */
static void bitbucket_server(struct hooks_push *p, json_t *root,
                             const char *tracked)
{
  json_t *changes = json_object_get(root, "changes");
  size_t i;
  json_t *c;

  json_array_foreach(changes, i, c)
  {
    const char *ref = jpath(c, "ref.id");

    if (ref == NULL || (p->ref && hooks_webhook_ref_matches(p->ref, tracked)))
      continue;
    free(p->ref);
    free(p->commit);
    p->ref = xstrdup(ref);
    p->commit = dup_or_null(jpath(c, "toHash"));
  }
  p->author = dup_or_null(jpath(root, "actor.displayName"));
}

static enum hooks_verdict bitbucket(struct hooks_push *p,
                                    const struct hooks_hook_request *r,
                                    const char **why)
{
  const char *event = header(r, "X-Event-Key");
  cleanup_json json_t *root = NULL;
  int cloud;

  if (bad_signature(r, header(r, "X-Hub-Signature"))) {
    *why = "X-Hub-Signature does not match";
    return HOOKS_VERDICT_BAD_AUTH;
  }
  p->delivery = dup_or_null(either(r, "X-Request-UUID", "X-Request-Id"));
  if (event && strcmp(event, "diagnostics:ping") == 0) {
    *why = "pong";
    return HOOKS_VERDICT_PING;
  }
  cloud = event && strcmp(event, "repo:push") == 0;
  if (!cloud && (event == NULL || strcmp(event, "repo:refs_changed") != 0)) {
    *why = "only repo:push and repo:refs_changed build (X-Event-Key)";
    return HOOKS_VERDICT_BAD_EVENT;
  }
  if ((root = load_body(r, why)) == NULL)
    return HOOKS_VERDICT_MALFORMED;
  if (cloud)
    bitbucket_cloud(p, root, r->tracked_ref);
  else
    bitbucket_server(p, root, r->tracked_ref);
  return classify(p, r->tracked_ref, why);
}

static int generic_env(struct hooks_push *p, json_t *env)
{
  size_t i;
  json_t *e;

  if (env == NULL)
    return 0;
  if (!json_is_array(env))
    return -1;
  json_array_foreach(env, i, e)
  {
    const char *name = jpath(e, "name"), *value = jpath(e, "value");

    if (name == NULL || value == NULL || name[0] == '\0' || strchr(name, '='))
      return -1;
    s2i_strv_addf(&p->env, "%s=%s", name, value);
  }
  return 0;
}

/* OpenShift's generic webhook: the body is optional; without a commit the
 * tracked branch's head is built. */
static enum hooks_verdict generic(struct hooks_push *p,
                                  const struct hooks_hook_request *r,
                                  const char **why)
{
  cleanup_json json_t *root = NULL;

  p->delivery = dup_or_null(header(r, "X-Request-Id"));
  *why = "build queued";
  if (r->body_len == 0)
    return HOOKS_VERDICT_BUILD;
  if ((root = load_body(r, why)) == NULL)
    return HOOKS_VERDICT_MALFORMED;
  if (generic_env(p, json_object_get(root, "env")) < 0) {
    *why = "env must be a list of {\"name\", \"value\"}";
    return HOOKS_VERDICT_MALFORMED;
  }
  p->ref = dup_or_null(jpath(root, "git.ref"));
  p->commit = dup_or_null(jpath(root, "git.commit"));
  p->author = dup_or_null(jpath(root, "git.author.name"));
  p->message = dup_or_null(jpath(root, "git.message"));
  if (p->ref && !hooks_webhook_ref_matches(p->ref, r->tracked_ref)) {
    *why = "skipped: not the tracked branch";
    return HOOKS_VERDICT_SKIP;
  }
  if (p->commit && !is_commit_id(p->commit)) {
    *why = "git.commit is not a commit id";
    return HOOKS_VERDICT_MALFORMED;
  }
  return HOOKS_VERDICT_BUILD;
}

enum hooks_verdict hooks_webhook_parse(struct hooks_push *push,
                                       const struct hooks_hook_request *r,
                                       const char **why)
{
  enum hooks_verdict v;

  memset(push, 0, sizeof(*push));
  switch (r->type) {
  case HOOKS_HOOK_GITHUB: v = github(push, r, why); break;
  case HOOKS_HOOK_GITLAB: v = gitlab(push, r, why); break;
  case HOOKS_HOOK_GITEA: v = gitea(push, r, why); break;
  case HOOKS_HOOK_BITBUCKET: v = bitbucket(push, r, why); break;
  default: v = generic(push, r, why); break;
  }
  if (push->delivery && strlen(push->delivery) > 128) {
    free(push->delivery);
    push->delivery = NULL;
  }
  return v;
}
