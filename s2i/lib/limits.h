/* Resource limits of a sandboxed command: a cgroup per controller (cgroup
 * v1: memory, pids, cpu; cgroup v2: one cgroup) made below s2i's own
 * cgroup, so s2i's own limits still apply on top, with rlimits as the
 * floor where no cgroup can be made (a rootless run on cgroup v1).  When a
 * command failed after hitting a limit, the error names the limit and the
 * flag that raises it. */
#ifndef S2I_LIMITS_H
#define S2I_LIMITS_H

#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "policy.h"

#define S2I_LIMITS_DEFAULT_PIDS 4096
/* The default --memory: this share of the machine's RAM. */
#define S2I_LIMITS_DEFAULT_MEMORY_SHARE 2 /* 1/2 */

struct s2i_limits;

/* The limits policy p asks for (NULL: the defaults), resolved to numbers. */
uint64_t s2i_limits_memory(const struct s2i_sandbox_policy *p);
int64_t s2i_limits_pids(const struct s2i_sandbox_policy *p);

/* Make the cgroups, write the limits.  What cannot be made (no cgroup
 * file system, no permission) is a warning on ctx: rlimits still hold. */
int s2i_limits_create(const struct s2i_ctx *ctx, struct s2i_limits **out,
                      const struct s2i_sandbox_policy *p,
                      struct s2i_error **err);
/* In the sandbox's init, before it forks the command: join the cgroups and
 * set the rlimits.  Async-signal-safe enough for a forked child (no
 * allocation). */
int s2i_limits_enter(const struct s2i_limits *l, struct s2i_error **err);
/* After the command ended with a failure: <0 with an error naming the
 * limit it hit ("the memory limit of 512 MiB (--memory raises it)"), or 0
 * when no limit was hit. */
int s2i_limits_explain(const struct s2i_limits *l, const char *what,
                       struct s2i_error **err);
/* Remove the cgroups (every process in them is gone by then). */
void s2i_limits_free(struct s2i_limits *l);

/* "512m", "2g", "1048576" (bytes; b k m g, as podman): 0 or -1. */
int s2i_limits_parse_size(uint64_t *out, const char *text);

#endif
