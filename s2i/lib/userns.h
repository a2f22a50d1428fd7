/* The user namespace a sandboxed command runs in: uid and gid 0..65535 of
 * the builder map to an unprivileged host range (root's /etc/subuid and
 * /etc/subgid entry when there is one, else S2I_USERNS_BASE), so a builder
 * whose USER is 0 is not root on the host: not for /proc and /sys files,
 * not for the kernel keyring, not for files outside the sandbox.
 *
 * The image keeps the ids the builder asked for: the layer dirs and the
 * upper dir are not chowned but reached through idmapped mounts (Linux
 * 5.12+; ext4, xfs, btrfs, tmpfs 6.3+), which show a file owned by k on
 * disk as owned by base+k to the overlay, i.e. as k inside the namespace,
 * and store what builder uid k writes as owned by k again. */
#ifndef S2I_USERNS_H
#define S2I_USERNS_H

#include <sys/types.h>

#include "ctx.h"
#include "error.h"

#define S2I_USERNS_BASE 1879048192U /* 0x70000000: far above any login */
#define S2I_USERNS_SIZE 65536U

struct s2i_userns {
  int fd;    /* the namespace (/proc/PID/ns/user of a helper); -1: none */
  uid_t uid; /* host uid of the builder's uid 0 */
  gid_t gid; /* host gid of the builder's gid 0 */
};

/* Make the namespace with its maps written (as root). */
int s2i_userns_create(struct s2i_userns *u, struct s2i_error **err);
/* Mount src again on dst, idmapped to u (dst: an empty directory). */
int s2i_userns_idmap(const struct s2i_userns *u, const char *src,
                     const char *dst, struct s2i_error **err);
/* Move the calling (single-threaded) process into u, as its uid and gid
 * 0.  Changing credentials clears PR_SET_PDEATHSIG: set it again. */
int s2i_userns_enter(const struct s2i_userns *u, struct s2i_error **err);
void s2i_userns_close(struct s2i_userns *u);

#endif
