/* The registry client (OCI distribution spec), libcurl + jansson: pull an
 * image into the local store, push one from it.
 *
 * Pull: the manifest (OCI or Docker v2 schema 2; an index or manifest list
 * picks the platform), then the config and layer blobs, several at once,
 * each hashed as it streams into <store>/.s2i/partial/ and renamed into
 * blobs/ only when its digest is right.  A blob the store has is not
 * fetched; a partial one is resumed with a Range request; 5xx, resets and
 * time-outs are retried a bounded number of times with backoff.
 *
 * Push: each blob is skipped when the registry has it (HEAD), mounted
 * from another repository of the same registry when the store knows it
 * came from one, else uploaded (one PUT, or PATCH chunks for large
 * blobs); then the manifest.
 *
 * Auth: the WWW-Authenticate challenge (Bearer: realm, service, scope,
 * anonymous first; Basic), credentials from containers-auth.json(5) files.
 * Credentials are never printed. */
#ifndef S2I_REGISTRY_H
#define S2I_REGISTRY_H

#include "ctx.h"
#include "digest.h"
#include "error.h"
#include "store.h"

enum s2i_pull_policy {
  S2I_PULL_IF_NOT_PRESENT = 0,
  S2I_PULL_ALWAYS,
  S2I_PULL_NEVER,
};

struct s2i_registry_opts {
  const char *authfile; /* --authfile; NULL: the usual search */
  int tls_verify;       /* 1 unless --tls-verify=false */
  const char *cert_dir; /* --cert-dir: CA .crt files, client .cert + .key */
  const char *platform; /* "os/arch[/variant]"; NULL: linux/amd64 */
  enum s2i_pull_policy pull_policy;
};
#define S2I_REGISTRY_OPTS_INIT                                                 \
  {                                                                            \
    NULL, 1, NULL, NULL, S2I_PULL_IF_NOT_PRESENT                               \
  }

/* Parse "always", "if-not-present" (or "ifnotpresent") and "never". */
int s2i_pull_policy_parse(enum s2i_pull_policy *out, const char *s);

/* Pull ref into the store and tag it there under its full name
 * ("docker.io/library/python:3.12"), returned in *name when name is not
 * NULL. */
int s2i_registry_pull(const struct s2i_ctx *ctx,
                      const struct s2i_registry_opts *o,
                      struct s2i_store *store, const char *ref, char **name,
                      struct s2i_error **err);

/* Push the store's tag to dest (a registry reference; NULL: the tag
 * itself, which must then name a registry).  digest receives the pushed
 * manifest's digest. */
int s2i_registry_push(const struct s2i_ctx *ctx,
                      const struct s2i_registry_opts *o,
                      struct s2i_store *store, const char *tag,
                      const char *dest, char digest[S2I_DIGEST_LEN + 1],
                      struct s2i_error **err);

/* Parse "user:password" out of an auth.json entry for the registry host
 * (and repository path) of ref; 1 when found, 0 when not, <0 on error.
 * The search order of containers-auth.json(5) applies when authfile is
 * NULL.  Exposed for the unit tests. */
int s2i_registry_find_credentials(const char *authfile, const char *domain,
                                  const char *path, char **user,
                                  char **password, struct s2i_error **err);

#endif
