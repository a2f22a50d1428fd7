/* `s2i serve`: the entry point cmd_serve.c calls.  Runs until SIGTERM or
 * SIGINT: then it stops accepting, cancels the running builds (each cleans
 * up its mounts and scratch), records them, and returns 0.  Queued builds
 * stay queued for the next start. */
#ifndef HOOKS_SERVE_H
#define HOOKS_SERVE_H

#include "ctx.h"
#include "error.h"

struct hooks_serve_opts {
  const char *config; /* --config FILE */
  const char *listen; /* --listen ADDR:PORT, NULL: the config's */
};

int hooks_serve_run(const struct s2i_ctx *ctx, const struct hooks_serve_opts *o,
                    struct s2i_error **err);

#endif
