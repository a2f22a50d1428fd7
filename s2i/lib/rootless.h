/* Rootless builds.  s2i started by an unprivileged user runs the build in
 * a forked child that owns a new user and mount namespace, as rootless
 * podman and buildah do:
 *
 *   - the builder's uid/gid 0 is the caller's own uid/gid;
 *   - the builder's ids 1..N are the caller's subordinate range from
 *     /etc/subuid and /etc/subgid, written by newuidmap/newgidmap (setuid
 *     helpers from the uidmap package), so layers unpack with the builder's
 *     owners preserved and the image keeps them;
 *   - without a range (or without the helpers) only the caller's own id is
 *     mapped, with a warning: files of other owners then belong to the
 *     caller, and assemble runs as the namespace's root.
 *
 * In the child s2i is root of its namespace: overlay mounts (userxattr),
 * the sandbox's namespaces and slirp4netns all work there; the sandbox
 * makes no second user namespace (an idmapped mount needs host root), so
 * the builder's ids are the ones above.  The parent only waits, passes ^C
 * on, and returns the child's error. */
#ifndef S2I_ROOTLESS_H
#define S2I_ROOTLESS_H

#include <stddef.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"

struct s2i_idrange {
  unsigned long start; /* first host id */
  unsigned long count; /* 0: none */
};

/* The first range of user `name` (or of its numeric id) in the text of
 * an /etc/subuid-style file; 0 with a range, -1 when it has none. */
int s2i_rootless_subid_parse(struct s2i_idrange *out, const char *text,
                             const char *name, unsigned long id);

/* The same, read from a file (a missing file: -1, no range). */
int s2i_rootless_subid_find(struct s2i_idrange *out, const char *path,
                            const char *name, unsigned long id);

/* Whether this process is outside the initial user namespace (its uid_map
 * is not the identity): then no idmapped mount, overlay needs userxattr,
 * and the sandbox makes no user namespace of its own. */
int s2i_rootless_in_userns(void);

/* Whether this process's user namespace maps one uid only. */
int s2i_rootless_single_id(void);

typedef int (*s2i_rootless_fn)(void *arg, struct s2i_error **err);

/* Run fn(arg) as root: directly when the caller is root (by euid), else in
 * a forked child inside a new user and mount namespace as above.  The
 * child's error (message, errno, exit code) comes back through err; ^C on
 * ctx is passed on to the child as SIGTERM. */
int s2i_rootless_run(const struct s2i_ctx *ctx, s2i_rootless_fn fn, void *arg,
                     struct s2i_error **err);

#define S2I_ROOTLESS_RESULT_MAX 64
/* The same, and when fn succeeds the result_len bytes at result (which fn
 * filled, in the child) are copied back to result in the caller. */
int s2i_rootless_run_result(const struct s2i_ctx *ctx, s2i_rootless_fn fn,
                            void *arg, void *result, size_t result_len,
                            struct s2i_error **err);

#endif
