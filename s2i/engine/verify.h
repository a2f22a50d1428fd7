/* s2i verify (libs2i-engine, not libs2i): run an image under a real engine
 * (podman) the way Kubernetes and OpenShift run it (a random high UID in group
 * 0, read-only root, a 0777 /tmp without the sticky bit like an emptyDir, no
 * capabilities, no passwd line added by the engine) and check what an app needs
 * there:
 *
 *   http      it starts and answers HTTP on its exposed port
 *   reap      PID 1 reaps an orphaned process (no zombie left)
 *   name      the UID resolves to a user name (id -un / whoami)
 *   tmpdir    $TMPDIR (else /tmp) is writable
 *   sigterm   SIGTERM stops it within 5 s with status 0 or 143, timed from
 *             the signal to the exit conmon recorded (State.FinishedAt)
 *
 * The image is read with s2i_transport_open() for its config only (port, user,
 * command); podman itself gets it through `podman pull <transport>:PATH`.
 * Only podman is run (proc.h: argv, own process group), never a host shell. The
 * container, the image (when verify brought it into podman) and the /tmp
 * directory are removed on every path out, SIGINT included. */
#ifndef S2I_VERIFY_H
#define S2I_VERIFY_H

#include "cleanup.h"
#include "ctx.h"
#include "error.h"
#include "image.h"

struct s2i_verify_opts {
  const char *image;     /* as s2i build takes a builder reference */
  int port;              /* container port; 0: from the image's config */
  int timeout;           /* seconds to wait for HTTP; 0: 15 */
  const char *cache_dir; /* store for reading the image; NULL: default */
};

enum s2i_verify_result {
  S2I_VERIFY_PASS,
  S2I_VERIFY_FAIL,
  S2I_VERIFY_SKIP, /* could not be checked (e.g. no /bin/sh); not a pass */
};

struct s2i_verify_row {
  const char *check; /* static name of the check */
  enum s2i_verify_result result;
  char *detail; /* one short line (owned) */
};

#define S2I_VERIFY_MAX_ROWS 8

struct s2i_verify_report {
  char *image;   /* the reference verified */
  char *user;    /* "uid:0" it ran as */
  char *command; /* entrypoint + cmd of the image, for the header */
  struct s2i_verify_row rows[S2I_VERIFY_MAX_ROWS];
  size_t n_rows;
};

/* Run every check.  Returns 0 with *out filled when the checks ran (whatever
 * they found), <0 when they could not run (image unreadable, podman failed
 * to start the container, interrupted). */
int s2i_verify(const struct s2i_ctx *ctx, struct s2i_verify_report **out,
               const struct s2i_verify_opts *opts, struct s2i_error **err);
void s2i_verify_report_free(struct s2i_verify_report *r);
S2I_DEFINE_CLEANUP_FN(struct s2i_verify_report *, s2i_verify_report_free)
#define cleanup_verify_report S2I_CLEANUP(s2i_verify_report_free)

/* 1 when every row passed. */
int s2i_verify_all_passed(const struct s2i_verify_report *r);

/* The table a person reads: a header, one row per check, a count line.
 * only_problems: leave out PASS rows and the header (for -q). */
char *s2i_verify_render(const struct s2i_verify_report *r, int only_problems);

/* ---- pure helpers, exposed for the unit tests ---- */

/* First port of an io.openshift.expose-services value ("8080:http",
 * "8443/tcp:https,8080:http"); 0 when there is none. */
int s2i_verify_port_from_label(const char *expose_services);
/* The port to probe: the label above, else the lowest TCP port in
 * config.ExposedPorts; 0 when the image names none. */
int s2i_verify_exposed_port(const struct s2i_image *img);

/* From `/proc/<pid>/stat` lines (one per process): the number of zombies,
 * their names as "sleep (pid 12)" joined by ", " into *names (owned, may be
 * NULL), and the name of PID 1 into *pid1 (owned, NULL when absent). */
int s2i_verify_zombies(const char *proc_stat, char **names, char **pid1);

#endif
