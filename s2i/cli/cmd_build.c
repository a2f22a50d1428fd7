/* s2i build [options] SOURCE BUILDER TAG */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "limits.h"

static const char build_help[] =
    "Usage: s2i build [options] SOURCE BUILDER TAG\n"
    "\n"
    "Build an image from SOURCE (a Git URL, a local Git repository, or a\n"
    "directory) with the builder image BUILDER, and write it as an image\n"
    "tarball (docker-archive + OCI layout) that podman load, skopeo and "
    "docker\n"
    "read.  No daemon is needed.\n"
    "\n"
    "BUILDER: docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF] or PATH.\n"
    "\n"
    "Options:\n"
    "  -o, --output PATH          write the image tarball to PATH\n"
    "                             (default: TAG with / and : as _, plus .tar)\n"
    "  -r, --ref REF              Git branch, tag or commit to build\n"
    "      --context-dir DIR      build from DIR inside the source\n"
    "      --allow-local-submodules\n"
    "                             let submodule URLs be file://, absolute "
    "paths\n"
    "                             or climb above the source's own URL\n"
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
    "                             previous image: the tarball at the -o path\n"
    "      --incremental-from IMG the previous image to use (implies\n"
    "                             --incremental)\n"
    "      --network MODE         network for assemble: private (default: its\n"
    "                             own namespace, outbound access through\n"
    "                             slirp4netns, not the host's loopback), host\n"
    "                             or none\n"
    "      --userns host          no user namespace: the builder's uid 0 is\n"
    "                             root on the host (default: ids 0-65535\n"
    "                             mapped to an unprivileged host range)\n"
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
    "      --cache-dir DIR        blob and layer cache (default ~/.cache/s2i)\n"
    "  -q, --quiet                only errors and warnings\n"
    "      --loglevel N           more detail (0-5)\n"
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
  OPT_CACHE_DIR,
  OPT_LOGLEVEL,
  OPT_INCREMENTAL,
  OPT_INCREMENTAL_FROM,
  OPT_SECURITY_OPT,
  OPT_MEMORY,
  OPT_PIDS_LIMIT,
  OPT_CPUS,
  OPT_TIMEOUT,
  OPT_USERNS,
  OPT_ALLOW_LOCAL_SUBMODULES,
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
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"allow-local-submodules", no_argument, NULL, OPT_ALLOW_LOCAL_SUBMODULES},
    {"no-runtime", no_argument, NULL, OPT_NO_RUNTIME},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"quiet", no_argument, NULL, 'q'},
    {"loglevel", required_argument, NULL, OPT_LOGLEVEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

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

/* Returns -1 to go on, else the exit status. */
static int parse_option(int c, struct s2i_build_opts *o, struct s2i_ctx *ctx)
{
  switch (c) {
  case 'o': o->output = optarg; break;
  case 'r': o->ref = optarg; break;
  case OPT_CONTEXT_DIR: o->context_dir = optarg; break;
  case OPT_COPY: o->copy = 1; break;
  case OPT_ALLOW_LOCAL_SUBMODULES: o->allow_local_submodules = 1; break;
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
  case OPT_CACHE_DIR: o->cache_dir = optarg; break;
  case 'q': ctx->quiet = 1; break;
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
  case OPT_MEMORY:
  case OPT_PIDS_LIMIT:
  case OPT_CPUS:
  case OPT_TIMEOUT:
    if (parse_limit(c, &o->policy) < 0)
      return cli_usage_error("build", "--%s: invalid value '%s'", limit_flag(c),
                             optarg);
    break;
  case OPT_LOGLEVEL: ctx->log_level = atoi(optarg); break;
  case 'h': fputs(build_help, stdout); return 0;
  default: return cli_usage_error("build", "%s", "invalid option");
  }
  return -1;
}

int cmd_build(int argc, char **argv)
{
  struct s2i_build_opts o = {0};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  int c, ret;

  cli_ctx_init(&ctx);
  optind = 1;
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
  ret = s2i_build(&ctx, &o, &err) < 0 ? cli_fail(err) : 0;
out:
  s2i_strv_free(&o.env);
  s2i_strv_free(&o.env_files);
  return ret;
}
