/* `s2i serve` configuration: JSON by jansson, every key checked at start. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fs.h"
#include "xalloc.h"

static const char *const root_keys[] = {
    "listen",     "state_dir",  "max_builds",         "max_connections",
    "rate_limit", "rate_burst", "connection_timeout", "apps",
    NULL};
static const char *const app_keys[] = {
    "name",        "source",      "ref",           "builder",
    "tag",         "context_dir", "env",           "secret",
    "secret_file", "deploy",      "build_timeout", "allow_generic_env",
    NULL};
static const char *const deploy_keys[] = {
    "type",           "port",     "address", "container_port",  "health_path",
    "health_timeout", "drain_ms", "command", "command_timeout", "dest",
    "tls_verify",     "authfile", NULL};

static int check_keys(json_t *obj, const char *const *allowed,
                      const char *where, struct s2i_error **err)
{
  const char *key;
  json_t *v;

  json_object_foreach(obj, key, v)
  {
    size_t i = 0;

    while (allowed[i] && strcmp(allowed[i], key) != 0)
      i++;
    if (allowed[i] == NULL)
      return s2i_error_make(err, 0, "%s%s: unknown key", where, key);
  }
  return 0;
}

/* *out = the string at key (owned), or a copy of dflt (NULL allowed). */
static int get_str(char **out, json_t *obj, const char *key, const char *where,
                   const char *dflt, struct s2i_error **err)
{
  json_t *v = json_object_get(obj, key);

  *out = NULL;
  if (v == NULL) {
    if (dflt == NULL)
      return s2i_error_make(err, 0, "%s%s: missing (required)", where, key);
    *out = xstrdup(dflt);
    return 0;
  }
  if (!json_is_string(v) || json_string_length(v) == 0)
    return s2i_error_make(err, 0, "%s%s: must be a non-empty string", where,
                          key);
  if (strlen(json_string_value(v)) != json_string_length(v))
    return s2i_error_make(err, 0, "%s%s: contains a NUL byte", where, key);
  *out = xstrdup(json_string_value(v));
  return 0;
}

static int get_int(int *out, json_t *obj, const char *key, const char *where,
                   int lo, int hi, int dflt, struct s2i_error **err)
{
  json_t *v = json_object_get(obj, key);

  *out = dflt;
  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < lo ||
      json_integer_value(v) > hi)
    return s2i_error_make(err, 0, "%s%s: must be an integer from %d to %d",
                          where, key, lo, hi);
  *out = (int)json_integer_value(v);
  return 0;
}

static int get_bool(int *out, json_t *obj, const char *key, const char *where,
                    struct s2i_error **err)
{
  json_t *v = json_object_get(obj, key);

  *out = 0;
  if (v == NULL)
    return 0;
  if (!json_is_boolean(v))
    return s2i_error_make(err, 0, "%s%s: must be true or false", where, key);
  *out = json_is_true(v);
  return 0;
}

/* A path in the config is relative to the config file's directory. */
static char *resolve(const char *dir, const char *p)
{
  static const char *const transports[] = {
      "docker-archive:", "oci-archive:", "oci:", NULL};

  if (p[0] == '/' || strstr(p, "://") != NULL || strncmp(p, "git@", 4) == 0)
    return xstrdup(p);
  for (size_t i = 0; transports[i]; i++) {
    size_t n = strlen(transports[i]);

    if (strncmp(p, transports[i], n) == 0) {
      cleanup_free char *rest = resolve(dir, p + n);
      return xasprintf("%s%s", transports[i], rest);
    }
  }
  return xasprintf("%s/%s", dir, p);
}

int hooks_config_check_private(const char *path, struct s2i_error **err)
{
  struct stat st;

  if (stat(path, &st) < 0)
    return s2i_error_make(err, errno, "%s", path);
  if (st.st_uid != geteuid() && st.st_uid != 0)
    return s2i_error_make(err, 0,
                          "%s: holds a secret but is owned by uid %u, not by "
                          "us (uid %u)",
                          path, (unsigned)st.st_uid, (unsigned)geteuid());
  if (st.st_mode & 077)
    return s2i_error_make(err, 0,
                          "%s: permissions %04o are too open: it holds a "
                          "webhook secret that other users could read "
                          "(chmod 600 %s)",
                          path, (unsigned)(st.st_mode & 07777), path);
  return 0;
}

static int valid_name(const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
          *s == '_' || *s == '.'))
      return 0;
  return 1;
}

/* A secret goes into URLs: keep it to characters that need no escaping. */
static int valid_secret(const char *s)
{
  if (strlen(s) < 8)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || strchr("-_.~", *s)))
      return 0;
  return 1;
}

static int read_secret_file(char **out, const char *path, const char *where,
                            struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  size_t len;

  if (hooks_config_check_private(path, err) < 0 ||
      s2i_fs_read_file(&text, &len, path, err) < 0)
    return s2i_error_prefix(err, "%ssecret_file", where);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    text[--len] = '\0';
  *out = s2i_steal(text);
  return 0;
}

static int load_secret(struct hooks_app *app, json_t *obj, const char *dir,
                       const char *where, int *inline_secret,
                       struct s2i_error **err)
{
  json_t *s = json_object_get(obj, "secret");
  json_t *f = json_object_get(obj, "secret_file");

  if ((s == NULL) == (f == NULL))
    return s2i_error_make(err, 0,
                          "%ssecret: give one of secret or "
                          "secret_file",
                          where);
  if (s != NULL) {
    *inline_secret = 1;
    if (get_str(&app->secret, obj, "secret", where, NULL, err) < 0)
      return -1;
  } else {
    cleanup_free char *rel = NULL, *path = NULL;

    if (get_str(&rel, obj, "secret_file", where, NULL, err) < 0)
      return -1;
    path = resolve(dir, rel);
    if (read_secret_file(&app->secret, path, where, err) < 0)
      return -1;
  }
  if (!valid_secret(app->secret))
    return s2i_error_make(err, 0,
                          "%ssecret: must be at least 8 characters of "
                          "A-Z a-z 0-9 - _ . ~ (it is part of the URL)",
                          where);
  return 0;
}

static int load_env(struct hooks_app *app, json_t *obj, const char *where,
                    struct s2i_error **err)
{
  json_t *env = json_object_get(obj, "env");
  const char *key;
  json_t *v;

  if (env == NULL)
    return 0;
  if (!json_is_object(env))
    return s2i_error_make(err, 0, "%senv: must be an object of NAME: value",
                          where);
  json_object_foreach(env, key, v)
  {
    if (!json_is_string(v) || key[0] == '\0' || strchr(key, '=') != NULL)
      return s2i_error_make(err, 0, "%senv.%s: must be NAME: \"string\"", where,
                            key);
    s2i_strv_addf(&app->env, "%s=%s", key, json_string_value(v));
  }
  return 0;
}

/* registry: dest (default the app's tag), tls_verify (default true),
 * authfile (default the usual search, containers-auth.json(5)). */
static int load_registry(struct hooks_deploy *d, json_t *obj, const char *where,
                         struct s2i_error **err)
{
  json_t *tv = json_object_get(obj, "tls_verify");

  d->tls_verify = 1;
  if (json_object_get(obj, "dest") &&
      get_str(&d->push_dest, obj, "dest", where, NULL, err) < 0)
    return -1;
  if (json_object_get(obj, "authfile") &&
      get_str(&d->authfile, obj, "authfile", where, NULL, err) < 0)
    return -1;
  if (tv && get_bool(&d->tls_verify, obj, "tls_verify", where, err) < 0)
    return -1;
  return 0;
}

static int load_command(struct hooks_deploy *d, json_t *obj, const char *where,
                        struct s2i_error **err)
{
  json_t *cmd = json_object_get(obj, "command");
  size_t i;
  json_t *v;

  if (!json_is_array(cmd) || json_array_size(cmd) == 0)
    return s2i_error_make(err, 0,
                          "%scommand: must be a non-empty array (argv, no "
                          "shell)",
                          where);
  json_array_foreach(cmd, i, v)
  {
    if (!json_is_string(v))
      return s2i_error_make(err, 0, "%scommand[%zu]: must be a string", where,
                            i);
    s2i_strv_add(&d->command, json_string_value(v));
  }
  return get_int(&d->command_timeout, obj, "command_timeout", where, 1, 86400,
                 600, err);
}

static int load_podman(struct hooks_deploy *d, json_t *obj, const char *where,
                       struct s2i_error **err)
{
  if (json_object_get(obj, "port") == NULL)
    return s2i_error_make(err, 0, "%sport: missing (the public port)", where);
  if (get_int(&d->public_port, obj, "port", where, 1, 65535, 0, err) < 0 ||
      get_str(&d->public_addr, obj, "address", where, "127.0.0.1", err) < 0 ||
      get_int(&d->container_port, obj, "container_port", where, 1, 65535, 8080,
              err) < 0 ||
      get_str(&d->health_path, obj, "health_path", where, "/", err) < 0 ||
      get_int(&d->health_timeout, obj, "health_timeout", where, 1, 3600, 60,
              err) < 0 ||
      get_int(&d->drain_ms, obj, "drain_ms", where, 0, 600000, 2000, err) < 0)
    return -1;
  if (d->health_path[0] != '/')
    return s2i_error_make(err, 0, "%shealth_path: must start with /", where);
  return 0;
}

static int load_deploy(struct hooks_deploy *d, json_t *obj,
                       const char *app_where, struct s2i_error **err)
{
  cleanup_free char *where = xasprintf("%sdeploy.", app_where);
  cleanup_free char *type = NULL;

  d->type = HOOKS_DEPLOY_NONE;
  if (obj == NULL)
    return 0;
  if (!json_is_object(obj))
    return s2i_error_make(err, 0, "%sdeploy: must be an object", app_where);
  if (check_keys(obj, deploy_keys, where, err) < 0 ||
      get_str(&type, obj, "type", where, NULL, err) < 0)
    return -1;
  if (strcmp(type, "none") == 0)
    return 0;
  if (strcmp(type, "podman") == 0) {
    d->type = HOOKS_DEPLOY_PODMAN;
    return load_podman(d, obj, where, err);
  }
  if (strcmp(type, "command") == 0) {
    d->type = HOOKS_DEPLOY_COMMAND;
    return load_command(d, obj, where, err);
  }
  if (strcmp(type, "registry") == 0) {
    d->type = HOOKS_DEPLOY_REGISTRY;
    return load_registry(d, obj, where, err);
  }
  return s2i_error_make(err, 0,
                        "%stype: unknown deploy type \"%s\" (podman, "
                        "registry, command, none)",
                        where, type);
}

static int load_app_strings(struct hooks_app *app, json_t *obj, const char *dir,
                            const char *where, struct s2i_error **err)
{
  cleanup_free char *source = NULL, *builder = NULL, *dflt_tag = NULL;

  if (get_str(&app->name, obj, "name", where, NULL, err) < 0)
    return -1;
  if (!valid_name(app->name))
    return s2i_error_make(err, 0,
                          "%sname: \"%s\" must be lower-case letters, digits, "
                          "'-', '_' or '.', starting with a letter or digit",
                          where, app->name);
  dflt_tag = xasprintf("%s:latest", app->name);
  if (get_str(&source, obj, "source", where, NULL, err) < 0 ||
      get_str(&builder, obj, "builder", where, NULL, err) < 0 ||
      get_str(&app->ref, obj, "ref", where, "main", err) < 0 ||
      get_str(&app->tag, obj, "tag", where, dflt_tag, err) < 0)
    return -1;
  if (json_object_get(obj, "context_dir") &&
      get_str(&app->context_dir, obj, "context_dir", where, NULL, err) < 0)
    return -1;
  app->source = resolve(dir, source);
  app->builder = resolve(dir, builder);
  return 0;
}

static int load_app(struct hooks_app *app, json_t *obj, size_t i,
                    const char *dir, int *inline_secret, struct s2i_error **err)
{
  cleanup_free char *where = xasprintf("apps[%zu].", i);

  if (!json_is_object(obj))
    return s2i_error_make(err, 0, "apps[%zu]: must be an object", i);
  if (check_keys(obj, app_keys, where, err) < 0 ||
      load_app_strings(app, obj, dir, where, err) < 0)
    return -1;
  free(where);
  where = xasprintf("apps[%zu] (%s).", i, app->name);
  if (load_env(app, obj, where, err) < 0 ||
      load_secret(app, obj, dir, where, inline_secret, err) < 0 ||
      get_bool(&app->allow_generic_env, obj, "allow_generic_env", where, err) <
          0 ||
      get_int(&app->build_timeout, obj, "build_timeout", where, 10, 86400, 1800,
              err) < 0)
    return -1;
  return load_deploy(&app->deploy, json_object_get(obj, "deploy"), where, err);
}

static int check_unique(const struct hooks_config *cfg, struct s2i_error **err)
{
  for (size_t i = 0; i < cfg->n_apps; i++)
    for (size_t j = 0; j < i; j++) {
      const struct hooks_deploy *a = &cfg->apps[i].deploy;
      const struct hooks_deploy *b = &cfg->apps[j].deploy;

      if (strcmp(cfg->apps[i].name, cfg->apps[j].name) == 0)
        return s2i_error_make(err, 0,
                              "apps[%zu].name: \"%s\" is also apps[%zu]", i,
                              cfg->apps[i].name, j);
      if (a->type == HOOKS_DEPLOY_PODMAN && b->type == HOOKS_DEPLOY_PODMAN &&
          a->public_port == b->public_port)
        return s2i_error_make(err, 0,
                              "apps[%zu].deploy.port: %d is also apps[%zu]'s",
                              i, a->public_port, j);
    }
  return 0;
}

static int load_apps(struct hooks_config *cfg, json_t *apps, const char *dir,
                     int *inline_secret, struct s2i_error **err)
{
  if (!json_is_array(apps) || json_array_size(apps) == 0)
    return s2i_error_make(err, 0, "apps: must be a non-empty array");
  cfg->n_apps = json_array_size(apps);
  cfg->apps = xcalloc(cfg->n_apps, sizeof(*cfg->apps));
  for (size_t i = 0; i < cfg->n_apps; i++)
    if (load_app(&cfg->apps[i], json_array_get(apps, i), i, dir, inline_secret,
                 err) < 0)
      return -1;
  return check_unique(cfg, err);
}

static int load_server(struct hooks_config *cfg, json_t *root, const char *dir,
                       struct s2i_error **err)
{
  cleanup_free char *state = NULL;

  if (check_keys(root, root_keys, "", err) < 0 ||
      get_str(&cfg->listen, root, "listen", "", "127.0.0.1:8080", err) < 0 ||
      get_str(&state, root, "state_dir", "", "serve-state", err) < 0 ||
      get_int(&cfg->max_builds, root, "max_builds", "", 1, 64, 2, err) < 0 ||
      get_int(&cfg->max_conns, root, "max_connections", "", 4, 10000, 64, err) <
          0 ||
      get_int(&cfg->conn_timeout, root, "connection_timeout", "", 1, 3600, 10,
              err) < 0 ||
      get_int(&cfg->rate_limit, root, "rate_limit", "", 1, 1000000, 50, err) <
          0 ||
      get_int(&cfg->rate_burst, root, "rate_burst", "", 1, 1000000, 100, err) <
          0)
    return -1;
  cfg->state_dir = resolve(dir, state);
  return 0;
}

static int parse(struct hooks_config *cfg, const char *path,
                 struct s2i_error **err)
{
  cleanup_free char *copy = xstrdup(path);
  cleanup_free char *dir = realpath(dirname(copy), NULL);
  cleanup_json json_t *root = NULL;
  json_error_t jerr;
  int inline_secret = 0;

  if (dir == NULL)
    return s2i_error_make(err, errno, "%s", path);
  root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    return s2i_error_make(err, 0, "line %d: %s", jerr.line, jerr.text);
  if (!json_is_object(root))
    return s2i_error_make(err, 0, "must hold a JSON object");
  if (load_server(cfg, root, dir, err) < 0 ||
      load_apps(cfg, json_object_get(root, "apps"), dir, &inline_secret, err) <
          0)
    return -1;
  if (inline_secret && hooks_config_check_private(path, err) < 0)
    return -1;
  return 0;
}

int hooks_config_load(const struct s2i_ctx *ctx, struct hooks_config **out,
                      const char *path, struct s2i_error **err)
{
  cleanup_hooks_config struct hooks_config *cfg = xcalloc(1, sizeof(*cfg));

  (void)ctx;
  cfg->path = xstrdup(path);
  if (parse(cfg, path, err) < 0)
    return s2i_error_prefix(err, "config %s", path);
  *out = s2i_steal(cfg);
  return 0;
}

const struct hooks_app *hooks_config_app(const struct hooks_config *cfg,
                                         const char *name)
{
  for (size_t i = 0; i < cfg->n_apps; i++)
    if (strcmp(cfg->apps[i].name, name) == 0)
      return &cfg->apps[i];
  return NULL;
}

static void app_clear(struct hooks_app *a)
{
  free(a->name);
  free(a->source);
  free(a->ref);
  free(a->builder);
  free(a->tag);
  free(a->context_dir);
  s2i_strv_free(&a->env);
  if (a->secret)
    explicit_bzero(a->secret, strlen(a->secret));
  free(a->secret);
  free(a->deploy.public_addr);
  free(a->deploy.health_path);
  free(a->deploy.push_dest);
  free(a->deploy.authfile);
  s2i_strv_free(&a->deploy.command);
}

void hooks_config_free(struct hooks_config *cfg)
{
  if (cfg == NULL)
    return;
  for (size_t i = 0; i < cfg->n_apps; i++)
    app_clear(&cfg->apps[i]);
  free(cfg->apps);
  free(cfg->path);
  free(cfg->listen);
  free(cfg->state_dir);
  free(cfg);
}
