/* Run a program the way an engine driver needs: argv (PATH lookup, never a
 * shell), stdin from /dev/null, stdout and stderr captured, a time limit.
 * The program leads a process group of its own, so a time-out kills
 * everything it started (SIGKILL to the group), and an interrupt of the
 * caller's ctx is passed on as one SIGTERM to the group. */
#ifndef S2I_PROC_H
#define S2I_PROC_H

#include <stddef.h>

#include "ctx.h"

#define S2I_PROC_OUTPUT_CAP (256 * 1024) /* bytes kept per stream */

struct s2i_proc_opts {
  const char *const *argv;   /* argv[0] looked up in PATH */
  int timeout_ms;            /* > 0: SIGKILL to the group when it passes */
  const struct s2i_ctx *ctx; /* NULL: not interruptible */
  int echo; /* also copy the output to our stdout/stderr as it comes */
};

struct s2i_proc {
  int status;    /* exit status; 128+N when killed by signal N; -1 when it
                    could not start or was killed at the deadline */
  int timed_out; /* killed at the deadline */
  char *out;     /* stdout, NUL-terminated, never NULL after a run (owned) */
  char *errout;  /* stderr, the same; "fork: ..." when it could not start */
};

/* Fills *p and returns p->status.  A program that cannot be executed
 * exits 127 with "<argv0>: <strerror>" on its stderr, as a shell would. */
int s2i_proc_run(struct s2i_proc *p, const struct s2i_proc_opts *o);
void s2i_proc_clear(struct s2i_proc *p);
/* A struct s2i_proc local (by value), zero-initialised. */
#define cleanup_proc __attribute__((cleanup(s2i_proc_clear)))

#endif
