/* Paths inside an image root given as its layer dirs (bottom first, as
 * layers.c unpacks them): find the host path of an image path the way the
 * overlay would show it (whiteouts, opaque dirs), follow symlinks inside
 * the image (never on the host), and mirror an image directory's owner and
 * mode into an overlay upper dir.  Used by user.c, scripts.c, runtime.c,
 * build.c and artifacts.c. */
#ifndef S2I_ROOTPATH_H
#define S2I_ROOTPATH_H

#include "error.h"
#include "strv.h"

/* The host path of `path` (absolute, inside the image) in the topmost of
 * dirs (bottom first) that has it, honouring whiteouts; NULL if none. */
char *s2i_rootpath_find(const struct s2i_strv *dirs, const char *path);

/* Create `path` (absolute, inside the image) and its parents in an overlay
 * upper dir with the owner and mode the layers give them (the upper copy
 * decides the merged view's attributes: /tmp must stay 1777). */
int s2i_rootpath_mirror_dirs(const struct s2i_strv *dirs, const char *upper,
                             const char *path, struct s2i_error **err);

/* Like s2i_rootpath_find, but when the path's last component is a symlink in
 * the image it is followed inside the image (up to 40 hops): the host path
 * of what the image means by path, or NULL. */
char *s2i_rootpath_resolve(const struct s2i_strv *dirs, const char *path);

#endif
