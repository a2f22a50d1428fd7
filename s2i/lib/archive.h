/* Image archive readers: docker-archive (manifest.json, both the legacy
 * <id>/layer.tar shape and Docker 25's blobs/sha256 shape), oci-archive
 * (a tar of an OCI image layout) and oci: (an OCI layout directory).
 * One pass over a tarball: blobs stream into the store, their digests are
 * checked against the names and manifests that claim them. */
#ifndef S2I_ARCHIVE_H
#define S2I_ARCHIVE_H

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"

/* transport: "docker-archive", "oci-archive" or "oci"; NULL for a plain
 * tarball path (manifest.json, else index.json).  path as given.  ref
 * selects a manifest in an OCI index by org.opencontainers.image.ref.name
 * (or io.containerd.image.name),
 * or a docker-archive image by one of its RepoTags (NULL: the only one).
 * Layer media types come out as OCI ones; an uncompressed layer's digest
 * must equal its diff_id.  Errors start with "<transport> <path>: ". */
int s2i_archive_read(const struct s2i_ctx *ctx, struct s2i_image **out,
                     const char *transport, const char *path, const char *ref,
                     struct s2i_store *store, struct s2i_error **err);

#endif
