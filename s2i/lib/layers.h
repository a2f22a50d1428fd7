/* Unpack image layers once per digest into the store, as read-only
 * directories ready to be overlay lower dirs: tar whiteouts (.wh.NAME)
 * become overlay whiteouts (0/0 character devices), opaque markers
 * (.wh..wh..opq) become the trusted.overlay.opaque="y" xattr.  Entries that
 * would escape the root (.., absolute paths, through symlinks) are refused. */
#ifndef S2I_LAYERS_H
#define S2I_LAYERS_H

#include "error.h"
#include "image.h"
#include "store.h"
#include "strv.h"

/* Appends the unpacked directory of every layer, bottom layer first. */
int s2i_layers_unpack(struct s2i_strv *dirs, const struct s2i_image *img,
                      struct s2i_store *store, struct s2i_error **err);
/* Unpack one layer blob (tar, maybe compressed) into an empty directory. */
int s2i_layers_unpack_blob(const char *blob_path, const char *dest_dir,
                           struct s2i_error **err);
/* The host path of `path` (absolute, inside the image) in the topmost of
 * dirs (bottom first) that has it, honouring whiteouts; NULL if none. */
char *s2i_layers_find(const struct s2i_strv *dirs, const char *path);

/* Create `path` (absolute, inside the image) and its parents in an overlay
 * upper dir with the owner and mode the layers give them (the upper copy
 * decides the merged view's attributes: /tmp must stay 1777). */
int s2i_layers_mirror_dirs(const struct s2i_strv *dirs, const char *upper,
                           const char *path, struct s2i_error **err);

/* Like s2i_layers_find, but when the path's last component is a symlink in
 * the image it is followed inside the image (up to 40 hops): the host path
 * of what the image means by path, or NULL. */
char *s2i_layers_resolve(const struct s2i_strv *dirs, const char *path);

#endif
