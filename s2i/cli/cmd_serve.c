/* s2i serve --config FILE [--listen ADDR:PORT] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "serve.h"

static const char serve_help[] =
    "Usage: s2i serve --config FILE [--listen ADDR:PORT]\n"
    "\n"
    "Receive Git webhooks (GitHub, GitLab, Gitea/Forgejo, Bitbucket, and\n"
    "OpenShift's generic one) on OpenShift's URL shapes\n"
    "  POST /apps/NAME/webhooks/SECRET/github|gitlab|gitea|bitbucket|generic\n"
    "build the pushed commit with s2i build, and redeploy it: with podman\n"
    "behind an nginx front proxy without downtime, or with your command.\n"
    "GET / shows a status page; /apps/NAME/builds, /metrics, /healthz.\n"
    "SIGTERM stops it cleanly; queued builds run at the next start.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE        the apps and their deploys (JSON; see\n"
    "                           docs/serve.md); must not be readable by\n"
    "                           others when it holds a secret\n"
    "  -l, --listen ADDR:PORT   where to listen (default: the config's, else\n"
    "                           127.0.0.1:8080; port 0: the kernel picks)\n"
    "  -q, --quiet              only errors and warnings\n"
    "      --loglevel N         more detail (0-5)\n"
    "  -h, --help               show this help\n";

enum { OPT_LOGLEVEL = 256 };

static const struct option serve_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"quiet", no_argument, NULL, 'q'},
    {"loglevel", required_argument, NULL, OPT_LOGLEVEL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cmd_serve(int argc, char **argv)
{
  struct hooks_serve_opts o = {0};
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;
  int c;

  s2i_ctx_init(&ctx); /* serve takes its signals through a signalfd */
  while ((c = cli_getopt(argc, argv, "c:l:qh", serve_options, "serve")) != -1) {
    switch (c) {
    case 'c': o.config = optarg; break;
    case 'l': o.listen = optarg; break;
    case 'q': ctx.quiet = 1; break;
    case OPT_LOGLEVEL: ctx.log_level = atoi(optarg); break;
    case 'h': fputs(serve_help, stdout); return 0;
    default: return cli_usage_error("serve", "unknown option");
    }
  }
  if (optind != argc)
    return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
  if (o.config == NULL)
    return cli_usage_error("serve", "--config FILE is required");
  return hooks_serve_run(&ctx, &o, &err) < 0 ? cli_fail(err) : 0;
}
