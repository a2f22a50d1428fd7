/* Deploys: podman behind nginx with zero downtime, or the user's command.
 * podman and nginx run through the engine's process runner (argv, no
 * shell, bounded in time). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"
#include "fs.h"
#include "log.h"
#include "proc.h"
#include "xalloc.h"

#define PODMAN_TIMEOUT_MS (5 * 60 * 1000)

/* Run argv; on failure *err names the program and its stderr's end. */
static int run(const struct s2i_ctx *ctx, const char *const *argv,
               int timeout_ms, char **out, struct s2i_error **err)
{
  cleanup_proc struct s2i_proc p = {0};
  struct s2i_proc_opts o = {.argv = argv, .timeout_ms = timeout_ms};
  size_t n;

  s2i_log_debug(ctx, 1, "run: %s %s", argv[0], argv[1] ? argv[1] : "");
  if (s2i_proc_run(&p, &o) != 0) {
    n = strlen(p.errout);
    while (n > 0 && p.errout[n - 1] == '\n')
      p.errout[--n] = '\0';
    return s2i_error_make(err, 0, "%s %s: %s%s", argv[0], argv[1],
                          p.timed_out ? "timed out; " : "",
                          n > 300 ? p.errout + n - 300 : p.errout);
  }
  if (out) {
    n = strlen(p.out);
    while (n > 0 && (p.out[n - 1] == '\n' || p.out[n - 1] == ' '))
      p.out[--n] = '\0';
    *out = s2i_steal(p.out);
  }
  return 0;
}

/* A port the kernel says is free on loopback now. */
static int free_port(struct s2i_error **err)
{
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t len = sizeof(sa);
  cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
      getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
    return s2i_error_make(err, errno, "a free loopback port");
  return ntohs(sa.sin_port);
}

/* A UID as OpenShift assigns them: high, random, no passwd entry. */
static unsigned random_uid(void)
{
  unsigned r = 0;

  if (getrandom(&r, sizeof(r), 0) != sizeof(r))
    r = (unsigned)time(NULL);
  return 1000000000u + r % 100000000u;
}

struct probe {
  char build[32]; /* the X-S2I-Build header's value */
};

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
  struct probe *p = data;
  size_t len = size * n;

  if (len > 13 && strncasecmp(buf, "X-S2I-Build: ", 13) == 0) {
    size_t v = strcspn(buf + 13, "\r\n");

    if (v >= sizeof(p->build))
      v = sizeof(p->build) - 1;
    memcpy(p->build, buf + 13, v);
    p->build[v] = '\0';
  }
  return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *data)
{
  (void)buf;
  (void)data;
  return size * n;
}

/* GET url: the HTTP status (0 when nothing answered). */
static long probe(const char *url, struct probe *p)
{
  CURL *c = curl_easy_init();
  long code = 0;

  if (c == NULL)
    return 0;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return code;
}

static int container_running(const struct s2i_ctx *ctx, const char *name)
{
  const char *argv[] = {"podman",   "container",          "inspect",
                        "--format", "{{.State.Running}}", name,
                        NULL};
  cleanup_free char *out = NULL;
  cleanup_error struct s2i_error *e = NULL;

  if (run(ctx, argv, 30000, &out, &e) < 0)
    return 0;
  return strcmp(out, "true") == 0;
}

/* Wait until GET health answers 2xx/3xx; fail early when the container
 * has stopped. */
static int wait_healthy(const struct s2i_ctx *ctx, const struct hooks_app *a,
                        const char *name, int port, struct s2i_error **err)
{
  cleanup_free char *url =
      xasprintf("http://127.0.0.1:%d%s", port, a->deploy.health_path);
  int64_t end = s2i_ctx_now_ms() + (int64_t)a->deploy.health_timeout * 1000;
  long code = 0;

  for (int i = 0; s2i_ctx_now_ms() < end; i++) {
    struct probe p = {{0}};

    if (s2i_ctx_check_interrupt(ctx, err) < 0)
      return -1;
    code = probe(url, &p);
    if (code >= 200 && code < 400)
      return 0;
    if (i % 10 == 9 && !container_running(ctx, name))
      return s2i_error_make(err, 0, "health check: container %s stopped", name);
    usleep(200 * 1000);
  }
  if (code)
    return s2i_error_make(err, 0, "health check: GET %s answered %ld", url,
                          code);
  return s2i_error_make(err, 0, "health check: GET %s: no answer within %d s",
                        url, a->deploy.health_timeout);
}

static int load_image(const struct s2i_ctx *ctx,
                      const struct hooks_deploy_job *j, char **id,
                      struct s2i_error **err)
{
  const char *load[] = {"podman", "load", "-q", "-i", j->tarball, NULL};
  const char *inspect[] = {"podman",  "image",     "inspect", "--format",
                           "{{.Id}}", j->app->tag, NULL};

  s2i_log_step(ctx, "Loading image %s into podman", j->app->tag);
  if (run(ctx, load, PODMAN_TIMEOUT_MS, NULL, err) < 0 ||
      run(ctx, inspect, 30000, id, err) < 0)
    return -1;
  return 0;
}

/* The emptyDir-like /tmp: a fresh 0777 directory (no sticky bit). */
static char *tmp_volume(const struct hooks_deploy_job *j,
                        struct s2i_error **err)
{
  char *dir = xasprintf("%s/tmp-%lld", j->app_dir, (long long)j->build_id);

  if (s2i_fs_mkdir_p(dir, 0777, err) < 0 || chmod(dir, 0777) < 0) {
    s2i_error_make(err, errno, "%s", dir);
    free(dir);
    return NULL;
  }
  return dir;
}

/* The container's log into the build log, then the container goes. */
static void remove_container(const struct s2i_ctx *ctx, const char *name,
                             int show_logs)
{
  const char *logs[] = {"podman", "logs", "--tail", "30", name, NULL};
  const char *rm[] = {"podman", "rm", "-f", "-t", "5", name, NULL};
  cleanup_proc struct s2i_proc p = {0};
  struct s2i_proc_opts o = {.argv = logs, .timeout_ms = 30000};
  cleanup_error struct s2i_error *e = NULL;

  if (show_logs && s2i_proc_run(&p, &o) >= 0)
    fprintf(s2i_ctx_log(ctx), "--- %s log:\n%s%s---\n", name, p.out, p.errout);
  if (run(ctx, rm, 60000, NULL, &e) < 0)
    s2i_log_warn(ctx, "%s", e->msg);
}

static int start_container(const struct s2i_ctx *ctx,
                           const struct hooks_deploy_job *j, const char *name,
                           const char *image, int port, struct s2i_error **err)
{
  cleanup_free char *tmp = tmp_volume(j, err);
  cleanup_free char *user = xasprintf("%u:0", random_uid());
  cleanup_free char *vol = NULL, *pub = NULL, *label = NULL;

  if (tmp == NULL)
    return -1;
  vol = xasprintf("%s:/tmp", tmp);
  pub = xasprintf("127.0.0.1:%d:%d", port, j->app->deploy.container_port);
  label = xasprintf("io.s2i.serve.app=%s", j->app->name);
  {
    const char *argv[] = {"podman",
                          "run",
                          "-d",
                          "--name",
                          name,
                          "--label",
                          label,
                          "-u",
                          user,
                          "--read-only",
                          "--read-only-tmpfs=false",
                          "-v",
                          vol,
                          "--cap-drop",
                          "ALL",
                          "--security-opt",
                          "no-new-privileges",
                          "-p",
                          pub,
                          image,
                          NULL};

    s2i_log_step(ctx, "Starting %s as uid %s on 127.0.0.1:%d", name, user,
                 port);
    if (run(ctx, argv, PODMAN_TIMEOUT_MS, NULL, err) == 0)
      return 0;
    /* The engine's network set-up fails now and then when other podman
     * users are busy (CNI: "unknown FS magic on /run/netns/..."): once
     * more, from scratch. */
    s2i_log_warn(ctx, "%s; trying once more", (*err)->msg);
    s2i_error_free(s2i_steal(*err));
    remove_container(ctx, name, 0);
    return run(ctx, argv, PODMAN_TIMEOUT_MS, NULL, err);
  }
}

char *hooks_deploy_nginx_conf(const struct hooks_app *app, const char *prefix,
                              int port, int64_t build_id)
{
  return xasprintf(
      "# written by s2i serve for app %s; rewritten on every deploy\n"
      "%s"
      "worker_processes 1;\n"
      "pid %s/nginx.pid;\n"
      "error_log %s/error.log warn;\n"
      "events { worker_connections 1024; }\n"
      "http {\n"
      "  access_log off;\n"
      "  # No keep-alive to clients: a graceful reload closes idle keep-alive\n"
      "  # connections, racing a request the client is sending on one.\n"
      "  keepalive_timeout 0;\n"
      "  client_body_temp_path %s/tmp/body;\n"
      "  proxy_temp_path %s/tmp/proxy;\n"
      "  fastcgi_temp_path %s/tmp/fastcgi;\n"
      "  uwsgi_temp_path %s/tmp/uwsgi;\n"
      "  scgi_temp_path %s/tmp/scgi;\n"
      "  upstream app { server 127.0.0.1:%d; }\n"
      "  server {\n"
      "    listen %s:%d;\n"
      "    location / {\n"
      "      proxy_pass http://app;\n"
      "      proxy_http_version 1.1;\n"
      "      proxy_set_header Host $http_host;\n"
      "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
      "      add_header X-S2I-Build %lld always;\n"
      "    }\n"
      "  }\n"
      "}\n",
      app->name, geteuid() == 0 ? "user root;\n" : "", prefix, prefix, prefix,
      prefix, prefix, prefix, prefix, port, app->deploy.public_addr,
      app->deploy.public_port, (long long)build_id);
}

static pid_t nginx_pid(const char *prefix)
{
  cleanup_free char *path = xasprintf("%s/nginx.pid", prefix);
  cleanup_free char *text = NULL;
  cleanup_error struct s2i_error *e = NULL;
  size_t len;
  long pid;

  if (s2i_fs_read_file(&text, &len, path, &e) < 0)
    return 0;
  pid = strtol(text, NULL, 10);
  return pid > 1 && kill((pid_t)pid, 0) == 0 ? (pid_t)pid : 0;
}

static int write_nginx_conf(const struct hooks_deploy_job *j,
                            const char *prefix, int port,
                            struct s2i_error **err)
{
  cleanup_free char *tmp = xasprintf("%s/tmp", prefix);
  cleanup_free char *conf = xasprintf("%s/nginx.conf", prefix);
  cleanup_free char *text =
      hooks_deploy_nginx_conf(j->app, prefix, port, j->build_id);

  if (s2i_fs_mkdir_p(tmp, 0700, err) < 0)
    return -1;
  return s2i_fs_write_file_atomic(conf, text, strlen(text), 0600, err);
}

/* Point nginx at port: start it, or reload it gracefully (old workers
 * finish their requests), then wait until it answers from the new one. */
static int switch_proxy(const struct s2i_ctx *ctx,
                        const struct hooks_deploy_job *j, int port,
                        struct s2i_error **err)
{
  cleanup_free char *prefix = xasprintf("%s/nginx", j->app_dir);
  cleanup_free char *conf = xasprintf("%s/nginx.conf", prefix);
  const char *test[] = {"nginx", "-q", "-t", "-p", prefix, "-c", conf, NULL};
  const char *start[] = {"nginx", "-p", prefix, "-c", conf, NULL};
  pid_t pid;

  if (write_nginx_conf(j, prefix, port, err) < 0 ||
      run(ctx, test, 30000, NULL, err) < 0)
    return -1;
  pid = nginx_pid(prefix);
  s2i_log_step(ctx, "%s nginx on %s:%d -> 127.0.0.1:%d",
               pid ? "Reloading" : "Starting", j->app->deploy.public_addr,
               j->app->deploy.public_port, port);
  if (pid && kill(pid, SIGHUP) < 0)
    return s2i_error_make(err, errno, "nginx (pid %d)", (int)pid);
  if (!pid && run(ctx, start, 30000, NULL, err) < 0)
    return -1;
  return 0;
}
/* The switch is done when the public port answers for the new build. */
static int wait_switched(const struct hooks_deploy_job *j,
                         struct s2i_error **err)
{
  cleanup_free char *url =
      xasprintf("http://%s:%d%s", j->app->deploy.public_addr,
                j->app->deploy.public_port, j->app->deploy.health_path);
  char want[32];

  snprintf(want, sizeof(want), "%lld", (long long)j->build_id);
  for (int i = 0; i < 150; i++) {
    struct probe p = {{0}};

    probe(url, &p);
    if (strcmp(p.build, want) == 0)
      return 0;
    usleep(100 * 1000);
  }
  return s2i_error_make(err, 0,
                        "nginx: %s does not answer for build %s "
                        "after 15 s",
                        url, want);
}

static void retire_old(const struct s2i_ctx *ctx,
                       const struct hooks_deploy_job *j)
{
  const char *rmi[] = {"podman", "rmi", j->old->image, NULL};
  cleanup_error struct s2i_error *e = NULL;
  cleanup_free char *tmp = NULL;

  if (j->old->container == NULL)
    return;
  s2i_log_step(ctx, "Draining %s for %d ms, then removing it",
               j->old->container, j->app->deploy.drain_ms);
  usleep((useconds_t)j->app->deploy.drain_ms * 1000);
  remove_container(ctx, j->old->container, 0);
  tmp = xasprintf("%s/tmp-%lld", j->app_dir, (long long)j->old->build_id);
  s2i_fs_rm_rf(tmp, &e);
  s2i_error_free(s2i_steal(e));
  if (j->old->image && strcmp(j->old->image, "") != 0)
    run(ctx, rmi, 60000, NULL, &e); /* in use by another tag: kept */
}

static int try_new(const struct s2i_ctx *ctx, const struct hooks_deploy_job *j,
                   const char *name, const char *image, int port,
                   struct s2i_error **err)
{
  if (start_container(ctx, j, name, image, port, err) < 0 ||
      wait_healthy(ctx, j->app, name, port, err) < 0)
    return -1;
  s2i_log_step(ctx, "%s answers on GET %s", name, j->app->deploy.health_path);
  if (switch_proxy(ctx, j, port, err) < 0 || wait_switched(j, err) < 0)
    return -1;
  return 0;
}

int hooks_deploy_podman(const struct s2i_ctx *ctx,
                        const struct hooks_deploy_job *j,
                        struct hooks_deployed *out, struct s2i_error **err)
{
  cleanup_free char *name =
      xasprintf("s2i-serve-%s-%lld", j->app->name, (long long)j->build_id);
  cleanup_free char *image = NULL;
  int port;

  if (load_image(ctx, j, &image, err) < 0 || (port = free_port(err)) < 0)
    return s2i_error_prefix(err, "deploy");
  remove_container(ctx, name, 0); /* a leftover of a killed serve */
  if (try_new(ctx, j, name, image, port, err) < 0) {
    remove_container(ctx, name, 1);
    return s2i_error_prefix(err,
                            "deploy of %s (the old version keeps "
                            "serving)",
                            name);
  }
  retire_old(ctx, j);
  out->commit = j->commit ? xstrdup(j->commit) : NULL;
  out->image = s2i_steal(image);
  out->container = s2i_steal(name);
  out->port = port;
  out->build_id = j->build_id;
  out->at = hooks_now_ms();
  s2i_log_step(ctx, "Deployed build %lld of %s", (long long)j->build_id,
               j->app->name);
  return 0;
}

int hooks_deploy_command(const struct s2i_ctx *ctx,
                         const struct hooks_deploy_job *j,
                         struct s2i_error **err)
{
  cleanup_proc struct s2i_proc p = {0};
  struct s2i_proc_opts o = {
      .argv = (const char *const *)j->app->deploy.command.v,
      .timeout_ms = j->app->deploy.command_timeout * 1000,
      .ctx = ctx,
  };
  FILE *log = s2i_ctx_log(ctx);

  setenv("IMAGE", j->app->tag, 1);
  setenv("IMAGE_TARBALL", j->tarball, 1);
  setenv("DIGEST", j->digest ? j->digest : "", 1);
  setenv("APP", j->app->name, 1);
  setenv("COMMIT", j->commit ? j->commit : "", 1);
  s2i_log_step(ctx, "Running deploy command %s", o.argv[0]);
  s2i_proc_run(&p, &o);
  fputs(p.out, log);
  fputs(p.errout, log);
  fflush(log);
  if (p.status != 0)
    return s2i_error_make(err, 0, "deploy command %s %s %d", o.argv[0],
                          p.timed_out ? "timed out after" : "exited",
                          p.timed_out ? j->app->deploy.command_timeout
                                      : p.status);
  return 0;
}

/* After a reboot or a kill: the deployed container and its nginx may be
 * gone while the state says they serve.  Start what is missing. */
int hooks_deploy_restore(const struct s2i_ctx *ctx, const struct hooks_app *app,
                         const char *app_dir, const struct hooks_deployed *d,
                         struct s2i_error **err)
{
  cleanup_free char *prefix = xasprintf("%s/nginx", app_dir);
  cleanup_free char *conf = xasprintf("%s/nginx.conf", prefix);
  const char *start_ct[] = {"podman", "start", d->container, NULL};
  const char *start_ng[] = {"nginx", "-p", prefix, "-c", conf, NULL};

  if (app->deploy.type != HOOKS_DEPLOY_PODMAN || d->container == NULL ||
      d->container[0] == '\0')
    return 0;
  if (!container_running(ctx, d->container)) {
    s2i_log_info(ctx, "%s: starting %s again", app->name, d->container);
    if (run(ctx, start_ct, PODMAN_TIMEOUT_MS, NULL, err) < 0)
      return s2i_error_prefix(err, "restore %s", app->name);
  }
  if (nginx_pid(prefix) == 0 && s2i_fs_exists(conf)) {
    s2i_log_info(ctx, "%s: starting its nginx again", app->name);
    if (run(ctx, start_ng, 30000, NULL, err) < 0)
      return s2i_error_prefix(err, "restore %s", app->name);
  }
  return 0;
}
