/* Unpack image layers once per digest into the store, as read-only
 * directories ready to be overlay lower dirs: tar whiteouts (.wh.NAME)
 * become overlay whiteouts (0/0 character devices), opaque markers
 * (.wh..wh..opq) become the trusted.overlay.opaque="y" xattr.  Entries that
 * would escape the root (.., absolute paths, through symlinks) are refused. */
#ifndef S2I_LAYERS_H
#define S2I_LAYERS_H

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"
#include "strv.h"

/* Appends the unpacked directory of every layer, bottom layer first. */
int s2i_layers_unpack(const struct s2i_ctx *ctx, struct s2i_strv *dirs,
                      const struct s2i_image *img, struct s2i_store *store,
                      struct s2i_error **err);
/* Unpack one layer blob (tar, maybe compressed) into an empty directory. */
int s2i_layers_unpack_blob(const struct s2i_ctx *ctx, const char *blob_path,
                           const char *dest_dir, struct s2i_error **err);
#endif
