/* The context of one caller of libs2i: how it wants to be told things (log
 * level, quiet, the stream) and how it tells a running operation to stop
 * (a flag it owns).  libs2i has no global state: every entry point takes a
 * ctx and the per-build objects carry it down to the log calls and to the
 * loops that poll for interruption.  Two ctxs in one process (a server
 * running two builds) see nothing of each other. */
#ifndef S2I_CTX_H
#define S2I_CTX_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

struct s2i_ctx {
  int log_level; /* 0 normal, 1..5 more detail (s2i's --loglevel) */
  int quiet;     /* hide steps and info lines; warnings still show */
  FILE *log;     /* where log lines go; NULL: stderr */
  /* Set non-zero (the signal number) by the owner, e.g. the CLI's
   * SIGINT/SIGTERM handler or a server cancelling a build; libs2i only
   * reads it.  NULL: never interrupted. */
  volatile sig_atomic_t *interrupted;
  int64_t t0_ms; /* CLOCK_MONOTONIC of s2i_ctx_init: steps' time base */
};

/* Level 0, not quiet, stderr, no interrupt flag, t0 = now. */
void s2i_ctx_init(struct s2i_ctx *ctx);

/* The stream log lines go to. */
FILE *s2i_ctx_log(const struct s2i_ctx *ctx);

/* The signal number the owner stored in the flag, 0 when none. */
int s2i_ctx_interrupted(const struct s2i_ctx *ctx);

/* 0, or -1 with *err "interrupted by signal N" and exit code
 * S2I_EXIT_INTERRUPTED.  Long loops call it once per step. */
int s2i_ctx_check_interrupt(const struct s2i_ctx *ctx, struct s2i_error **err);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t s2i_ctx_now_ms(void);

#endif
