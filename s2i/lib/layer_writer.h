/* Turn a directory (an overlay upper dir after assemble, or a plain tree for
 * s2i mkimage) into one uncompressed layer tar in the store: entries sorted
 * byte-wise, parents before children, overlay whiteouts written as .wh.NAME
 * and opaque dirs as .wh..wh..opq, uid/gid as on disk, no atime/ctime, no
 * user/group names; mtimes clamped to SOURCE_DATE_EPOCH when given. */
#ifndef S2I_LAYER_WRITER_H
#define S2I_LAYER_WRITER_H

#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"
#include "strv.h"

struct s2i_layer_write_opts {
  int from_overlay_upper;         /* convert overlay whiteouts/opaque dirs */
  int64_t source_date_epoch;      /* >= 0: clamp every mtime to it; -1: off */
  const struct s2i_strv *exclude; /* relative paths left out with subtrees */
};

#define S2I_LAYER_WRITE_OPTS_INIT                                              \
  {                                                                            \
    0, -1, NULL                                                                \
  }

/* Fills layer (digest == diff_id, media type tar, size); layer->media_type
 * is allocated and the caller's to free (s2i_image_add_layer copies it).
 * `root` itself gets no entry; only what is below it.  Sockets are left
 * out; of the xattrs only security.capability is kept.  Per directory the
 * entries are sorted with strcmp on their tar names, a directory before its
 * children.  Refuses an overlay upper dir that uses redirect_dir or
 * metacopy, which a tar of paths cannot express.  opts NULL: defaults. */
int s2i_layer_write(const struct s2i_ctx *ctx, struct s2i_layer *layer,
                    const char *root, const struct s2i_layer_write_opts *opts,
                    struct s2i_store *store, struct s2i_error **err);

#endif
