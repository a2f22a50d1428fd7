#include "transport.h"

#include <string.h>

#include "archive.h"
#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "refs.h"
#include "xalloc.h"

typedef int (*open_fn)(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const struct s2i_imageref *r, struct s2i_store *store,
                       const struct s2i_registry_opts *ro,
                       struct s2i_error **err);

static int open_archive(const struct s2i_ctx *ctx, struct s2i_image **out,
                        const struct s2i_imageref *r, struct s2i_store *store,
                        const struct s2i_registry_opts *ro,
                        struct s2i_error **err)
{
  (void)ro;
  return s2i_archive_read(ctx, out, r->transport, r->path, r->sel, store, err);
}

int s2i_transport_open_stored(const struct s2i_ctx *ctx, struct s2i_image **out,
                              const char *name, struct s2i_store *store,
                              struct s2i_error **err)
{
  if (s2i_archive_read(ctx, out, "oci", store->root, name, store, err) < 0)
    return -1;
  free((*out)->ref);
  (*out)->ref = xstrdup(name);
  return 0;
}

char *s2i_transport_store_name(struct s2i_store *store, const char *ref)
{
  return s2i_store_resolve_name(store, ref);
}

/* A registry reference: the store's copy, or pulled by the policy. */
static int open_registry(const struct s2i_ctx *ctx, struct s2i_image **out,
                         const struct s2i_imageref *r, struct s2i_store *store,
                         const struct s2i_registry_opts *ro,
                         struct s2i_error **err)
{
  static const struct s2i_registry_opts defaults = S2I_REGISTRY_OPTS_INIT;
  cleanup_free char *name = NULL;

  if (ro == NULL)
    ro = &defaults;
  if (ro->pull_policy != S2I_PULL_ALWAYS)
    name = s2i_transport_store_name(store, r->path);
  if (name == NULL && ro->pull_policy == S2I_PULL_NEVER)
    return s2i_error_make(err, 0,
                          "image %s is not in the store %s and the pull "
                          "policy is never (pull it with `s2i pull %s`)",
                          r->path, store->root, r->path);
  if (name == NULL &&
      s2i_registry_pull(ctx, ro, store, r->path, &name, err) < 0)
    return -1;
  return s2i_transport_open_stored(ctx, out, name, store, err);
}

static const struct {
  const char *name;
  open_fn open;
  int has_sel; /* PATH[:REF] rather than a whole registry name */
} transports[] = {
    {"docker-archive", open_archive, 1},
    {"oci-archive", open_archive, 1},
    {"oci", open_archive, 1},
    {"docker", open_registry, 0},
};

/* Transports of skopeo and podman that s2i does not read. */
static const char *const unsupported[] = {
    "containers-storage", "docker-daemon", "dir", "sif", "tarball", "ostree",
};

static int find_transport(const char *name)
{
  for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
    if (strcmp(transports[i].name, name) == 0)
      return (int)i;
  return -1;
}

static int is_unsupported(const char *name)
{
  for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
    if (strcmp(unsupported[i], name) == 0)
      return 1;
  return 0;
}

/* "PATH[:REF]": a remainder that exists as a file is all path, since paths
 * may hold ':' too; otherwise the first ':' splits (as skopeo does). */
static void split_path_ref(struct s2i_imageref *r, const char *rest)
{
  const char *colon = strchr(rest, ':');

  if (s2i_fs_exists(rest) || colon == NULL || colon == rest) {
    r->path = xstrdup(rest);
    return;
  }
  r->path = xstrndup(rest, (size_t)(colon - rest));
  r->sel = xstrdup(colon + 1);
}

/* A transport prefix is a transport's name followed by ':' ("docker://"
 * included); "python:3.12" and "localhost:5000/x" are references. */
static char *transport_of(const char *ref)
{
  size_t n = strspn(ref, "abcdefghijklmnopqrstuvwxyz-");
  cleanup_free char *name = NULL;

  if (n == 0 || ref[n] != ':' || s2i_fs_exists(ref))
    return NULL;
  name = xstrndup(ref, n);
  if (find_transport(name) < 0 && !is_unsupported(name))
    return NULL;
  return s2i_steal(name);
}

/* Paths rather than references: what starts like a path or ends like a
 * tarball. */
static int looks_like_path(const char *ref)
{
  size_t n = strlen(ref);
  static const char *const ends[] = {".tar", ".tar.gz", ".tgz", ".tar.zst"};

  if (ref[0] == '/' || ref[0] == '.' || ref[0] == '~')
    return 1;
  for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
    size_t e = strlen(ends[i]);
    if (n > e && strcmp(ref + n - e, ends[i]) == 0)
      return 1;
  }
  return 0;
}

void s2i_imageref_free(struct s2i_imageref *r)
{
  if (r == NULL)
    return;
  free(r->transport);
  free(r->path);
  free(r->sel);
  free(r);
}

int s2i_transport_parse(struct s2i_imageref **out, const char *ref,
                        struct s2i_error **err)
{
  cleanup_imageref struct s2i_imageref *r = xcalloc(1, sizeof(*r));
  const char *rest;
  int t;

  r->transport = transport_of(ref);
  if (r->transport == NULL) { /* a plain tarball path or a reference */
    r->path = xstrdup(ref);
    *out = s2i_steal(r);
    return 0;
  }
  t = find_transport(r->transport);
  if (t < 0)
    return s2i_error_make(err, 0,
                          "image %s: unknown transport \"%s\" (use "
                          "docker-archive:PATH, oci-archive:PATH[:REF], "
                          "oci:DIR[:REF], docker://REF, a store tag, a "
                          "registry reference or a tarball path)",
                          ref, r->transport);
  rest = ref + strlen(r->transport) + 1;
  if (transports[t].has_sel)
    split_path_ref(r, rest);
  else
    r->path = xstrdup(strncmp(rest, "//", 2) == 0 ? rest + 2 : rest);
  *out = s2i_steal(r);
  return 0;
}

/* No transport: a file, a store tag, a registry reference, else a path
 * (whose error names the file). */
static int open_plain(const struct s2i_ctx *ctx, struct s2i_image **out,
                      struct s2i_imageref *r, struct s2i_store *store,
                      const struct s2i_registry_opts *ro,
                      struct s2i_error **err)
{
  cleanup_ref struct s2i_ref *parsed = NULL;
  struct s2i_error *e = NULL;

  if (s2i_fs_exists(r->path) || looks_like_path(r->path))
    return open_archive(ctx, out, r, store, ro, err);
  if (s2i_ref_parse(&parsed, r->path, &e) < 0) {
    s2i_error_free(e);
    return open_archive(ctx, out, r, store, ro, err);
  }
  return open_registry(ctx, out, r, store, ro, err);
}

int s2i_transport_open_with(const struct s2i_ctx *ctx, struct s2i_image **out,
                            const char *ref, struct s2i_store *store,
                            const struct s2i_registry_opts *ro,
                            struct s2i_error **err)
{
  cleanup_imageref struct s2i_imageref *r = NULL;

  if (s2i_transport_parse(&r, ref, err) < 0)
    return -1;
  if (r->transport == NULL)
    return open_plain(ctx, out, r, store, ro, err);
  return transports[find_transport(r->transport)].open(ctx, out, r, store, ro,
                                                       err);
}

int s2i_transport_open(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const char *ref, struct s2i_store *store,
                       struct s2i_error **err)
{
  return s2i_transport_open_with(ctx, out, ref, store, NULL, err);
}
