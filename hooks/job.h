/* One build of `s2i serve`, in a child process of its own: libs2i's build
 * with the app's options, then the app's deploy target, everything logged
 * to the build's log file.  The child leaves its outcome in
 * <build dir>/result.json for the server to record. */
#ifndef HOOKS_JOB_H
#define HOOKS_JOB_H

#include <jansson.h>
#include <sys/types.h>

#include "config.h"
#include "state.h"

struct hooks_job {
  const struct hooks_app *app;
  const struct hooks_build *build;  /* id, commit, env, trigger */
  const struct hooks_deployed *old; /* what the app runs now */
  const char *state_dir;
  const char *log_path;
  const char *build_dir;
};

/* Fork the child; its pid, or -1 with *err. */
pid_t hooks_job_spawn(const struct hooks_job *job, struct s2i_error **err);

/* The child's outcome: "status" (succeeded|failed|cancelled), "digest",
 * "reason", "deployed" {commit, image, container, port}.  A child that left
 * none (killed) gets a failed one naming its wait status. */
json_t *hooks_job_result(const char *build_dir, int wait_status);

#endif
