/* Image references and their transports: skopeo's docker-archive:PATH[:REF],
 * oci-archive:PATH[:REF], oci:DIR[:REF] and docker://REF; a plain PATH to a
 * tarball (read as docker-archive or OCI, whichever it holds); a tag in the
 * local store; and a registry reference as podman spells it (refs.h),
 * pulled into the store by the pull policy.  This module only parses a
 * reference and dispatches to a reader (archive.c, registry.c); image.c is
 * the model the readers fill.
 *
 * Without a transport, in this order: an existing file is a tarball; a tag
 * in the store is that image (pull policy if-not-present or never); a
 * valid registry reference is pulled (never: an error); else a path. */
#ifndef S2I_TRANSPORT_H
#define S2I_TRANSPORT_H

#include "cleanup.h"
#include "ctx.h"
#include "error.h"
#include "image.h"
#include "registry.h"
#include "store.h"

struct s2i_imageref {
  char *transport; /* "docker-archive", "oci-archive", "oci", "docker", or
                      NULL for a plain tarball path or a reference */
  char *path;      /* file, directory, or registry reference */
  char *sel;       /* the :REF part selecting one image, or NULL */
};

/* Split ref into its parts.  Fails, naming ref and the known transports,
 * on a transport s2i does not know (e.g. containers-storage:). */
int s2i_transport_parse(struct s2i_imageref **out, const char *ref,
                        struct s2i_error **err);
void s2i_imageref_free(struct s2i_imageref *r);
S2I_DEFINE_CLEANUP_FN(struct s2i_imageref *, s2i_imageref_free)
#define cleanup_imageref S2I_CLEANUP(s2i_imageref_free)

/* Open an image by reference.  Blobs are copied into the store (once per
 * digest) and verified.  ro: registry options (NULL: defaults). */
int s2i_transport_open_with(const struct s2i_ctx *ctx, struct s2i_image **out,
                            const char *ref, struct s2i_store *store,
                            const struct s2i_registry_opts *ro,
                            struct s2i_error **err);
int s2i_transport_open(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const char *ref, struct s2i_store *store,
                       struct s2i_error **err);

/* The store tag ref names (as given, with ":latest", or its full registry
 * name), or NULL. */
char *s2i_transport_store_name(struct s2i_store *store, const char *ref);

/* Open the store's tag name. */
int s2i_transport_open_stored(const struct s2i_ctx *ctx, struct s2i_image **out,
                              const char *name, struct s2i_store *store,
                              struct s2i_error **err);

#endif
