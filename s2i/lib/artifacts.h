/* Incremental builds (s2i --incremental): the previous image's
 * save-artifacts script runs in a sandbox over that image's layers and
 * writes a tar stream on stdout; the stream is extracted, as it arrives,
 * into <destination>/artifacts of the new build's upper dir, where assemble
 * finds it.  build.c takes the directory out again after assemble. */
#ifndef S2I_ARTIFACTS_H
#define S2I_ARTIFACTS_H

#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "registry.h"
#include "sandbox.h"
#include "store.h"

struct s2i_artifacts_opts {
  const char *from;   /* --incremental-from IMAGE, or NULL */
  const char *output; /* the -o path: the previous build's output, or NULL */
  const char *tag;    /* without -o: the store's TAG is the previous image */
  const struct s2i_registry_opts *ro;
  struct s2i_store *store;
  const char *scripts_url;       /* --scripts-url, or NULL */
  const char *image_scripts_url; /* --image-scripts-url, or NULL */
  const char *allowed_uids;      /* --allowed-uids, or NULL */
  const char *work; /* the build's scratch dir (same file system) */
  const char *dir;  /* host dir to fill, created: <upper><dest>/artifacts */
  uid_t uid;        /* the new assemble user: owns what is extracted */
  int network_none;
  const struct s2i_sandbox_policy *policy; /* NULL: the default */
};

/* Returns 1 when artifacts were restored, 0 when there was nothing to do
 * (no previous image at the -o path, or one without a save-artifacts
 * script; one log line says which), <0 on failure.  A failing
 * save-artifacts is an error naming the script and its exit code, with
 * exit_code S2I_EXIT_ASSEMBLE. */
int s2i_artifacts_save(const struct s2i_ctx *ctx,
                       const struct s2i_artifacts_opts *o,
                       struct s2i_error **err);

/* Extract the tar stream read from fd into dir (which exists), reading fd
 * to its end.  Entries are owned by uid:gid whatever the tar says, lose
 * setuid/setgid bits, and are refused (with an error naming the entry) when
 * they are absolute, contain "..", lead through a symlink, or are devices,
 * FIFOs or sockets.  An empty stream is an empty archive. */
int s2i_artifacts_extract(const struct s2i_ctx *ctx, int fd, const char *dir,
                          uid_t uid, gid_t gid, struct s2i_error **err);

#endif
