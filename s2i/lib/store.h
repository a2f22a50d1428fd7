/* The local content-addressed store: verified blobs, unpacked layers, and
 * scratch space on the same file system (so renames are atomic).
 *
 *   <root>/blobs/sha256/<hex>     blobs, named by their verified digest
 *   <root>/layers/<hex>/          a layer blob unpacked, whiteouts in overlay
 * form <root>/tmp/                   work directories of running builds
 *
 * The root is $S2I_CACHE_DIR, else $XDG_CACHE_HOME/s2i, else ~/.cache/s2i. */
#ifndef S2I_STORE_H
#define S2I_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "digest.h"
#include "error.h"

struct s2i_store {
  char *root;
};

/* root NULL: the default above.  Creates the directories. */
int s2i_store_open(struct s2i_store **out, const char *root,
                   struct s2i_error **err);
void s2i_store_free(struct s2i_store *store);
S2I_DEFINE_CLEANUP_FN(struct s2i_store *, s2i_store_free)
#define cleanup_store S2I_CLEANUP(s2i_store_free)

char *s2i_store_blob_path(const struct s2i_store *store, const char *digest);
int s2i_store_has_blob(const struct s2i_store *store, const char *digest);
char *s2i_store_layer_dir(const struct s2i_store *store, const char *digest);
char *s2i_store_tmp_dir(const struct s2i_store *store);

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

#endif
