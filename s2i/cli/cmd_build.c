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
#include "limits.h"
#include "log.h"
#include "proc.h"
#include "run.h"
#include "s2ifile.h"
#include "sandbox.h"
#include "store.h"
#include "transport.h"
#include "writer.h"
#include "xalloc.h"

static const char build_help[] =
    "Usage: s2i build [options] SOURCE BUILDER TAG\n"
    "       s2i build [options] -o PATH SOURCE BUILDER\n"
    "       s2i build --use-config [options] [SOURCE BUILDER [TAG]]\n"
    "\n"
    "Build an image from SOURCE (a Git URL, a local Git repository, or a\n"
    "directory) with the builder image BUILDER, and write it as an image\n"
    "tarball (docker-archive + OCI layout) that podman load, skopeo and "
    "docker\n"
    "read.  No daemon is needed.  The image is recorded under TAG in the "
    "local\n"
    "store (an OCI layout: skopeo reads it as oci:STORE:TAG).  Without\n"
    "TAG the image has no name: it is only the tarball at -o.\n"
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
    "      --allow-local-submodules\n"
    "                             let submodule URLs be file://, absolute "
    "paths\n"
    "                             or climb above the source's own URL\n"
    "  -c, --copy                 copy a local repository's working tree as "
    "is\n"
    "      --exclude REGEX        leave out matching paths (default .git)\n"
    "  -e, --env NAME=VALUE       set a build and image environment variable\n"
    "  -E, --environment-file F   read NAME=VALUE lines from F\n"
    "  -s, --scripts-url URL      builder scripts from image://, file://, "
    "http(s)://\n"
    "                             (--scripts is its deprecated name)\n"
    "      --image-scripts-url URL  where the builder keeps its scripts when "
    "it has\n"
    "                             no scripts-url label (default "
    "image:///usr/libexec/s2i)\n"
    "      --image-scripts-dir DIR  the same as --image-scripts-url "
    "image://DIR\n"
    "  -d, --destination DIR      where the source and scripts go in the "
    "builder\n"
    "                             (default: its io.openshift.s2i.destination "
    "label,\n"
    "                             else /tmp; --location is its deprecated "
    "name)\n"
    "  -n, --application-name N   the image's io.k8s.display-name (default "
    "TAG)\n"
    "      --description TEXT     the image's io.k8s.description\n"
    "      --label KEY=VALUE      a label of the output image, over s2i's own\n"
    "                             (OpenShift's output.imageLabels)\n"
    "      --remove-source        leave no <destination>/src in the image "
    "(the\n"
    "                             original, and so the default, keeps it)\n"
    "      --callback-url URL     POST the result ({\"success\": ..., "
    "\"labels\": ...})\n"
    "                             to URL when the build ends\n"
    "      --assemble-user USER   run assemble as USER (default: the image's)\n"
    "  -u, --allowed-uids RANGES  refuse builders whose users are outside "
    "RANGES\n"
    "      --as-dockerfile PATH   write a Dockerfile + upload/ context "
    "instead\n"
    "      --incremental          reuse the artifacts (save-artifacts) of the\n"
    "                             previous image: the tarball at the -o path,\n"
    "                             else TAG in the store\n"
    "      --incremental-pull-policy P  pulling the previous image: always,\n"
    "                             if-not-present or never (default: "
    "--pull-policy)\n"
    "      --incremental-from IMG the previous image to use (implies\n"
    "                             --incremental)\n"
    "      --network MODE         network for assemble: private (default: its\n"
    "                             own namespace, outbound access through\n"
    "                             slirp4netns, not the host's loopback), host\n"
    "                             or none\n"
    "      --userns host          no user namespace: the builder's uid 0 is\n"
    "                             root on the host (default: ids 0-65535\n"
    "                             mapped to an unprivileged host range;\n"
    "                             run by a user: that user and its\n"
    "                             /etc/subuid range, see README)\n"
    "      --security-opt seccomp=unconfined\n"
    "                             run assemble without the seccomp filter\n"
    "      --memory SIZE          memory limit of assemble (512m, 2g; default\n"
    "                             half the RAM; -1: none)\n"
    "      --pids-limit N         process limit of assemble (default 4096;\n"
    "                             -1: none)\n"
    "      --cpus N               CPU limit of assemble (1.5: one and a half)\n"
    "      --timeout SECONDS      kill assemble after SECONDS (default none)\n"
    "      --no-runtime           do not add the runtime layer (init, "
    "identity)\n"
    "      --runtime-image IMG    extended build: copy the artifacts into IMG "
    "and run\n"
    "                             its assemble-runtime there; the result is "
    "based on IMG\n"
    "  -a, --runtime-artifact SRC[:DEST]  a file or directory of the builder "
    "to copy\n"
    "                             into IMG's WORKDIR/DEST (repeatable; "
    "default: "
    "IMG's\n"
    "                             io.openshift.s2i.assemble-input-files "
    "label)\n"
    "      --assemble-runtime-user USER  run assemble-runtime as USER "
    "(default: IMG's\n"
    "                             io.openshift.s2i.assemble-runtime-user "
    "label, else its USER)\n"
    "  -v, --volume HOST:CONTAINER[:ro|rw]  bind-mount a host path into the "
    "assemble\n"
    "                             (and save-artifacts) sandbox; never part of "
    "the image\n"
    "      --cap-drop CAPS        drop these capabilities too "
    "(CHOWN,SETUID,...; "
    "ALL)\n"
    "      --add-host HOST:IP     add \"IP HOST\" to /etc/hosts during "
    "assemble\n"
    "      --rm                   with --incremental: remove the previous "
    "image\n"
    "                             of TAG from the store once the build is "
    "stored\n"
    "      --runtime-pull-policy P  pulling IMG: always, if-not-present "
    "(default) or never\n" CLI_STORE_HELP CLI_REGISTRY_HELP
    "  -h, --help                 show this help\n";

enum {
  OPT_CONTEXT_DIR = 256,
  OPT_EXCLUDE,
  OPT_IMAGE_SCRIPTS_URL,
  OPT_CALLBACK_URL,
  OPT_IMAGE_SCRIPTS_DIR,
  OPT_DESCRIPTION,
  OPT_REMOVE_SOURCE,
  OPT_IGNORE_SUBMODULES,
  OPT_KEEP_SYMLINKS,
  OPT_SAVE_TEMP_DIR,
  OPT_USE_CONFIG,
  OPT_RUN,
  OPT_OLD_SCRIPTS,
  OPT_ASSEMBLE_USER,
  OPT_AS_DOCKERFILE,
  OPT_NETWORK,
  OPT_NO_RUNTIME,
  OPT_PUSH,
  OPT_NO_CACHE,
  OPT_INCREMENTAL_PULL_POLICY,
  OPT_LOAD,
  OPT_INCREMENTAL,
  OPT_INCREMENTAL_FROM,
  OPT_SECURITY_OPT,
  OPT_MEMORY,
  OPT_PIDS_LIMIT,
  OPT_CPUS,
  OPT_TIMEOUT,
  OPT_USERNS,
  OPT_ALLOW_LOCAL_SUBMODULES,
  OPT_RUNTIME_IMAGE,
  OPT_ASSEMBLE_RUNTIME_USER,
  OPT_RUNTIME_PULL_POLICY,
  OPT_CAP_DROP,
  OPT_ADD_HOST,
  OPT_RM,
  OPT_LABEL,
};

static const struct option build_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"ref", required_argument, NULL, 'r'},
    {"context-dir", required_argument, NULL, OPT_CONTEXT_DIR},
    {"copy", no_argument, NULL, 'c'},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"env", required_argument, NULL, 'e'},
    {"environment-file", required_argument, NULL, 'E'},
    {"scripts-url", required_argument, NULL, 's'},
    {"scripts", required_argument, NULL, OPT_OLD_SCRIPTS},
    {"image-scripts-dir", required_argument, NULL, OPT_IMAGE_SCRIPTS_DIR},
    {"destination", required_argument, NULL, 'd'},
    {"location", required_argument, NULL, 'l'},
    {"application-name", required_argument, NULL, 'n'},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"remove-source", no_argument, NULL, OPT_REMOVE_SOURCE},
    {"ignore-submodules", no_argument, NULL, OPT_IGNORE_SUBMODULES},
    {"inject", required_argument, NULL, 'i'},
    {"keep-symlinks", no_argument, NULL, OPT_KEEP_SYMLINKS},
    {"save-temp-dir", no_argument, NULL, OPT_SAVE_TEMP_DIR},
    {"use-config", no_argument, NULL, OPT_USE_CONFIG},
    {"run", no_argument, NULL, OPT_RUN},
    {"image-scripts-url", required_argument, NULL, OPT_IMAGE_SCRIPTS_URL},
    {"callback-url", required_argument, NULL, OPT_CALLBACK_URL},
    {"assemble-user", required_argument, NULL, OPT_ASSEMBLE_USER},
    {"allowed-uids", required_argument, NULL, 'u'},
    {"as-dockerfile", required_argument, NULL, OPT_AS_DOCKERFILE},
    {"incremental", no_argument, NULL, OPT_INCREMENTAL},
    {"incremental-from", required_argument, NULL, OPT_INCREMENTAL_FROM},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"allow-local-submodules", no_argument, NULL, OPT_ALLOW_LOCAL_SUBMODULES},
    {"no-runtime", no_argument, NULL, OPT_NO_RUNTIME},
    {"push", optional_argument, NULL, OPT_PUSH},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"incremental-pull-policy", required_argument, NULL,
     OPT_INCREMENTAL_PULL_POLICY},
    {"load", no_argument, NULL, OPT_LOAD},
    {"runtime-image", required_argument, NULL, OPT_RUNTIME_IMAGE},
    {"runtime-artifact", required_argument, NULL, 'a'},
    {"assemble-runtime-user", required_argument, NULL,
     OPT_ASSEMBLE_RUNTIME_USER},
    {"runtime-pull-policy", required_argument, NULL, OPT_RUNTIME_PULL_POLICY},
    {"runtime-image-pull-policy", required_argument, NULL,
     OPT_RUNTIME_PULL_POLICY},
    {"volume", required_argument, NULL, 'v'},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"rm", no_argument, NULL, OPT_RM},
    {"label", required_argument, NULL, OPT_LABEL},
    CLI_STORE_OPTIONS,
    CLI_REGISTRY_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --image-scripts-dir DIR as the URL image://DIR; NULL when too long. */
static const char *image_dir_url(const char *dir)
{
  static char url[4096 + 8];
  int n = snprintf(url, sizeof(url), "image://%s", dir);

  return n > 0 && (size_t)n < sizeof(url) ? url : NULL;
}

static const char *limit_flag(int c)
{
  return c == OPT_MEMORY       ? "memory"
         : c == OPT_PIDS_LIMIT ? "pids-limit"
         : c == OPT_CPUS       ? "cpus"
                               : "timeout";
}

/* --memory, --pids-limit, --cpus, --timeout: 0 when parsed, else -1. */
static int parse_limit(int c, struct s2i_sandbox_policy *p)
{
  char *end = NULL;
  long long n;

  switch (c) {
  case OPT_MEMORY:
    if (strcmp(optarg, "-1") == 0)
      return p->memory = UINT64_MAX, 0;
    return s2i_limits_parse_size(&p->memory, optarg);
  case OPT_CPUS:
    p->cpus = strtod(optarg, &end);
    return *end == '\0' && p->cpus > 0 && p->cpus <= 4096 ? 0 : -1;
  default:
    n = strtoll(optarg, &end, 10);
    if (*end != '\0' || end == optarg)
      return -1;
    if (c == OPT_TIMEOUT)
      return n > 0 && n < 1000000000 ? (p->timeout = (unsigned)n, 0) : -1;
    if (n == -1 || n == 0)
      return p->pids_limit = -1, 0; /* as podman: no limit */
    return n > 0 ? (p->pids_limit = n, 0) : -1;
  }
}

/* --network, --userns, --security-opt and the limits: -1 to go on (also
 * when c is none of them: *handled says which), else the exit status. */
static int parse_sandbox_option(int c, struct s2i_build_opts *o, int *handled)
{
  *handled = 1;
  switch (c) {
  case OPT_NETWORK:
    if (strcmp(optarg, "none") != 0 && strcmp(optarg, "host") != 0 &&
        strcmp(optarg, "private") != 0)
      return cli_usage_error(
          "build", "--network must be private, host or none, not '%s'", optarg);
    o->network_none = strcmp(optarg, "none") == 0;
    o->policy.network_host = strcmp(optarg, "host") == 0;
    break;
  case OPT_USERNS:
    if (strcmp(optarg, "host") != 0 && strcmp(optarg, "private") != 0)
      return cli_usage_error(
          "build", "--userns must be private or host, not '%s'", optarg);
    o->policy.userns_host = strcmp(optarg, "host") == 0;
    break;
  case OPT_SECURITY_OPT:
    if (strcmp(optarg, "seccomp=unconfined") != 0)
      return cli_usage_error("build",
                             "--security-opt: only seccomp=unconfined is "
                             "known, not '%s'",
                             optarg);
    o->policy.seccomp_unconfined = 1;
    break;
  case 'v':
    s2i_strv_add(&o->volumes, optarg);
    o->policy.volumes = &o->volumes;
    break;
  case OPT_ADD_HOST:
    s2i_strv_add(&o->add_hosts, optarg);
    o->policy.add_hosts = &o->add_hosts;
    break;
  case OPT_CAP_DROP: {
    struct s2i_error *e = NULL;
    if (s2i_sandbox_parse_caps(&o->policy.cap_drop, optarg, &e) < 0) {
      int r = cli_usage_error("build", "%s", e->msg);
      s2i_error_free(e);
      return r;
    }
    break;
  }
  case OPT_RM: o->remove_previous = 1; break;
  case OPT_LABEL:
    if (strchr(optarg, '=') == NULL || optarg[0] == '=')
      return cli_usage_error("build", "--label %s: want KEY=VALUE", optarg);
    s2i_strv_add(&o->labels, optarg);
    break;
  case OPT_MEMORY:
  case OPT_PIDS_LIMIT:
  case OPT_CPUS:
  case OPT_TIMEOUT:
    if (parse_limit(c, &o->policy) < 0)
      return cli_usage_error("build", "--%s: invalid value '%s'", limit_flag(c),
                             optarg);
    break;
  default: *handled = 0;
  }
  return -1;
}

/* The extended build's options: -1 to go on (also when c is none of
 * them: *handled says which), else the exit status. */
static int parse_runtime_option(int c, struct s2i_build_opts *o, int *handled)
{
  *handled = 1;
  switch (c) {
  case OPT_RUNTIME_IMAGE: o->runtime_image = optarg; break;
  case 'a': s2i_strv_add(&o->runtime_artifacts, optarg); break;
  case OPT_ASSEMBLE_RUNTIME_USER: o->assemble_runtime_user = optarg; break;
  case OPT_RUNTIME_PULL_POLICY:
    if (s2i_pull_policy_parse(&o->runtime_pull_policy, optarg) < 0)
      return cli_usage_error("build",
                             "--runtime-pull-policy must be always, "
                             "if-not-present or never, not '%s'",
                             optarg);
    o->runtime_pull_policy_set = 1;
    break;
  default: *handled = 0;
  }
  return -1;
}

static int want_load; /* --load */

/* Returns -1 to go on, else the exit status. */
static int parse_option(int c, struct s2i_build_opts *o, struct s2i_ctx *ctx)
{
  struct cli_store_opts so = {o->store_dir, o->cache_dir, o->ro};
  int r = cli_store_option(c, "build", &so, ctx);
  int handled;

  if (r != 0) {
    o->store_dir = so.store;
    o->cache_dir = so.cache;
    o->ro = so.ro;
    return r < 0 ? S2I_EXIT_USAGE : -1;
  }
  r = parse_sandbox_option(c, o, &handled);
  if (handled)
    return r;
  r = parse_runtime_option(c, o, &handled);
  if (handled)
    return r;
  switch (c) {
  case 'o': o->output = optarg; break;
  case 'r': o->ref = optarg; break;
  case OPT_CONTEXT_DIR: o->context_dir = optarg; break;
  case 'c': o->copy = 1; break;
  case OPT_ALLOW_LOCAL_SUBMODULES: o->allow_local_submodules = 1; break;
  case OPT_EXCLUDE: o->exclude = optarg; break;
  case 'e': s2i_strv_add(&o->env, optarg); break;
  case 'E': s2i_strv_add(&o->env_files, optarg); break;
  case 's': o->scripts_url = optarg; break;
  case OPT_OLD_SCRIPTS:
    fputs("warning: --scripts is deprecated, use --scripts-url\n", stderr);
    o->scripts_url = optarg;
    break;
  case OPT_IMAGE_SCRIPTS_DIR:
    if ((o->image_scripts_url = image_dir_url(optarg)) == NULL)
      return cli_usage_error("build", "--image-scripts-dir: too long");
    break;
  case 'd': o->destination = optarg; break;
  case 'l':
    fputs("warning: --location is deprecated, use --destination\n", stderr);
    o->destination = optarg;
    break;
  case 'n': o->display_name = optarg; break;
  case OPT_DESCRIPTION: o->description = optarg; break;
  case OPT_REMOVE_SOURCE: o->remove_source = 1; break;
  case OPT_IGNORE_SUBMODULES: o->ignore_submodules = 1; break;
  case 'i': s2i_strv_add_split(&o->injections, optarg, ';'); break;
  case OPT_KEEP_SYMLINKS: break; /* links are always kept */
  case OPT_RUN: break;           /* after the build: run_built() */
  case OPT_SAVE_TEMP_DIR: o->save_temp_dir = 1; break;
  case OPT_IMAGE_SCRIPTS_URL: o->image_scripts_url = optarg; break;
  case OPT_CALLBACK_URL: o->callback_url = optarg; break;
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
  case OPT_INCREMENTAL_PULL_POLICY:
    if (s2i_pull_policy_parse(&o->incremental_pull_policy, optarg) < 0)
      return cli_usage_error("build",
                             "--incremental-pull-policy must be always, "
                             "if-not-present or never, not '%s'",
                             optarg);
    o->incremental_pull_policy_set = 1;
    break;
  case OPT_LOAD: want_load = 1; break;
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

/* The long name of option c, NULL for none. */
static const struct option *option_of(int c)
{
  for (const struct option *op = build_options; op->name; op++)
    if (op->val == c)
      return op;
  return NULL;
}

static const struct option *option_named(const char *name, size_t len)
{
  for (const struct option *op = build_options; op->name; op++)
    if (strlen(op->name) == len && strncmp(op->name, name, len) == 0)
      return op;
  return NULL;
}

/* One parsed command line, and what --use-config saves of it. */
struct cmdline {
  struct s2i_build_opts o;
  struct s2i_ctx ctx;
  int use_config;
  int run;               /* --run */
  struct s2i_strv flags; /* "name=value" as .s2ifile keeps them */
  size_t n_given;        /* how many of flags the command line gave */
};

/* Flags that may be given more than once: .s2ifile keeps each value as
 * "name-N", as the original keeps -e (env-0, env-1, ...). */
static int repeatable(const struct option *op)
{
  static const char *const names[] = {"env",    "inject",   "runtime-artifact",
                                      "volume", "add-host", "label"};

  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(op->name, names[i]) == 0)
      return 1;
  return 0;
}

/* Whether flags[0..n) holds an entry starting with prefix. */
static int has_prefix(const struct cmdline *cl, size_t n, const char *prefix,
                      size_t len)
{
  for (size_t i = 0; i < n && i < cl->flags.n; i++)
    if (strncmp(cl->flags.v[i], prefix, len) == 0)
      return 1;
  return 0;
}

/* How many values of the repeatable flag name are recorded. */
static size_t count_values(const struct cmdline *cl, const char *name)
{
  cleanup_free char *prefix = xasprintf("%s-", name);
  size_t n = 0;

  for (size_t i = 0; i < cl->flags.n; i++)
    n += strncmp(cl->flags.v[i], prefix, strlen(prefix)) == 0;
  return n;
}

/* Parse option c (optarg set) and remember it for .s2ifile. */
static int take_option(struct cmdline *cl, int c)
{
  const struct option *op = option_of(c);
  int ret;

  if (c == OPT_USE_CONFIG) {
    cl->use_config = 1;
    return -1;
  }
  if (c == OPT_RUN)
    cl->run = 1;
  ret = parse_option(c, &cl->o, &cl->ctx);
  if (ret >= 0 || op == NULL || c == 'h')
    return ret;
  if (repeatable(op))
    s2i_strv_addf(&cl->flags, "%s-%zu=%s", op->name, count_values(cl, op->name),
                  optarg);
  else
    s2i_strv_addf(&cl->flags, "%s=%s", op->name, optarg ? optarg : "true");
  return -1;
}

/* The option a saved key names: "name", or "name-N" of a repeatable
 * one. */
static const struct option *saved_option(const char *kv, size_t len)
{
  const struct option *op = option_named(kv, len);
  const char *dash = memrchr(kv, '-', len);
  size_t digits = dash ? (size_t)(kv + len - dash - 1) : 0;

  if (op == NULL && digits > 0 && strspn(dash + 1, "0123456789") >= digits) {
    op = option_named(kv, (size_t)(dash - kv));
    if (op && !repeatable(op))
      op = NULL;
  }
  return op;
}

/* A saved flag the command line did not set; a repeatable flag given on
 * the command line replaces all its saved values, as -e does in the
 * original. */
static int restore_flag(struct cmdline *cl, char *kv)
{
  char *eq = strchr(kv, '=');
  size_t len = (size_t)(eq - kv);
  const struct option *op = saved_option(kv, len);
  cleanup_free char *prefix = NULL;

  if (op == NULL) {
    fprintf(stderr, "warning: %s: unknown flag '%.*s' ignored\n", S2I_S2IFILE,
            (int)len, kv);
    return -1;
  }
  prefix = xasprintf("%s%c", op->name, repeatable(op) ? '-' : '=');
  if (has_prefix(cl, cl->n_given, prefix, strlen(prefix)))
    return -1;
  if (op->has_arg == no_argument && strcmp(eq + 1, "true") != 0)
    return -1;
  optarg = op->has_arg == no_argument ? NULL : eq + 1;
  return take_option(cl, op->val);
}

/* --use-config: fill in from .s2ifile what the command line left out,
 * then save what this build uses.  pos/npos: the positional arguments. */
static int use_config(struct cmdline *cl, struct s2i_s2ifile *f, char **pos,
                      int npos)
{
  struct s2i_error *err = NULL;
  struct s2i_s2ifile now = {0};
  int ret;

  if (s2i_s2ifile_load(f, S2I_S2IFILE, &err) < 0)
    return cli_fail(err);
  cl->n_given = cl->flags.n;
  for (size_t i = 0; i < f->flags.n; i++)
    if ((ret = restore_flag(cl, f->flags.v[i])) >= 0)
      return ret;
  cl->o.source = npos >= 2 ? pos[0] : f->source;
  cl->o.builder = npos >= 2 ? pos[1] : f->builder;
  cl->o.tag = npos >= 3 ? pos[2] : f->tag;
  now.source = (char *)cl->o.source;
  now.builder = (char *)cl->o.builder;
  now.tag = (char *)cl->o.tag;
  now.flags = cl->flags;
  if (s2i_s2ifile_save(&now, S2I_S2IFILE, &err) < 0)
    return cli_fail(err);
  return -1;
}

/* SOURCE BUILDER without TAG, as the original allows: the image has no
 * name, so it must go somewhere by path, and nothing may need its name. */
static int untagged_ok(const struct cmdline *cl)
{
  const struct s2i_build_opts *o = &cl->o;

  if (!o->output && !o->as_dockerfile)
    return cli_usage_error("build", "without TAG, give -o PATH (the image "
                                    "then has no name in the store)");
  if (o->push || cl->run || want_load)
    return cli_usage_error("build", "%s needs TAG",
                           o->push   ? "--push"
                           : cl->run ? "--run"
                                     : "--load");
  return -1;
}

static int take_positionals(struct cmdline *cl, struct s2i_s2ifile *f,
                            char **pos, int npos)
{
  int ret;

  if (cl->use_config && npos <= 3 && (ret = use_config(cl, f, pos, npos)) >= 0)
    return ret;
  if (!cl->use_config && (npos == 3 || npos == 2)) {
    cl->o.source = pos[0];
    cl->o.builder = pos[1];
    cl->o.tag = npos == 3 ? pos[2] : NULL;
  }
  if (cl->o.source && cl->o.builder && cl->o.tag && npos <= 3)
    return -1;
  if (cl->o.source && cl->o.builder && npos == 2)
    return untagged_ok(cl);
  return cli_usage_error("build",
                         "expected SOURCE BUILDER TAG, got %s arguments",
                         npos < 3 ? "fewer" : "more");
}

/* What the original refuses before it starts (pkg/cmd/cli/cmd/build.go);
 * -1 to go on. */
static int check_combinations(const struct cmdline *cl)
{
  const struct s2i_build_opts *o = &cl->o;

  if (cl->run && o->as_dockerfile)
    return cli_usage_error("build",
                           "--run cannot be used with --as-dockerfile");
  if (o->runtime_image && o->as_dockerfile)
    return cli_usage_error("build", "--runtime-image cannot be used with "
                                    "--as-dockerfile");
  if (o->incremental && o->runtime_image)
    return cli_usage_error("build",
                           "Incremental build with runtime image isn't "
                           "supported");
  if (o->runtime_image == NULL &&
      (o->runtime_artifacts.n || o->assemble_runtime_user))
    fputs("warning: -a and --assemble-runtime-user have no effect without "
          "--runtime-image\n",
          stderr);
  return -1;
}

/* --run: the image just built and loaded into podman, run there; its
 * exit status. */
static int run_built(const struct cmdline *cl)
{
  struct s2i_error *err = NULL;
  int st = s2i_run_image(&cl->ctx, cl->o.tag, &err);

  return st < 0 ? cli_fail(err) : st;
}

int cmd_build(int argc, char **argv)
{
  struct cmdline cl = {.o = {.ro = S2I_REGISTRY_OPTS_INIT}};
  struct s2i_s2ifile saved = {0};
  int c, ret = -1;

  cli_ctx_init(&cl.ctx);
  optind = 1;
  want_load = 0;
  while (ret < 0 && (c = cli_getopt(argc, argv, "o:r:e:E:u:cs:d:l:n:i:a:v:qh",
                                    build_options, "build")) != -1)
    ret = take_option(&cl, c);
  if (ret < 0)
    ret = take_positionals(&cl, &saved, argv + optind, argc - optind);
  if (ret < 0)
    ret = check_combinations(&cl);
  if (ret < 0 && (ret = run_build(&cl.ctx, &cl.o, want_load || cl.run)) == 0)
    ret = -1; /* built (and loaded): go on */
  if (ret < 0 && cl.run)
    ret = run_built(&cl);
  if (ret < 0)
    ret = 0;
  s2i_strv_free(&cl.o.env);
  s2i_strv_free(&cl.o.env_files);
  s2i_strv_free(&cl.o.injections);
  s2i_strv_free(&cl.o.runtime_artifacts);
  s2i_strv_free(&cl.o.volumes);
  s2i_strv_free(&cl.o.add_hosts);
  s2i_strv_free(&cl.o.labels);
  s2i_strv_free(&cl.flags);
  s2i_s2ifile_free(&saved);
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
  while ((c = cli_getopt(argc, argv, "o:r:e:E:u:cs:d:l:n:i:a:v:qh",
                         build_options, "rebuild")) != -1) {
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
  s2i_strv_free(&o.runtime_artifacts);
  s2i_strv_free(&o.injections);
  s2i_strv_free(&o.volumes);
  s2i_strv_free(&o.add_hosts);
  return ret;
}
