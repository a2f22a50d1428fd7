#include "cli_opts.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* A usage error was printed. */
static int bad(int status)
{
  (void)status;
  return -1;
}

int cli_store_option(int c, const char *cmd, struct cli_store_opts *o,
                     struct s2i_ctx *ctx)
{
  switch (c) {
  case CLI_OPT_STORE: o->store = optarg; return 1;
  case CLI_OPT_CACHE_DIR: o->cache = optarg; return 1;
  case 'q': ctx->quiet = 1; return 1;
  case CLI_OPT_LOGLEVEL: ctx->log_level = atoi(optarg); return 1;
  case CLI_OPT_AUTHFILE: o->ro.authfile = optarg; return 1;
  case CLI_OPT_CERT_DIR: o->ro.cert_dir = optarg; return 1;
  case CLI_OPT_PLATFORM:
    if (strchr(optarg, '/') == NULL)
      return bad(cli_usage_error(
          cmd, "--platform wants OS/ARCH[/VARIANT], not '%s'", optarg));
    o->ro.platform = optarg;
    return 1;
  case CLI_OPT_TLS_VERIFY:
    if (optarg == NULL || strcmp(optarg, "true") == 0)
      o->ro.tls_verify = 1;
    else if (strcmp(optarg, "false") == 0)
      o->ro.tls_verify = 0;
    else
      return bad(cli_usage_error(
          cmd, "--tls-verify must be true or false, not '%s'", optarg));
    return 1;
  case CLI_OPT_PULL_POLICY:
    if (s2i_pull_policy_parse(&o->ro.pull_policy, optarg) < 0)
      return bad(cli_usage_error(
          cmd,
          "--pull-policy must be always, if-not-present or never, not '%s'",
          optarg));
    return 1;
  default: return 0;
  }
}
