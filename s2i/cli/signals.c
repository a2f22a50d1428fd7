/* The CLI owns the interrupt flag: its SIGINT/SIGTERM/SIGHUP handler is
 * the only writer; libs2i reads it through the ctx (ctx.h). */
#include <signal.h>
#include <string.h>

#include "commands.h"
#include "ctx.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
  interrupted = sig;
}

static void install_handlers(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls see EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
}

void cli_ctx_init(struct s2i_ctx *ctx)
{
  s2i_ctx_init(ctx);
  ctx->interrupted = &interrupted;
  install_handlers();
}
