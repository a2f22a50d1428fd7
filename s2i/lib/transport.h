/* Image references and their transports, as skopeo spells them:
 * docker-archive:PATH[:REF], oci-archive:PATH[:REF], oci:DIR[:REF], a plain
 * PATH to a tarball (read as docker-archive or OCI, whichever it holds),
 * and docker://NAME (the registry entry point, not supported yet).  This
 * module only parses a reference and dispatches to a reader (archive.c,
 * later registry.c); image.c is the model the readers fill. */
#ifndef S2I_TRANSPORT_H
#define S2I_TRANSPORT_H

#include "cleanup.h"
#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"

struct s2i_imageref {
  char *transport; /* "docker-archive", "oci-archive", "oci", "docker", or
                      NULL for a plain tarball path */
  char *path;      /* file, directory, or registry name */
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
 * digest) and verified. */
int s2i_transport_open(const struct s2i_ctx *ctx, struct s2i_image **out,
                       const char *ref, struct s2i_store *store,
                       struct s2i_error **err);

#endif
