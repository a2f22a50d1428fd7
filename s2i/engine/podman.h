/* What the commands that drive podman share: the way OpenShift runs an
 * image (a random UID in group 0, no passwd entry, read-only root, all
 * capabilities dropped, no new privileges) as podman run arguments. */
#ifndef S2I_PODMAN_H
#define S2I_PODMAN_H

#include "strv.h"

/* A random UID from the range OpenShift assigns projects from. */
unsigned s2i_podman_random_uid(void);
/* A random number for container names. */
unsigned s2i_podman_random(void);

/* Append the hardened `podman run` flags: --user=UID:0, --read-only,
 * --cap-drop=ALL, --passwd=false, no-new-privileges, and /tmp as tmpdir (a
 * host directory mounted there, as a Kubernetes emptyDir: mode 0777 and no
 * sticky bit) or, when tmpdir is NULL, a tmpfs. */
void s2i_podman_hardened_args(struct s2i_strv *a, unsigned uid,
                              const char *tmpdir);

#endif
