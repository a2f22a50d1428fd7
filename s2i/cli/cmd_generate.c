/* s2i generate [options] BUILDER DOCKERFILE: the Dockerfile of an s2i
 * build with BUILDER, for any engine (as the original's generate), with an
 * empty upload/src/ beside it for the application source. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "commands.h"
#include "ctx.h"
#include "error.h"

static const char usage[] =
    "Usage: s2i generate [options] BUILDER DOCKERFILE\n"
    "\n"
    "Write a Dockerfile that builds an application with the s2i builder\n"
    "BUILDER using any engine (podman build, buildah bud, docker build):\n"
    "put the application source into upload/src/ next to DOCKERFILE (or\n"
    "use DIR/ for DIR/Dockerfile).  s2i build --as-dockerfile does the same\n"
    "with the source filled in.\n"
    "\n"
    "Options:\n"
    "  -e, --env NAME=VALUE       an environment variable for assemble and "
    "the image\n"
    "      --assemble-user USER   run assemble as USER (default: the image's)\n"
    "  -q, --quiet                only errors and warnings\n"
    "  -h, --help                 show this help\n";

enum { OPT_ASSEMBLE_USER = 256 };

static const struct option gen_options[] = {
    {"env", required_argument, NULL, 'e'},
    {"assemble-user", required_argument, NULL, OPT_ASSEMBLE_USER},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_generate(int argc, char **argv)
{
  struct s2i_build_opts o = {0};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  int c, ret;

  cli_ctx_init(&ctx);
  optind = 1;
  while ((c = cli_getopt(argc, argv, "e:qh", gen_options, "generate")) != -1) {
    switch (c) {
    case 'e': s2i_strv_add(&o.env, optarg); break;
    case OPT_ASSEMBLE_USER: o.assemble_user = optarg; break;
    case 'q': ctx.quiet = 1; break;
    case 'h':
      fputs(usage, stdout);
      s2i_strv_free(&o.env);
      return 0;
    default:
      s2i_strv_free(&o.env);
      return cli_usage_error("generate", "invalid option");
    }
  }
  if (argc - optind != 2) {
    s2i_strv_free(&o.env);
    return cli_usage_error("generate", "expected BUILDER and DOCKERFILE");
  }
  o.builder = argv[optind];
  o.as_dockerfile = argv[optind + 1];
  ret = s2i_build(&ctx, &o, &err) < 0 ? cli_fail(err) : 0;
  s2i_strv_free(&o.env);
  return ret;
}
