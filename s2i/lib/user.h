/* Users inside an image: resolve USER specs against the image's own
 * /etc/passwd and /etc/group (parsed directly, never through NSS), and
 * check them against --allowed-uids ranges. */
#ifndef S2I_USER_H
#define S2I_USER_H

#include <sys/types.h>

#include "error.h"
#include "strv.h"

/* spec: "uid", "uid:gid", "name", "name:group" (names looked up in the
 * topmost etc/passwd / etc/group of root_dirs, bottom first, honouring
 * whiteouts; root_dirs may be NULL).  Without a group, the user's primary
 * group from passwd, else 0.  A symlinked passwd/group is refused: it would
 * be followed on the host. */
int s2i_user_resolve(uid_t *uid, gid_t *gid, const char *spec,
                     const struct s2i_strv *root_dirs, struct s2i_error **err);
/* 1 when spec is "digits" or "digits:digits". */
int s2i_user_is_numeric(const char *spec);

/* --allowed-uids: comma-separated ranges "N", "N-M", "N-" or "-M", read
 * as the original reads them: spaces around an item ignored, an empty item
 * allows nothing, and a list of nothing but empty items (e.g. "" or ",")
 * is no restriction at all: *out is then NULL. */
struct s2i_uid_ranges;
int s2i_user_parse_ranges(struct s2i_uid_ranges **out, const char *text,
                          struct s2i_error **err);
/* 1 when uid is in one of the ranges; NULL ranges (no --allowed-uids)
 * allow every uid. */
int s2i_user_in_ranges(const struct s2i_uid_ranges *r, uid_t uid);
void s2i_user_ranges_free(struct s2i_uid_ranges *r);
S2I_DEFINE_CLEANUP_FN(struct s2i_uid_ranges *, s2i_user_ranges_free)
#define cleanup_uid_ranges S2I_CLEANUP(s2i_user_ranges_free)

#endif
