/* `s2i mkimage`: compose an image from a base image (or nothing) plus
 * layers made from directories, layer tarballs, or the difference of two
 * root file system tarballs; then set config fields.  This is how the
 * builders in builders/ are made without a Dockerfile or a daemon. */
#ifndef S2I_MKIMAGE_H
#define S2I_MKIMAGE_H

#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "strv.h"

enum s2i_mkimage_layer_kind {
  S2I_MKLAYER_DIR,  /* a directory tree, taken as is */
  S2I_MKLAYER_TAR,  /* an uncompressed layer tarball, used byte for byte */
  S2I_MKLAYER_DIFF, /* what FULL.tar adds/changes/removes against BASE.tar */
};

struct s2i_mkimage_layer {
  enum s2i_mkimage_layer_kind kind;
  const char *path; /* dir, tar, or FULL.tar */
  const char *base; /* BASE.tar for DIFF */
};

struct s2i_mkimage_opts {
  const char *from; /* base image reference, NULL: scratch */
  const struct s2i_mkimage_layer *layers;
  size_t n_layers;
  const char *user, *workdir;
  const struct s2i_strv *env, *labels, *expose; /* NAME=V, K=V, "8080/tcp" */
  const struct s2i_strv *cmd, *entrypoint;      /* empty: keep the base's */
  const struct s2i_strv *onbuild; /* ONBUILD instructions to append */
  const char *tag, *output;
  const char *cache_dir;
  int runtime;             /* add the runtime layer + Entrypoint (builders) */
  const char *runtime_dir; /* NULL: s2i_runtime_default_root() */
};

int s2i_mkimage(const struct s2i_ctx *ctx, const struct s2i_mkimage_opts *o,
                struct s2i_error **err);

#endif
