/* Deploy targets, run in the build's child process after the build: the
 * `podman` target (zero downtime behind an nginx front proxy) and the
 * `command` target (the user's command, its output in the build log).
 * Both log to ctx's stream, which is the build's log file. */
#ifndef HOOKS_DEPLOY_H
#define HOOKS_DEPLOY_H

#include <stdint.h>

#include "config.h"
#include "ctx.h"
#include "error.h"
#include "state.h"

struct hooks_deploy_job {
  const struct hooks_app *app;
  const char *app_dir; /* <state>/apps/<app>: nginx config, /tmp volumes */
  int64_t build_id;
  const char *commit;
  const char *tarball;              /* the built image */
  const char *digest;               /* its manifest digest */
  const struct hooks_deployed *old; /* what serves now (container NULL: none) */
};

/* Load the image, start it hardened on a free loopback port, wait for its
 * health path, switch nginx (started or reloaded) to it, drain and retire
 * the old container.  On failure the new container is removed and the old
 * one keeps serving.  *out: the new deploy state. */
int hooks_deploy_podman(const struct s2i_ctx *ctx,
                        const struct hooks_deploy_job *j,
                        struct hooks_deployed *out, struct s2i_error **err);

/* Run the app's command with IMAGE, IMAGE_TARBALL, DIGEST, APP, COMMIT in
 * its environment. */
int hooks_deploy_command(const struct s2i_ctx *ctx,
                         const struct hooks_deploy_job *j,
                         struct s2i_error **err);

/* At start: start the deployed container and the app's nginx again when
 * they are not running (a reboot, a kill). */
int hooks_deploy_restore(const struct s2i_ctx *ctx, const struct hooks_app *app,
                         const char *app_dir, const struct hooks_deployed *d,
                         struct s2i_error **err);

/* The nginx configuration of an app's front proxy, pointing at
 * 127.0.0.1:port and marking answers with X-S2I-Build: build_id. */
char *hooks_deploy_nginx_conf(const struct hooks_app *app, const char *prefix,
                              int port, int64_t build_id);

#endif
