#include "ctx.h"

#include <string.h>
#include <time.h>

int64_t s2i_ctx_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void s2i_ctx_init(struct s2i_ctx *ctx)
{
  memset(ctx, 0, sizeof(*ctx));
  ctx->t0_ms = s2i_ctx_now_ms();
}

FILE *s2i_ctx_log(const struct s2i_ctx *ctx)
{
  return ctx && ctx->log ? ctx->log : stderr;
}

int s2i_ctx_interrupted(const struct s2i_ctx *ctx)
{
  return ctx && ctx->interrupted ? (int)*ctx->interrupted : 0;
}

int s2i_ctx_check_interrupt(const struct s2i_ctx *ctx, struct s2i_error **err)
{
  int sig = s2i_ctx_interrupted(ctx);

  if (sig == 0)
    return 0;
  s2i_error_make(err, 0, "interrupted by signal %d", sig);
  return s2i_error_set_exit(err, S2I_EXIT_INTERRUPTED);
}
