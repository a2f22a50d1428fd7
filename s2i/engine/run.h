/* s2i build --run (the original's): the image just built (and loaded into
 * podman by --load's path) run in the foreground the way OpenShift runs it
 * (see podman.h), its output shown as it comes.  Ctrl-C (the ctx's
 * interrupt) stops it; the container is removed either way. */
#ifndef S2I_RUN_H
#define S2I_RUN_H

#include "ctx.h"
#include "error.h"

/* Returns the container's exit status (>= 0), or <0 with *err naming the
 * image and podman's complaint when it could not be started. */
int s2i_run_image(const struct s2i_ctx *ctx, const char *tag,
                  struct s2i_error **err);

#endif
