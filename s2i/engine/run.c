#include "run.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "podman.h"
#include "proc.h"
#include "strv.h"
#include "xalloc.h"

/* The last non-empty line podman wrote, for an error. */
static char *last_words(const struct s2i_proc *p)
{
  const char *t = *p->errout ? p->errout : p->out;
  size_t n = strlen(t);

  while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
    n--;
  for (size_t i = n; i > 0; i--)
    if (t[i - 1] == '\n')
      return xstrndup(t + i, n - i);
  return n ? xstrndup(t, n) : xasprintf("exit status %d", p->status);
}

/* podman's own failure (125, or 126/127 with its "Error:" line), not the
 * container's exit status: the init also exits 126/127 when the run script
 * cannot be executed, but says so in its own words. */
static int podman_failed(const struct s2i_proc *p)
{
  if (p->status < 125 || p->status > 127)
    return 0;
  return p->status == 125 || strncmp(p->errout, "Error: ", 7) == 0 ||
         strstr(p->errout, "\nError: ") != NULL;
}

int s2i_run_image(const struct s2i_ctx *ctx, const char *tag,
                  struct s2i_error **err)
{
  cleanup_strv struct s2i_strv a = S2I_STRV_INIT;
  cleanup_proc struct s2i_proc p = {0};
  unsigned uid = s2i_podman_random_uid();

  s2i_strv_add(&a, "podman");
  s2i_strv_add(&a, "run");
  s2i_strv_add(&a, "--rm");
  s2i_strv_add(&a, "--pull=never");
  s2i_strv_addf(&a, "--name=s2i-run-%ld-%u", (long)getpid(),
                s2i_podman_random() % 100000);
  s2i_podman_hardened_args(&a, uid, NULL);
  s2i_strv_add(&a, tag);
  s2i_log_step(ctx, "Running %s as %u:0 on a read-only root (Ctrl-C stops it)",
               tag, uid);
  s2i_proc_run(&p, &(struct s2i_proc_opts){.argv = (const char *const *)a.v,
                                           .ctx = ctx,
                                           .echo = 1});
  if (s2i_ctx_check_interrupt(ctx, err) < 0)
    return -1; /* stopped by the user: the CLI's "interrupted" status */
  if (p.status < 0 || podman_failed(&p)) {
    cleanup_free char *why = last_words(&p);
    return s2i_error_make(err, 0, "--run: podman run %s: %s", tag, why);
  }
  return p.status;
}
