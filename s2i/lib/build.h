/* `s2i build`: the whole data path, one stage per module (see
 * docs/ARCHITECTURE.md).  This file only sequences the stages and owns the
 * build's scratch directory. */
#ifndef S2I_BUILD_H
#define S2I_BUILD_H

#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "registry.h"
#include "sandbox.h"
#include "strv.h"

struct s2i_build_opts {
  const char *source;            /* SOURCE: Git URL or local path */
  const char *builder;           /* BUILDER image reference */
  const char *tag;               /* TAG: name[:tag] of the output image */
  const char *output;            /* -o PATH: also write a tarball; NULL: none */
  const char *ref;               /* -r */
  const char *context_dir;       /* --context-dir */
  int copy;                      /* --copy */
  const char *exclude;           /* --exclude REGEX */
  struct s2i_strv env;           /* -e NAME=VALUE, in order */
  struct s2i_strv env_files;     /* -E FILE, in order */
  struct s2i_strv injections;    /* -i/--inject SRC:DEST, in order */
  const char *scripts_url;       /* --scripts-url */
  const char *image_scripts_url; /* --image-scripts-url; NULL: the default */
  const char *callback_url;      /* --callback-url: POST the result there */
  const char *destination;    /* -d: overrides io.openshift.s2i.destination */
  const char *display_name;   /* -n: io.k8s.display-name (default: TAG) */
  const char *description;    /* --description: io.k8s.description */
  int remove_source;          /* --remove-source: no <destination>/src left */
  int ignore_submodules;      /* --ignore-submodules: none fetched or copied */
  int save_temp_dir;          /* --save-temp-dir: keep the scratch dir */
  const char *assemble_user;  /* --assemble-user */
  const char *allowed_uids;   /* -u/--allowed-uids */
  const char *as_dockerfile;  /* --as-dockerfile PATH */
  int network_none;           /* --network none */
  int allow_local_submodules; /* --allow-local-submodules */
  struct s2i_sandbox_policy policy; /* --security-opt, limits */
  int no_runtime;                   /* --no-runtime */
  const char *cache_dir;            /* --cache-dir; NULL: the default cache */
  const char *store_dir;            /* --store; NULL: the default store */
  struct s2i_registry_opts ro;      /* pulls of BUILDER, --push */
  int push;                         /* --push: push TAG (or push_dest) after */
  const char *push_dest;            /* --push=DEST */
  int no_cache;                     /* --no-cache: never reuse a stored build */
  /* --incremental-pull-policy: for the previous image; unset: ro's */
  int incremental_pull_policy_set;
  enum s2i_pull_policy incremental_pull_policy;
  const char *runtime_dir; /* runtime files; NULL: s2i_runtime_default_root */
  int incremental; /* --incremental: reuse the previous image's artifacts */
  struct s2i_strv labels;       /* --label KEY=VALUE: the image's, over s2i's */
  int remove_previous;          /* --rm: with --incremental, the image TAG named
                                   before is removed from the store */
  const char *incremental_from; /* --incremental-from; NULL: the -o tarball */
  /* Extended builds (extended.h) */
  const char *runtime_image;         /* --runtime-image */
  struct s2i_strv runtime_artifacts; /* -a/--runtime-artifact, in order */
  const char *assemble_runtime_user; /* --assemble-runtime-user */
  int runtime_pull_policy_set;       /* --runtime-pull-policy given */
  enum s2i_pull_policy runtime_pull_policy;
  struct s2i_strv volumes; /* -v HOST:CONTAINER[:ro|rw] (policy points here) */
  struct s2i_strv add_hosts; /* --add-host HOST:IP (policy points here) */
};

int s2i_build(const struct s2i_ctx *ctx, const struct s2i_build_opts *o,
              struct s2i_error **err);

/* `s2i usage BUILDER`: run the builder's usage script, output to ours. */
int s2i_build_usage(const struct s2i_ctx *ctx, const char *builder,
                    const char *cache_dir, const char *store_dir,
                    struct s2i_error **err);

/* The output path used when -o is not given. */
char *s2i_build_default_output(const char *tag);

#endif
