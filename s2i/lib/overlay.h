/* overlayfs: mount the build root, and recognise what the kernel leaves in
 * an upper directory (whiteouts, opaque directories). */
#ifndef S2I_OVERLAY_H
#define S2I_OVERLAY_H

#include <sys/stat.h>

#include "error.h"
#include "strv.h"

/* lowers bottom first (overlay wants them top first; this reverses). */
char *s2i_overlay_options(const struct s2i_strv *lowers, const char *upper,
                          const char *work, int userxattr);
int s2i_overlay_mount(const struct s2i_strv *lowers, const char *upper,
                      const char *work, const char *target,
                      struct s2i_error **err);
/* A deleted file in an upper dir: a character device 0/0. */
int s2i_overlay_is_whiteout(const struct stat *st);
/* A directory whose lower contents are hidden (trusted. or
 * user.overlay.opaque; fuse-overlayfs: user.fuseoverlayfs.opaque). */
int s2i_overlay_is_opaque(const char *dir_path);

#endif
