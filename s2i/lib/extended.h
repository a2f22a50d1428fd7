/* Extended builds (--runtime-image, the original's "runtime image"): after
 * assemble has run in the builder, the named artifacts are copied out of
 * the builder's root into a new layer on top of a second, smaller image
 * (its layers kept byte for byte), together with the injected
 * assemble-runtime and run scripts; assemble-runtime then runs in that
 * image's sandbox, and the result is based on the runtime image: its
 * config, USER, ENTRYPOINT and WORKDIR.  The compilers stay behind.
 *
 * This module owns the runtime image's side: the artifact mappings (-a, or
 * the io.openshift.s2i.assemble-input-files label), the assemble-runtime
 * user, and moving the artifacts across.  build.c sequences it. */
#ifndef S2I_EXTENDED_H
#define S2I_EXTENDED_H

#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "policy.h"
#include "registry.h"
#include "sandbox.h"
#include "scripts.h"
#include "store.h"
#include "strv.h"

#define S2I_LABEL_ASSEMBLE_INPUT_FILES "io.openshift.s2i.assemble-input-files"
#define S2I_LABEL_ASSEMBLE_RUNTIME_USER "io.openshift.s2i.assemble-runtime-user"

/* One -a SRC[:DEST]: SRC absolute inside the builder, DEST relative to the
 * runtime image's WORKDIR ("." for WORKDIR itself).  SRC's last component
 * is kept: "/opt/app/build:web" gives <WORKDIR>/web/build. */
struct s2i_artifact_map {
  char *src;
  char *dest;
};

struct s2i_artifact_maps {
  struct s2i_artifact_map *v;
  size_t n;
};

/* Parse one value the original's way (pkg/api VolumeList.Set): split at
 * ';', each item split at its last ':', quotes trimmed, both halves
 * cleaned as Go's filepath.Clean ("" becomes ".").  Appends to *out.
 * Errors name the value (characters the original refuses). */
int s2i_extended_parse_artifacts(struct s2i_artifact_maps *out,
                                 const char *value, struct s2i_error **err);
/* The original's checks of every mapping: SRC absolute, DEST relative
 * and not starting with "..". */
int s2i_extended_check_artifacts(const struct s2i_artifact_maps *m,
                                 struct s2i_error **err);
void s2i_artifact_maps_free(struct s2i_artifact_maps *m);

struct s2i_extended_opts {
  const char *image;                  /* --runtime-image */
  const struct s2i_strv *artifacts;   /* -a values, in order; may be empty */
  const char *user;                   /* --assemble-runtime-user, or NULL */
  const char *allowed_uids;           /* -u, or NULL */
  const struct s2i_registry_opts *ro; /* with --runtime-pull-policy */
  struct s2i_store *store;
  const char *work;              /* the build's scratch dir */
  const char *scripts_url;       /* --scripts-url, or NULL */
  const char *source_dir;        /* the staged source (its .s2i/bin) */
  const char *image_scripts_url; /* --image-scripts-url, or NULL */
};

/* The runtime image, opened and checked before assemble runs (as the
 * original's Prepare does): a bad mapping fails the build early. */
struct s2i_extended {
  struct s2i_image *img;  /* the runtime image (its config is the result's) */
  struct s2i_strv lowers; /* its unpacked layer dirs, bottom first */
  char *upper;            /* the upper dir that becomes the new layer */
  char *ovlwork;          /* its overlay work dir */
  char *workdir;          /* its WORKDIR, "/" when unset */
  uid_t uid;              /* who runs assemble-runtime */
  gid_t gid;
  struct s2i_artifact_maps maps;
  struct s2i_script script;           /* assemble-runtime */
  char config_id[S2I_DIGEST_LEN + 1]; /* digest of its config (build key) */
};

int s2i_extended_open(const struct s2i_ctx *ctx, struct s2i_extended *x,
                      const struct s2i_extended_opts *o,
                      struct s2i_error **err);
void s2i_extended_free(struct s2i_extended *x);

/* Copy every mapping's SRC out of the builder's root after assemble (so)
 * into <upper><WORKDIR>/DEST/basename(SRC), owned by the assemble-runtime
 * user and group 0.  The copy is read inside the builder's sandbox as its
 * uid 0 (what docker cp could read) and written as a tar stream that is
 * extracted here with the artifact extractor's checks.  Files become 0644
 * (0755 when executable) and directories 0755, as the original's upload
 * does.  A missing SRC fails, naming it. */
int s2i_extended_copy_artifacts(const struct s2i_ctx *ctx,
                                const struct s2i_extended *x,
                                const struct s2i_sandbox_opts *so,
                                struct s2i_error **err);

/* An injected run script (from --scripts-url or the source's .s2i/bin)
 * into <upper><WORKDIR>/scripts/run, where the original uploads it;
 * *path is its path inside the image (CMD). */
int s2i_extended_add_run(const struct s2i_extended *x, const char *data,
                         size_t len, char **path, struct s2i_error **err);

#endif
