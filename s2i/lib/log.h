/* Log lines s2i-style ("---> Step"), verbosity, and terminal progress, all
 * by the caller's context (ctx.h): its level, quiet flag and stream. */
#ifndef S2I_LOG_H
#define S2I_LOG_H

#include <stdint.h>

#include "ctx.h"

/* Steps and info lines are hidden when ctx->quiet; debug lines show up to
 * ctx->log_level (1..5); warnings always show. */
void s2i_log_step(const struct s2i_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void s2i_log_info(const struct s2i_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void s2i_log_debug(const struct s2i_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void s2i_log_warn(const struct s2i_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Progress of a long step, drawn on one line when the log stream is a tty
 * and not quiet; silent otherwise.  total may be 0 when unknown. */
struct s2i_progress {
  const struct s2i_ctx *ctx;
  const char *what;
  uint64_t done;
  uint64_t total;
  int64_t last_ms;
  int active;
};
void s2i_progress_begin(struct s2i_progress *p, const struct s2i_ctx *ctx,
                        const char *what, uint64_t total);
void s2i_progress_add(struct s2i_progress *p, uint64_t n);
void s2i_progress_end(struct s2i_progress *p);

#endif
