/* The layer that turns one root file system tarball into another: entries
 * of FULL that BASE lacks or has differently (type, mode, owner, size,
 * content, link target), and whiteouts for what FULL removed.  Used to put
 * the Lektor packages in their own layer on top of the Python builder. */
#ifndef S2I_LAYER_DIFF_H
#define S2I_LAYER_DIFF_H

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"

int s2i_layer_diff(const struct s2i_ctx *ctx, struct s2i_layer *out,
                   const char *base_tar, const char *full_tar,
                   struct s2i_store *store, struct s2i_error **err);

#endif
