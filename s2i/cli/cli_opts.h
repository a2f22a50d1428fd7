/* Options every command that touches the store or a registry shares:
 * --store DIR, --cache-dir DIR, --authfile F, --tls-verify[=BOOL],
 * --cert-dir DIR, --platform OS/ARCH, --pull-policy P, -q, --loglevel N. */
#ifndef S2I_CLI_OPTS_H
#define S2I_CLI_OPTS_H

#include <getopt.h>

#include "ctx.h"
#include "registry.h"

enum {
  CLI_OPT_STORE = 1000,
  CLI_OPT_CACHE_DIR,
  CLI_OPT_AUTHFILE,
  CLI_OPT_TLS_VERIFY,
  CLI_OPT_CERT_DIR,
  CLI_OPT_PLATFORM,
  CLI_OPT_PULL_POLICY,
  CLI_OPT_LOGLEVEL,
};

#define CLI_STORE_OPTIONS                                                      \
  {"store", required_argument, NULL, CLI_OPT_STORE},                           \
      {"cache-dir", required_argument, NULL, CLI_OPT_CACHE_DIR},               \
      {"quiet", no_argument, NULL, 'q'},                                       \
  {                                                                            \
    "loglevel", required_argument, NULL, CLI_OPT_LOGLEVEL                      \
  }

#define CLI_REGISTRY_OPTIONS                                                   \
  {"authfile", required_argument, NULL, CLI_OPT_AUTHFILE},                     \
      {"tls-verify", optional_argument, NULL, CLI_OPT_TLS_VERIFY},             \
      {"cert-dir", required_argument, NULL, CLI_OPT_CERT_DIR},                 \
      {"platform", required_argument, NULL, CLI_OPT_PLATFORM},                 \
  {                                                                            \
    "pull-policy", required_argument, NULL, CLI_OPT_PULL_POLICY                \
  }

struct cli_store_opts {
  const char *store;
  const char *cache;
  struct s2i_registry_opts ro;
};

#define CLI_REGISTRY_HELP                                                      \
  "      --authfile FILE        registry credentials (containers-auth.json)\n" \
  "      --tls-verify=false     do not check the registry's certificate; "     \
  "plain\n"                                                                    \
  "                             HTTP when it does not speak TLS\n"             \
  "      --cert-dir DIR         CA certificates (*.crt) and client key pair\n" \
  "                             (*.cert, *.key) for the registry\n"            \
  "      --platform OS/ARCH     the image to pick from a multi-platform one\n" \
  "                             (default linux/amd64)\n"                       \
  "      --pull-policy P        always, if-not-present (default) or never\n"

#define CLI_STORE_HELP                                                         \
  "      --store DIR            the image store (default $S2I_STORE, else\n"   \
  "                             /var/lib/s2i as root, ~/.local/share/s2i)\n"   \
  "      --cache-dir DIR        unpacked layers and scratch (default\n"        \
  "                             $S2I_CACHE_DIR or ~/.cache/s2i)\n"             \
  "  -q, --quiet                only errors and warnings\n"                    \
  "      --loglevel N           more detail (0-5)\n"

/* Handle c when it is one of the options above: 1 when handled, 0 when c
 * is not one of them, -1 on a bad value (the usage error is printed). */
int cli_store_option(int c, const char *cmd, struct cli_store_opts *o,
                     struct s2i_ctx *ctx);

#endif
