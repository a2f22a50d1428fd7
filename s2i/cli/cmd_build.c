/* s2i build [options] SOURCE BUILDER TAG */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "cleanup.h"
#include "cli_opts.h"
#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "fs.h"
#include "image.h"
#include "log.h"
#include "proc.h"
#include "store.h"
#include "transport.h"
#include "writer.h"
#include "xalloc.h"

static const char build_help[] =
    "Usage: s2i build [options] SOURCE BUILDER TAG\n"
    "\n"
    "Build an image from SOURCE (a Git URL, a local Git repository, or a\n"
    "directory) with the builder image BUILDER, and write it as an image\n"
    "tarball (docker-archive + OCI layout) that podman load, skopeo and "
    "docker\n"
    "read.  No daemon is needed.  The image is recorded under TAG in the "
    "local\n"
    "store (an OCI layout: skopeo reads it as oci:STORE:TAG).\n"
    "\n"
    "BUILDER: a tag in the store, a registry reference (quay.io/ns/img:1,\n"
    "python:3.12, docker://HOST/REPO:TAG), docker-archive:PATH,\n"
    "oci-archive:PATH, oci:DIR[:REF] or a tarball PATH.\n"
    "\n"
    "Options:\n"
    "  -o, --output PATH          also write the image as a tarball to PATH\n"
    "      --push[=DEST]          push the image to TAG's registry (or DEST)\n"
    "      --no-cache             build even when an identical build is "
    "stored\n"
    "  -r, --ref REF              Git branch, tag or commit to build\n"
    "      --context-dir DIR      build from DIR inside the source\n"
    "      --copy                 copy a local repository's working tree as "
    "is\n"
    "      --exclude REGEX        leave out matching paths (default .git)\n"
    "  -e, --env NAME=VALUE       set a build and image environment variable\n"
    "  -E, --environment-file F   read NAME=VALUE lines from F\n"
    "      --scripts-url URL      builder scripts from image://, file://, "
    "http(s)://\n"
    "      --assemble-user USER   run assemble as USER (default: the image's)\n"
    "  -u, --allowed-uids RANGES  refuse builders whose users are outside "
    "RANGES\n"
    "      --as-dockerfile PATH   write a Dockerfile + upload/ context "
    "instead\n"
    "      --incremental          reuse the artifacts (save-artifacts) of the\n"
    "                             previous image: the tarball at the -o path,\n"
    "                             else TAG in the store\n"
    "      --incremental-from IMG the previous image to use (implies\n"
    "                             --incremental)\n"
    "      --network host|none    network for assemble (default host)\n"
    "      --no-runtime           do not add the runtime layer (init, "
    "identity)\n" CLI_STORE_HELP CLI_REGISTRY_HELP
    "  -h, --help                 show this help\n";

enum {
  OPT_CONTEXT_DIR = 256,
  OPT_COPY,
  OPT_EXCLUDE,
  OPT_SCRIPTS_URL,
  OPT_ASSEMBLE_USER,
  OPT_AS_DOCKERFILE,
  OPT_NETWORK,
  OPT_NO_RUNTIME,
  OPT_PUSH,
  OPT_NO_CACHE,
  OPT_LOAD,
  OPT_INCREMENTAL,
  OPT_INCREMENTAL_FROM,
};

static const struct option build_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"ref", required_argument, NULL, 'r'},
    {"context-dir", required_argument, NULL, OPT_CONTEXT_DIR},
    {"copy", no_argument, NULL, OPT_COPY},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"env", required_argument, NULL, 'e'},
    {"environment-file", required_argument, NULL, 'E'},
    {"scripts-url", required_argument, NULL, OPT_SCRIPTS_URL},
    {"assemble-user", required_argument, NULL, OPT_ASSEMBLE_USER},
    {"allowed-uids", required_argument, NULL, 'u'},
    {"as-dockerfile", required_argument, NULL, OPT_AS_DOCKERFILE},
    {"incremental", no_argument, NULL, OPT_INCREMENTAL},
    {"incremental-from", required_argument, NULL, OPT_INCREMENTAL_FROM},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"no-runtime", no_argument, NULL, OPT_NO_RUNTIME},
    {"push", optional_argument, NULL, OPT_PUSH},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"load", no_argument, NULL, OPT_LOAD},
    CLI_STORE_OPTIONS,
    CLI_REGISTRY_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int want_load; /* --load */

/* Returns -1 to go on, else the exit status. */
static int parse_option(int c, struct s2i_build_opts *o, struct s2i_ctx *ctx)
{
  struct cli_store_opts so = {o->store_dir, o->cache_dir, o->ro};
  int r = cli_store_option(c, "build", &so, ctx);

  if (r != 0) {
    o->store_dir = so.store;
    o->cache_dir = so.cache;
    o->ro = so.ro;
    return r < 0 ? S2I_EXIT_USAGE : -1;
  }
  switch (c) {
  case 'o': o->output = optarg; break;
  case 'r': o->ref = optarg; break;
  case OPT_CONTEXT_DIR: o->context_dir = optarg; break;
  case OPT_COPY: o->copy = 1; break;
  case OPT_EXCLUDE: o->exclude = optarg; break;
  case 'e': s2i_strv_add(&o->env, optarg); break;
  case 'E': s2i_strv_add(&o->env_files, optarg); break;
  case OPT_SCRIPTS_URL: o->scripts_url = optarg; break;
  case OPT_ASSEMBLE_USER: o->assemble_user = optarg; break;
  case 'u': o->allowed_uids = optarg; break;
  case OPT_AS_DOCKERFILE: o->as_dockerfile = optarg; break;
  case OPT_INCREMENTAL: o->incremental = 1; break;
  case OPT_INCREMENTAL_FROM:
    o->incremental = 1;
    o->incremental_from = optarg;
    break;
  case OPT_NO_RUNTIME: o->no_runtime = 1; break;
  case OPT_PUSH:
    o->push = 1;
    o->push_dest = optarg;
    break;
  case OPT_NO_CACHE: o->no_cache = 1; break;
  case OPT_LOAD: want_load = 1; break;
  case OPT_NETWORK:
    if (strcmp(optarg, "none") != 0 && strcmp(optarg, "host") != 0)
      return cli_usage_error(
          "build", "--network must be host or none, not '%s'", optarg);
    o->network_none = strcmp(optarg, "none") == 0;
    break;
  case 'h': fputs(build_help, stdout); return 0;
  default: return cli_usage_error("build", "%s", "invalid option");
  }
  return -1;
}

/* --load: the stored image as a tarball (in the cache's scratch dir) to
 * `podman load`, the one place the build path calls an engine. */
static int load_into_podman(const struct s2i_ctx *ctx,
                            const struct s2i_build_opts *o,
                            struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = NULL;
  cleanup_image struct s2i_image *img = NULL;
  cleanup_free char *name = NULL, *tmp = NULL, *dir = NULL;
  cleanup_proc struct s2i_proc p = {0};
  const char *argv[] = {"podman", "load", "-q", "-i", NULL, NULL};
  int r;

  if (s2i_store_open_at(&s, o->store_dir, o->cache_dir, err) < 0)
    return -1;
  name = s2i_transport_store_name(s, o->tag);
  if (name == NULL)
    return s2i_error_make(err, 0, "--load: %s is not in the store", o->tag);
  tmp = s2i_store_tmp_dir(s);
  if (s2i_fs_mkdtemp(&dir, tmp, "load-", err) < 0)
    return -1;
  free(tmp);
  tmp = s2i_fs_join(dir, "image.tar");
  argv[4] = tmp;
  s2i_log_step(ctx, "Loading %s into podman", name);
  r = s2i_transport_open_stored(ctx, &img, name, s, err);
  if (r == 0)
    r = s2i_writer_write_archive(ctx, img, s, name, tmp, NULL, err);
  if (r == 0 &&
      s2i_proc_run(&p, &(struct s2i_proc_opts){.argv = argv, .ctx = ctx}) != 0)
    r = s2i_error_make(err, 0, "--load: podman load failed: %s",
                       p.errout && *p.errout ? p.errout : p.out);
  {
    struct s2i_error *e = NULL;
    if (s2i_fs_rm_rf(dir, &e) < 0)
      s2i_error_free(e);
  }
  return r;
}

static int run_build(struct s2i_ctx *ctx, struct s2i_build_opts *o, int load)
{
  struct s2i_error *err = NULL;

  if (s2i_build(ctx, o, &err) < 0 ||
      (load && load_into_podman(ctx, o, &err) < 0))
    return cli_fail(err);
  return 0;
}

int cmd_build(int argc, char **argv)
{
  struct s2i_build_opts o = {.ro = S2I_REGISTRY_OPTS_INIT};
  struct s2i_ctx ctx;
  int c, ret;

  cli_ctx_init(&ctx);
  optind = 1;
  want_load = 0;
  while ((c = getopt_long(argc, argv, "o:r:e:E:u:qh", build_options, NULL)) !=
         -1) {
    ret = parse_option(c, &o, &ctx);
    if (ret >= 0)
      goto out;
  }
  if (argc - optind != 3) {
    ret = cli_usage_error("build",
                          "expected SOURCE BUILDER TAG, got %s arguments",
                          argc - optind < 3 ? "fewer" : "more");
    goto out;
  }
  o.source = argv[optind];
  o.builder = argv[optind + 1];
  o.tag = argv[optind + 2];
  ret = run_build(&ctx, &o, want_load);
out:
  s2i_strv_free(&o.env);
  s2i_strv_free(&o.env_files);
  return ret;
}

/* s2i rebuild TAG [NEW_TAG]: build again from what TAG's labels record
 * (source location, ref, context dir, builder), as s2i does. */
static const char rebuild_help[] =
    "Usage: s2i rebuild [options] TAG [NEW_TAG]\n"
    "\n"
    "Build the store's image TAG again from the source location, ref,\n"
    "context dir and builder its labels record (io.openshift.s2i.build.*),\n"
    "as NEW_TAG (default TAG).  Takes the options of s2i build.\n";

int cmd_rebuild(int argc, char **argv)
{
  struct s2i_build_opts o = {.ro = S2I_REGISTRY_OPTS_INIT};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  cleanup_store struct s2i_store *s = NULL;
  cleanup_image struct s2i_image *img = NULL;
  cleanup_free char *name = NULL, *src = NULL, *ref = NULL, *cdir = NULL,
                    *builder = NULL;
  const char *v;
  int c, ret;

  cli_ctx_init(&ctx);
  optind = 1;
  want_load = 0;
  while ((c = getopt_long(argc, argv, "o:r:e:E:u:qh", build_options, NULL)) !=
         -1) {
    if (c == 'h') {
      fputs(rebuild_help, stdout);
      ret = 0;
      goto out;
    }
    ret = parse_option(c, &o, &ctx);
    if (ret >= 0)
      goto out;
  }
  if (argc - optind < 1 || argc - optind > 2) {
    ret = cli_usage_error("rebuild", "expected TAG [NEW_TAG]");
    goto out;
  }
  ret = S2I_EXIT_FAILURE;
  if (s2i_store_open_at(&s, o.store_dir, o.cache_dir, &err) < 0 ||
      (name = s2i_transport_store_name(s, argv[optind])) == NULL ||
      s2i_transport_open_stored(&ctx, &img, name, s, &err) < 0) {
    if (err == NULL)
      s2i_error_make(&err, 0, "rebuild: no image %s in the store",
                     argv[optind]);
    ret = cli_fail(err);
    goto out;
  }
#define LABEL(k) s2i_image_label(img, "io.openshift.s2i.build." k)
  src = (v = LABEL("source-location")) ? xstrdup(v) : NULL;
  builder = (v = LABEL("image")) ? xstrdup(v) : NULL;
  cdir = (v = LABEL("source-context-dir")) ? xstrdup(v) : NULL;
  ref = (v = LABEL("commit.ref")) && strcmp(v, "HEAD") != 0 ? xstrdup(v)
        : (v = LABEL("commit.id"))                          ? xstrdup(v)
                                                            : NULL;
#undef LABEL
  if (src == NULL || builder == NULL) {
    s2i_error_make(&err, 0,
                   "rebuild: %s has no io.openshift.s2i.build.source-location "
                   "or .image label (not built by s2i?)",
                   name);
    ret = cli_fail(err);
    goto out;
  }
  o.source = src;
  o.builder = builder;
  if (o.ref == NULL)
    o.ref = ref;
  if (o.context_dir == NULL)
    o.context_dir = cdir;
  o.tag = argc - optind == 2 ? argv[optind + 1] : name;
  s2i_log_step(&ctx, "Rebuilding %s from %s%s%s with %s", name, src,
               o.ref ? " at " : "", o.ref ? o.ref : "", builder);
  ret = run_build(&ctx, &o, want_load);
out:
  s2i_strv_free(&o.env);
  s2i_strv_free(&o.env_files);
  return ret;
}
