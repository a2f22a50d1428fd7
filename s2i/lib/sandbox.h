/* Run a command inside an image's root file system: the overlay of the
 * layer dirs with an upper dir, in new mount, PID, IPC and UTS namespaces
 * (and a new network namespace for --network none), as a numeric user, with
 * /proc, a minimal /dev and the host invisible (pivot_root).  Every mount is
 * made inside the child's mount namespace, so all of them vanish with it:
 * no mount outlives the sandbox, even when s2i is killed. */
#ifndef S2I_SANDBOX_H
#define S2I_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "policy.h"
#include "strv.h"

typedef void (*s2i_sandbox_output_fn)(const char *buf, size_t len, void *ctx);

struct s2i_sandbox_opts {
  const struct s2i_strv *lowers; /* layer dirs, bottom first */
  const char *upper;             /* overlay upper dir (kept after the run) */
  const char *work;              /* overlay work dir, same file system */
  uid_t uid;
  gid_t gid;
  const char *const *argv; /* argv[0] absolute path inside the root */
  /* Instead of argv: call fn(fn_ctx) in the sandboxed child (after the
   * user switch) and exit with its return value.  Lets s2i run its own code
   * inside the image (e.g. fixing group-0 permissions) with no helper
   * binary in the image. */
  int (*fn)(void *ctx);
  void *fn_ctx;
  /* After the command (or fn) exited 0: then_fn(then_ctx), the same way,
   * in the same sandbox; the status reported is then_fn's. */
  int (*then_fn)(void *ctx);
  void *then_ctx;
  int *then_failed; /* out (may be NULL): 1 when the status is then_fn's */
  const char *const *envp;
  const char *cwd;                         /* inside the root; NULL: "/" */
  const char *hostname;                    /* NULL: "s2i-build" */
  int network_none;                        /* new, empty network namespace */
  const struct s2i_sandbox_policy *policy; /* NULL: the default */
  int stdin_fd;                            /* -1: /dev/null */
  /* The command's stdout only goes to this fd (e.g. a pipe its caller
   * reads a tar stream from); -1 or 0 (a zeroed struct): the default. */
  int stdout_fd;
  /* stdout (unless stdout_fd) and stderr of the command, as they arrive;
   * NULL: inherit ours. */
  s2i_sandbox_output_fn on_output;
  void *output_ctx;
};

/* Returns 0 when the command ran: *status is its raw wait status, exactly
 * as waitpid() gave it inside the sandbox (WIFSIGNALED/WTERMSIG work).
 *
 * Returns <0 with *err filled when:
 *  - the sandbox could not be set up ("run ARGV0: sandbox setup: ...";
 *    *status is then the init's status, exit 125);
 *  - the command could not be started ("run ARGV0: No such file or
 *    directory (exit 127)", 126 for other exec, chdir or setuid failures;
 *    *status holds that exit status);
 *  - ctx's interrupt flag was set (polled at least every 100 ms, so a flag set
 *    by another thread works too): the sandbox's PID 1 is SIGKILLed, which
 *    kills the whole PID namespace, and the error has exit_code
 *    S2I_EXIT_INTERRUPTED.
 *
 * The command runs as PID 2; PID 1 is a reaper that collects orphans while
 * the command runs.  When the command exits, the sandbox ends: background
 * processes it left behind are killed, not waited for (as a container ends
 * with its main process).  The sandbox is also SIGKILLed when the calling
 * thread dies (PR_SET_PDEATHSIG).  The overlay is mounted on a temporary
 * directory next to `work`, removed again afterwards; it is only left
 * behind (empty) when s2i itself is killed. */
int s2i_sandbox_run(const struct s2i_ctx *ctx, int *status,
                    const struct s2i_sandbox_opts *opts,
                    struct s2i_error **err);

/* --cap-drop NAME[,NAME...] (CHOWN, CAP_CHOWN, chown; ALL) into *mask
 * (bit N: capability N), as Docker reads it; an unknown name fails. */
int s2i_sandbox_parse_caps(uint64_t *mask, const char *list,
                           struct s2i_error **err);

#endif
