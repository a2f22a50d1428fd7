#include "transport.h"

#include <string.h>

#include "archive.h"
#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

typedef int (*open_fn)(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const struct s2i_imageref *r, struct s2i_store *store,
                       struct s2i_error **err);

static int open_archive(const struct s2i_ctx *ctx, struct s2i_image **out,
                        const struct s2i_imageref *r, struct s2i_store *store,
                        struct s2i_error **err)
{
  return s2i_archive_read(ctx, out, r->transport, r->path, r->sel, store, err);
}

static int open_registry(const struct s2i_ctx *ctx, struct s2i_image **out,
                         const struct s2i_imageref *r, struct s2i_store *store,
                         struct s2i_error **err)
{
  (void)ctx, (void)out, (void)store;
  /* The dispatch point for registry.c once it exists. */
  return s2i_error_make(err, 0,
                        "image %s:%s: registry transport is not supported yet; "
                        "save the image with `skopeo copy %s:%s "
                        "docker-archive:FILE` and use FILE",
                        r->transport, r->path, r->transport, r->path);
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

static int find_transport(const char *name)
{
  for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
    if (strcmp(transports[i].name, name) == 0)
      return (int)i;
  return -1;
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

/* A transport prefix is [a-z-]+ followed by ':' before any '/'. */
static char *transport_of(const char *ref)
{
  size_t n = strspn(ref, "abcdefghijklmnopqrstuvwxyz-");

  if (n == 0 || ref[n] != ':' || s2i_fs_exists(ref))
    return NULL;
  return xstrndup(ref, n);
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
  if (r->transport == NULL) { /* a plain tarball path */
    r->path = xstrdup(ref);
    *out = s2i_steal(r);
    return 0;
  }
  t = find_transport(r->transport);
  if (t < 0)
    return s2i_error_make(err, 0,
                          "image %s: unknown transport \"%s\" (use "
                          "docker-archive:PATH, oci-archive:PATH[:REF], "
                          "oci:DIR[:REF] or a tarball path)",
                          ref, r->transport);
  rest = ref + strlen(r->transport) + 1;
  if (transports[t].has_sel)
    split_path_ref(r, rest);
  else
    r->path = xstrdup(rest);
  *out = s2i_steal(r);
  return 0;
}

int s2i_transport_open(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const char *ref, struct s2i_store *store,
                       struct s2i_error **err)
{
  cleanup_imageref struct s2i_imageref *r = NULL;

  if (s2i_transport_parse(&r, ref, err) < 0)
    return -1;
  if (r->transport == NULL)
    return open_archive(ctx, out, r, store, err);
  return transports[find_transport(r->transport)].open(ctx, out, r, store, err);
}
