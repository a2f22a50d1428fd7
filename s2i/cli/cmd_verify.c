/* s2i verify [options] IMAGE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "verify.h"

static const char verify_help[] =
    "Usage: s2i verify [options] IMAGE\n"
    "\n"
    "Run IMAGE with podman the way Kubernetes and OpenShift run it: a random\n"
    "UID in group 0 with no passwd entry, a read-only root, an emptyDir-like\n"
    "0777 /tmp without the sticky bit, all capabilities dropped.  Then check\n"
    "that it answers HTTP on its exposed port, that PID 1 reaps orphans, that\n"
    "the UID has a name, that TMPDIR is writable, and that SIGTERM stops it\n"
    "within 5 s with status 0 or 143.  Prints one row per check; exits 0 only\n"
    "when every check passed.  The container, the image (unless podman had\n"
    "it already) and the temporary /tmp are removed afterwards.\n"
    "\n"
    "IMAGE: docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF] or PATH.\n"
    "\n"
    "Options:\n"
    "      --port N          container port to probe (default: the image's\n"
    "                        io.openshift.expose-services, else EXPOSE)\n"
    "      --timeout S       seconds to wait for the first HTTP answer (15)\n"
    "      --cache-dir DIR   blob cache for reading the image\n"
    "  -q, --quiet           print only the checks that did not pass\n"
    "      --loglevel N      more detail (0-5)\n"
    "  -h, --help            show this help\n";

enum { OPT_PORT = 256, OPT_TIMEOUT, OPT_CACHE_DIR, OPT_LOGLEVEL };

static const struct option verify_options[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"quiet", no_argument, NULL, 'q'},
    {"loglevel", required_argument, NULL, OPT_LOGLEVEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A whole number in [lo, hi], else -1. */
static int parse_int(const char *s, int lo, int hi)
{
  char *end;
  long v = strtol(s, &end, 10);

  return *s == '\0' || *end != '\0' || v < lo || v > hi ? -1 : (int)v;
}

/* Returns -1 to go on, else the exit status. */
static int parse_option(int c, struct s2i_verify_opts *o, struct s2i_ctx *ctx)
{
  switch (c) {
  case OPT_PORT:
    if ((o->port = parse_int(optarg, 1, 65535)) < 0)
      return cli_usage_error("verify", "--port must be 1-65535, not '%s'",
                             optarg);
    break;
  case OPT_TIMEOUT:
    if ((o->timeout = parse_int(optarg, 1, 3600)) < 0)
      return cli_usage_error(
          "verify", "--timeout must be 1-3600 seconds, not '%s'", optarg);
    break;
  case OPT_CACHE_DIR: o->cache_dir = optarg; break;
  case 'q': ctx->quiet = 1; break;
  case OPT_LOGLEVEL: ctx->log_level = atoi(optarg); break;
  case 'h': fputs(verify_help, stdout); return 0;
  default: return cli_usage_error("verify", "%s", "invalid option");
  }
  return -1;
}

int cmd_verify(int argc, char **argv)
{
  struct s2i_verify_opts o = {0};
  cleanup_verify_report struct s2i_verify_report *report = NULL;
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  cleanup_free char *table = NULL;
  int c, ret;

  cli_ctx_init(&ctx);
  optind = 1;
  while ((c = cli_getopt(argc, argv, "qh", verify_options, "verify")) != -1)
    if ((ret = parse_option(c, &o, &ctx)) >= 0)
      return ret;
  if (argc - optind != 1)
    return cli_usage_error("verify", "expected one IMAGE, got %s arguments",
                           argc - optind < 1 ? "no" : "more");
  o.image = argv[optind];
  if (s2i_verify(&ctx, &report, &o, &err) < 0)
    return cli_fail(err);
  table = s2i_verify_render(report, ctx.quiet);
  fputs(table, stdout);
  return s2i_verify_all_passed(report) ? S2I_EXIT_OK : S2I_EXIT_FAILURE;
}
