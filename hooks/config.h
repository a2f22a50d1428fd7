/* The configuration of `s2i serve` (a JSON file, see docs/serve.md): the
 * server's own settings and one entry per app.  Loading checks everything
 * once, at start: a bad key is refused with its JSON path and the problem,
 * and a file holding a secret that other users can read is refused as ssh
 * refuses a loose private key. */
#ifndef HOOKS_CONFIG_H
#define HOOKS_CONFIG_H

#include "ctx.h"
#include "error.h"
#include "strv.h"

enum hooks_deploy_type {
  HOOKS_DEPLOY_NONE,    /* build only */
  HOOKS_DEPLOY_PODMAN,  /* zero-downtime podman deploy behind nginx */
  HOOKS_DEPLOY_COMMAND, /* run the user's command */
  /* push to a registry; the cluster's image trigger redeploys */
  HOOKS_DEPLOY_REGISTRY,
};

struct hooks_deploy {
  enum hooks_deploy_type type;
  int public_port;         /* podman: where nginx listens (loopback) */
  char *public_addr;       /* podman: nginx's listen address (127.0.0.1) */
  int container_port;      /* podman: the port the image serves on (8080) */
  char *health_path;       /* podman: GET here must answer 2xx/3xx ("/") */
  int health_timeout;      /* podman: seconds to wait for it (60) */
  int drain_ms;            /* podman: old container kept after the switch */
  struct s2i_strv command; /* command: argv, run without a shell */
  int command_timeout;     /* command: seconds (600) */
  char *push_dest;         /* registry: where to push (default: the tag) */
  int tls_verify;          /* registry: 0 for a test registry (true) */
  char *authfile;          /* registry: credentials; NULL: the usual search */
};

struct hooks_app {
  char *name;        /* [a-z0-9][a-z0-9_.-]*, in URLs, paths, container names */
  char *source;      /* Git URL or path */
  char *ref;         /* tracked branch ("main") */
  char *builder;     /* builder image reference */
  char *tag;         /* output image name ("<name>:latest") */
  char *context_dir; /* NULL: the repository root */
  struct s2i_strv env;   /* NAME=VALUE, build and image environment */
  char *secret;          /* webhook secret: URL path and HMAC key */
  int allow_generic_env; /* the generic webhook's env is used */
  int build_timeout;     /* seconds (1800) */
  struct hooks_deploy deploy;
};

struct hooks_config {
  char *path;       /* the file it came from */
  char *listen;     /* "ADDR:PORT" (127.0.0.1:8080) */
  char *state_dir;  /* history, logs, images, nginx (absolute) */
  int max_builds;   /* builds running at once, all apps (2) */
  int max_conns;    /* HTTP connections at once (64) */
  int conn_timeout; /* seconds a connection may stay idle (10) */
  int rate_limit;   /* requests per second per source address (50) */
  int rate_burst;   /* bucket size (100) */
  struct hooks_app *apps;
  size_t n_apps;
};

/* Read and check FILE.  Relative paths in it (state_dir, secret_file,
 * builder, source when it is a directory) are taken from the file's
 * directory. */
int hooks_config_load(const struct s2i_ctx *ctx, struct hooks_config **out,
                      const char *path, struct s2i_error **err);
void hooks_config_free(struct hooks_config *cfg);
S2I_DEFINE_CLEANUP_FN(struct hooks_config *, hooks_config_free)
#define cleanup_hooks_config S2I_CLEANUP(hooks_config_free)

/* The app named name, or NULL. */
const struct hooks_app *hooks_config_app(const struct hooks_config *cfg,
                                         const char *name);

/* 0 when a file holding a secret may stay as it is: owned by us (or
 * root) and not readable or writable by group or others. */
int hooks_config_check_private(const char *path, struct s2i_error **err);

#endif
