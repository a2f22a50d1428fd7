/* Group-0 layout for an arbitrary UID (sclorg's fix-permissions): after
 * assemble, the app directories are made group 0 and group-writable like
 * their owner, so any UID in group 0 (OpenShift's restricted SCC, a
 * Kubernetes runAsUser with runAsGroup 0) can write where the builder
 * user could.  See docs/runtime.md. */
#ifndef S2I_FIXPERMS_H
#define S2I_FIXPERMS_H

#include "error.h"

/* For path and everything below it: group 0, g+rw, g+x where u+x, and g+x
 * on directories.  Symlinks are never followed (nor changed), not even
 * path itself; other mounts are not entered.  Run as a non-root user, only
 * entries that user owns are changed, as in sclorg's script (the others
 * could not be changed anyway).  A missing path is not an error. */
int s2i_fixperms_tree(const char *path, struct s2i_error **err);

#endif
