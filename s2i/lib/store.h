/* The local image store, an OCI image layout that skopeo (oci:DIR:TAG) and
 * umoci read as it is, and beside it a cache that may be deleted at any
 * time:
 *
 *   <root>/oci-layout, <root>/index.json   the tags: one manifest
 *                                          descriptor per tag, named by
 *                                          org.opencontainers.image.ref.name
 *   <root>/blobs/sha256/<hex>              blobs, named by verified digest
 *   <root>/.s2i/lock                       shared by every s2i that writes
 *                                          blobs, exclusive for prune
 *   <root>/.s2i/index.lock                 held while index.json changes
 *   <root>/.s2i/tmp/                       blobs being written (renamed
 *                                          into blobs/ when verified)
 *   <root>/.s2i/partial/<hex>              a download cut short, resumed
 *   <cache>/layers/<hex>/                  a layer blob unpacked
 *   <cache>/tmp/                           work directories of builds
 *
 * The root is --store, else $S2I_STORE, else /var/lib/s2i as root and
 * $XDG_DATA_HOME/s2i (~/.local/share/s2i) otherwise.  The cache is
 * --cache-dir, else $S2I_CACHE_DIR, else $XDG_CACHE_HOME/s2i
 * (~/.cache/s2i).  index.json is replaced by rename, so a reader never
 * sees half of one; a tag is written only after its blobs are. */
#ifndef S2I_STORE_H
#define S2I_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "ctx.h"
#include "digest.h"
#include "error.h"

struct s2i_store {
  char *root;  /* the OCI layout */
  char *cache; /* unpacked layers and scratch */
  int lock_fd; /* <root>/.s2i/lock, held shared while open */
};

/* One directory for both the layout and the cache (tests, tools); root
 * NULL: the defaults above.  Creates the directories. */
int s2i_store_open(struct s2i_store **out, const char *root,
                   struct s2i_error **err);
/* Layout and cache apart; either NULL: its default. */
int s2i_store_open_at(struct s2i_store **out, const char *root,
                      const char *cache, struct s2i_error **err);
void s2i_store_free(struct s2i_store *store);
S2I_DEFINE_CLEANUP_FN(struct s2i_store *, s2i_store_free)
#define cleanup_store S2I_CLEANUP(s2i_store_free)

/* The default roots (newly allocated). */
char *s2i_store_default_root(void);
char *s2i_store_default_cache(void);

char *s2i_store_blob_path(const struct s2i_store *store, const char *digest);
int s2i_store_has_blob(const struct s2i_store *store, const char *digest);
char *s2i_store_layer_dir(const struct s2i_store *store, const char *digest);
char *s2i_store_tmp_dir(const struct s2i_store *store);
/* <root>/.s2i/<name>, for the store's own bookkeeping (partial downloads). */
char *s2i_store_private_path(const struct s2i_store *store, const char *name);

/* Streaming ingest: bytes are hashed as they are written to a temp file;
 * commit checks them against `expected` (NULL: no check) and renames the
 * file to its digest.  A blob already present is kept, the temp discarded. */
struct s2i_blob_writer;
int s2i_store_blob_begin(struct s2i_blob_writer **out, struct s2i_store *store,
                         struct s2i_error **err);
int s2i_store_blob_write(struct s2i_blob_writer *w, const void *buf, size_t len,
                         struct s2i_error **err);
int s2i_store_blob_commit(struct s2i_blob_writer *w, const char *expected,
                          char digest[S2I_DIGEST_LEN + 1], int64_t *size,
                          struct s2i_error **err);
void s2i_store_blob_abort(struct s2i_blob_writer *w);
S2I_DEFINE_CLEANUP_FN(struct s2i_blob_writer *, s2i_store_blob_abort)
#define cleanup_blob_writer S2I_CLEANUP(s2i_store_blob_abort)

/* Put a whole buffer in the store (config and manifest JSON). */
int s2i_store_put(struct s2i_store *store, const void *buf, size_t len,
                  char digest[S2I_DIGEST_LEN + 1], struct s2i_error **err);
/* Read a whole blob (manifests, configs). */
int s2i_store_read_blob(const struct s2i_store *store, const char *digest,
                        char **out, size_t *len, struct s2i_error **err);

/* ---- tags ------------------------------------------------------------- */

/* index.json as it is now (an empty index when there is none). */
int s2i_store_index(const struct s2i_store *store, json_t **out,
                    struct s2i_error **err);

/* The manifest descriptor (borrowed from *index) tagged name, or NULL. */
json_t *s2i_store_index_find(json_t *index, const char *name);

/* Tag the manifest `digest` (of media_type, size bytes) as name, moving the
 * tag when it named another; `annotations` (may be NULL; borrowed) are
 * added to the descriptor.  The blob must be in the store. */
int s2i_store_tag(struct s2i_store *store, const char *name,
                  const char *media_type, const char *digest, int64_t size,
                  json_t *annotations, struct s2i_error **err);

/* Remove tag name: 1 when it was there, 0 when not. */
int s2i_store_untag(struct s2i_store *store, const char *name,
                    struct s2i_error **err);

/* The tag ref names in the store: as given (with ":latest"), else its
 * full registry name ("python:3.12" is docker.io/library/python:3.12); NULL
 * when neither is there. */
char *s2i_store_resolve_name(struct s2i_store *store, const char *ref);

/* Name a tag is stored under: "name" as "name:latest". */
char *s2i_store_tag_name(const char *name);

/* What prune freed. */
struct s2i_prune_stats {
  long blobs;
  int64_t blob_bytes;
  long layers;
  long temps;
};

/* Drop blobs no tag reaches, unpacked layers of those blobs, and temp
 * files; waits (saying so) for other s2i processes using the store. */
int s2i_store_prune(const struct s2i_ctx *ctx, struct s2i_store *store,
                    struct s2i_prune_stats *st, struct s2i_error **err);

/* --rm: the image whose manifest is digest, when no tag reaches it any
 * more: its blobs and unpacked layers that no tag reaches are removed.
 * Skipped (with a note) while another s2i process uses the store. */
int s2i_store_remove_image(const struct s2i_ctx *ctx, struct s2i_store *store,
                           const char *digest, struct s2i_prune_stats *st,
                           struct s2i_error **err);

/* A build's scratch dir under the cache's tmp/: locked (flock on the dir)
 * for as long as the returned fd stays open, and marked, so that the next
 * s2i to open the cache removes it at once when its build was killed.
 * The fd, or -1 with err set. */
#define S2I_SCRATCH_MARKER ".s2i-scratch"
int s2i_store_scratch_claim(const char *dir, struct s2i_error **err);

#endif
