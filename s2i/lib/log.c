#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void vlog(const struct s2i_ctx *ctx, const char *prefix, const char *fmt,
                 va_list ap)
{
  FILE *out = s2i_ctx_log(ctx);

  fputs(prefix, out);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
}

static int quiet(const struct s2i_ctx *ctx)
{
  return ctx && ctx->quiet;
}

static int level(const struct s2i_ctx *ctx)
{
  return ctx ? ctx->log_level : 0;
}

/* At --loglevel 2 and up, steps carry the time since the ctx was made,
 * which is how to see where a build spends its time. */
void s2i_log_step(const struct s2i_ctx *ctx, const char *fmt, ...)
{
  va_list ap;

  if (quiet(ctx))
    return;
  if (level(ctx) >= 2)
    fprintf(s2i_ctx_log(ctx), "[%6.3fs] ",
            (double)(s2i_ctx_now_ms() - ctx->t0_ms) / 1000.0);
  va_start(ap, fmt);
  vlog(ctx, "---> ", fmt, ap);
  va_end(ap);
}

void s2i_log_info(const struct s2i_ctx *ctx, const char *fmt, ...)
{
  va_list ap;

  if (quiet(ctx))
    return;
  va_start(ap, fmt);
  vlog(ctx, "", fmt, ap);
  va_end(ap);
}

void s2i_log_debug(const struct s2i_ctx *ctx, int lvl, const char *fmt, ...)
{
  va_list ap;

  if (quiet(ctx) || lvl > level(ctx))
    return;
  va_start(ap, fmt);
  vlog(ctx, "     ", fmt, ap);
  va_end(ap);
}

void s2i_log_warn(const struct s2i_ctx *ctx, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vlog(ctx, "warning: ", fmt, ap);
  va_end(ap);
}

static void progress_draw(struct s2i_progress *p)
{
  FILE *out = s2i_ctx_log(p->ctx);
  double mb = (double)p->done / (1024.0 * 1024.0);

  if (p->total)
    fprintf(out, "\r     %s: %.1f / %.1f MB", p->what, mb,
            (double)p->total / (1024.0 * 1024.0));
  else
    fprintf(out, "\r     %s: %.1f MB", p->what, mb);
  fflush(out);
}

void s2i_progress_begin(struct s2i_progress *p, const struct s2i_ctx *ctx,
                        const char *what, uint64_t total)
{
  p->ctx = ctx;
  p->what = what;
  p->done = 0;
  p->total = total;
  p->last_ms = s2i_ctx_now_ms();
  p->active = !quiet(ctx) && isatty(fileno(s2i_ctx_log(ctx)));
}

void s2i_progress_add(struct s2i_progress *p, uint64_t n)
{
  int64_t t;

  p->done += n;
  if (!p->active)
    return;
  t = s2i_ctx_now_ms();
  if (t - p->last_ms < 200)
    return;
  p->last_ms = t;
  progress_draw(p);
}

void s2i_progress_end(struct s2i_progress *p)
{
  if (!p->active)
    return;
  progress_draw(p);
  fputc('\n', s2i_ctx_log(p->ctx));
  p->active = 0;
}
