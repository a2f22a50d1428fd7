/* --callback-url: when a build ends, POST its result as JSON to a URL, as
 * the original s2i does: {"success": true|false, "labels": {...}}, the
 * labels of the image built (none when the build failed).  A callback that
 * cannot be delivered is reported as a warning; it never changes the
 * build's result. */
#ifndef S2I_CALLBACK_H
#define S2I_CALLBACK_H

#include <jansson.h>

#include "ctx.h"

/* The body the callback sends. */
char *s2i_callback_body(int success, const json_t *labels);

/* POST the body to url: up to 3 tries when the server cannot be reached
 * (with 0.5 s and 1 s pauses), none after an HTTP answer; an answer of
 * 300 or more is a warning.  Returns 0 when a 2xx answer came, -1 when
 * not (each reason logged as a warning). */
int s2i_callback_post(const struct s2i_ctx *ctx, const char *url, int success,
                      const json_t *labels);

#endif
