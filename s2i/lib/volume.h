/* What the original's -v/--volume and --add-host put into the assemble
 * (and save-artifacts) container beyond the image: bind mounts of host
 * paths and extra /etc/hosts lines.  Docker's semantics: a volume is a
 * bind mount (read-write unless :ro), its content is never part of the
 * image; --add-host HOST:IP adds "IP HOST" to the container's /etc/hosts.
 * Parsing is here (checked before anything runs); sandbox.c mounts. */
#ifndef S2I_VOLUME_H
#define S2I_VOLUME_H

#include "error.h"
#include "strv.h"
#include "userns.h"

struct s2i_volume {
  char *host; /* absolute host path */
  char *dest; /* absolute path inside the image, no ".." */
  int ro;     /* :ro */
};

/* "HOST:CONTAINER[:OPTIONS]", OPTIONS a comma list of ro, rw, z, Z (the
 * SELinux labels are accepted and ignored).  Named volumes (HOST not an
 * absolute path) are refused: there is no daemon to keep them. */
int s2i_volume_parse(struct s2i_volume *out, const char *spec,
                     struct s2i_error **err);
void s2i_volume_free(struct s2i_volume *v);

/* "HOST:IP" (IP v4 or v6; HOST a host name) -> "IP\tHOST". */
int s2i_volume_parse_host(char **line, const char *spec,
                          struct s2i_error **err);

/* Every -v and --add-host of the lists (either may be NULL), so that a
 * bad one fails the build before it starts, naming it. */
int s2i_volume_check(const struct s2i_strv *volumes,
                     const struct s2i_strv *hosts, struct s2i_error **err);

/* In the sandbox's init, before pivot_root, with the file system ids of
 * the image's root (the overlay is idmapped): the mount points of the
 * volumes (made one component at a time, no symlink of the image
 * followed), and /etc/hosts when hosts are given and the image has none
 * (the caller removes it from the upper dir again). */
int s2i_volume_make_points(const struct s2i_strv *volumes,
                           const struct s2i_strv *hosts, const char *root,
                           struct s2i_error **err);

/* Then, as host root: each volume mounted at root+dest, idmapped to u when
 * u->fd >= 0 so that host ids read as the same ids inside, nosuid, nodev, and
 * read-only for :ro. */
int s2i_volume_mount_all(const struct s2i_strv *volumes, const char *root,
                         const struct s2i_userns *u, struct s2i_error **err);

/* /etc/hosts with the extra lines: root's etc/hosts (as the sandbox shows
 * it; localhost lines when empty) plus hosts, written to file (a host
 * path) and mounted read-only over root/etc/hosts. */
int s2i_volume_mount_hosts(const struct s2i_strv *hosts, const char *root,
                           const char *file, struct s2i_error **err);

#endif
