/* Write an image as ONE tarball that is both a docker-archive (manifest.json)
 * and an OCI image layout (oci-layout, index.json, blobs/sha256/...), as
 * `docker save` does since Docker 25.  podman load, skopeo's docker-archive:
 * and oci-archive: transports all read it.  Written to a temp name beside
 * PATH and renamed: an interrupted write never leaves a file at PATH. */
#ifndef S2I_WRITER_H
#define S2I_WRITER_H

#include "ctx.h"
#include "digest.h"
#include "error.h"
#include "image.h"
#include "store.h"

/* tag: "name:tag" recorded as RepoTags and org.opencontainers.image.ref.name.
 * manifest_digest (may be NULL) receives the OCI manifest's digest. */
int s2i_writer_write_archive(const struct s2i_ctx *ctx,
                             const struct s2i_image *img,
                             struct s2i_store *store, const char *tag,
                             const char *path,
                             char manifest_digest[S2I_DIGEST_LEN + 1],
                             struct s2i_error **err);

/* Record the image in the store under tag: config and manifest blobs (the
 * layers are there already), then the tag.  annotations (may be NULL) go
 * on the tag's descriptor. */
int s2i_writer_store_image(const struct s2i_ctx *ctx,
                           const struct s2i_image *img, struct s2i_store *store,
                           const char *tag, json_t *annotations,
                           char manifest_digest[S2I_DIGEST_LEN + 1],
                           struct s2i_error **err);

/* "name" becomes "name:latest"; fails on a name or tag docker would
 * refuse, or on a digest reference. */
int s2i_writer_normalise_tag(char **out, const char *tag,
                             struct s2i_error **err);

/* The canonical config JSON (sorted keys, compact) and its digest. */
char *s2i_writer_config_json(const struct s2i_image *img);

#endif
