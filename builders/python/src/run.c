/* run: the s2i run script of the python and lektor builders.  Applies
 * .whiskey/user_vars, runs the deploy-env and deploy hooks, then execs
 * the server so the image's init supervises it directly. */
#include "appfind.h"
#include "paths.h"
#include "proc.h"
#include "server_args.h"
#include "util.h"
#include "webconf.h"
#include "whiskey.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int exec_argv(char **argv)
{
  if (getenv("S2I_RUN_DRY_RUN")) {
    printf("would exec:");
    for (char **a = argv; *a; a++)
      printf(" %s", *a);
    printf("\n");
    return 0;
  }
  fflush(stdout);
  fflush(stderr);
  execvp(argv[0], argv);
  int e = errno;
  util_err("cannot execute %s: %s", argv[0], strerror(e));
  return e == ENOENT ? 127 : 126;
}

/* See struct webctx: how the servers reach our stdout and stderr. */
static void log_targets(struct webctx *c)
{
  static char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = '\0';
  const char *dev[2] = {"/dev/stdout", "/dev/stderr"};
  char *out[2];
  for (int i = 0; i < 2; i++) {
    int fd = open(dev[i], O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0 || n <= 0)
      out[i] = xasprintf("'%s'", dev[i]);
    else
      out[i] = xasprintf("\"||%s --log-relay %d\"", self, i + 1);
    if (i == 0)
      c->stdout_direct = fd >= 0;
    if (fd >= 0)
      close(fd);
  }
  c->stdout_log = out[0];
  c->stderr_log = out[1];
}

/* run --log-relay FD: Apache's piped logger, copies stdin to FD. */
static int log_relay(int fd)
{
  char buf[65536];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    for (ssize_t off = 0; n > 0 && off < n;) {
      ssize_t w = write(fd, buf + off, (size_t)(n - off));
      if (w < 0 && errno != EINTR)
        return 1;
      off += w > 0 ? w : 0;
    }
  return 0;
}

static int listen_port(const struct server_opts *o)
{
  int port = o ? o->port : 0;
  if (!port) {
    const char *env = util_env("PORT", "8080");
    char *end;
    long n = strtol(env, &end, 10);
    if (*end || n < 1 || n > 65535) {
      util_err("PORT=%s is not a TCP port number", env);
      return -1;
    }
    port = (int)n;
  }
  char buf[16];
  snprintf(buf, sizeof buf, "%d", port);
  setenv("PORT", buf, 1);
  return port;
}

static char *server_dir(const struct paths *p, const char *name)
{
  char *d = util_private_dir(p->tmp, name);
  if (!d) {
    util_err("no writable temporary directory for the %s configuration: mount "
             "a writable volume (emptyDir) at /tmp",
             name);
    exit(1);
  }
  return d;
}

/* nginx has no piped loggers.  When this UID cannot reopen stdout (a
 * pipe a container runtime made as root), the access log goes to a FIFO
 * in nginx's private directory, copied to the inherited stdout by a
 * child of this process, which becomes nginx: the copier follows the
 * log across reopens and is killed when nginx exits (PDEATHSIG). */
static const char *stdout_fifo(const char *dir)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/access-log.fifo", dir);
  unlink(path);
  if (mkfifo(path, 0600) == 0)
    return path;
  util_warn("cannot make %s: %s", path, strerror(errno));
  return NULL;
}

static int start_relay(const char *fifo)
{
  pid_t nginx = getpid(), pid = fork();
  if (pid < 0)
    util_err("cannot start the access log relay: %s", strerror(errno));
  if (pid != 0)
    return pid < 0 ? -1 : 0;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  while (getppid() == nginx) {
    int fd = open(fifo, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 0) < 0)
      _exit(1);
    close(fd);
    log_relay(1);
  }
  _exit(0);
}

static int start_nginx(const struct paths *p, const struct server_opts *o,
                       struct webctx *c, char **argv)
{
  char *root = webconf_abs(c->home, o->document_root);
  int dry = getenv("S2I_RUN_DRY_RUN") != NULL;
  if (!util_is_dir(root) && !dry) {
    util_err("document root %s is not a directory (did the build hook write "
             "it?)",
             root);
    free(root);
    return -1;
  }
  c->dir = server_dir(p, "nginx");
  if (o->access_log && !c->stdout_direct && !dry)
    c->access_fifo = stdout_fifo(c->dir);
  if (nginx_conf_write(o, c, argv) < 0 ||
      (c->access_fifo && start_relay(c->access_fifo) < 0)) {
    free(root);
    return -1;
  }
  util_step("Serving %s with nginx on port %d", root, c->port);
  free(root);
  return 0;
}

static int start_httpd(const struct paths *p, const struct server_opts *o,
                       struct webctx *c, char **argv)
{
  c->dir = server_dir(p, "httpd");
  if (httpd_conf_write(o, c, argv) < 0)
    return -1;
  util_step("Serving WSGI %s %s with Apache httpd + mod_wsgi on port %d",
            o->application_type ? o->application_type : "script",
            o->entry_point, c->port);
  return 0;
}

static int start_server(const struct paths *p, struct server_opts *o,
                        const char *home)
{
  int port = listen_port(o);
  if (port < 0)
    return 1;
  int is_static = o->application_type && !strcmp(o->application_type, "static");
  struct webctx c = {.home = home, .venv = p->venv, .port = port};
  char err[512];
  if (webconf_check(o, &c, err, sizeof err) < 0) {
    util_err("%s", err);
    return 1;
  }
  log_targets(&c);
  char *argv[8];
  if (is_static ? start_nginx(p, o, &c, argv) : start_httpd(p, o, &c, argv))
    return 1;
  return exec_argv(argv);
}

/* server_args said what to serve but gave no WSGI entry point. */
static int fill_entry_point(struct server_opts *o, const char *home)
{
  struct app_choice c;
  if (appfind(home, 1, &c) == APP_NONE)
    return -1;
  free(o->application_type);
  o->application_type =
      xstrdup(c.kind == APP_WSGI_MODULE ? "module" : "script");
  o->entry_point = c.kind == APP_WSGI_MODULE ? c.module : c.path;
  if (c.callable) {
    free(o->callable_object);
    o->callable_object = c.callable;
  }
  return 0;
}

/* ACCESS_LOG=on|off wins over server_args; unset, static sites log
 * every request and Apache logs with --access-log. */
static int access_log_env(struct server_opts *o, int is_static)
{
  const char *v = getenv("ACCESS_LOG");
  if (!v || !*v) {
    o->access_log = o->access_log || is_static;
    return 0;
  }
  if (strcmp(v, "on") && strcmp(v, "off")) {
    util_err("ACCESS_LOG=%s: expected on or off", v);
    return -1;
  }
  o->access_log = !strcmp(v, "on");
  return 0;
}

/* What the environment adds to server_args: APPLICATION_TYPE=static
 * when the file names no type, DOCUMENT_ROOT (or the app home) when a
 * static site names no root, and ACCESS_LOG. */
/* WEB_CONCURRENCY (sclorg's gunicorn worker count) sets the processes
 * that run the app (Apache children in embedded mode, mod_wsgi daemon
 * processes in daemon mode) when server_args gives no --processes. */
static int web_concurrency(struct server_opts *o)
{
  const char *v = getenv("WEB_CONCURRENCY");
  if (o->processes || !v || !*v)
    return 0;
  char *end;
  long n = strtol(v, &end, 10);
  if (*end || n < 1 || n > 1000) {
    util_err("WEB_CONCURRENCY=%s is not a number of processes (1-1000)", v);
    return -1;
  }
  o->processes = (int)n;
  return 0;
}

/* WSGI_MODE=embedded|daemon when server_args names no mode; then a
 * daemon-only option (--request-timeout, ...) selects daemon mode, and
 * otherwise embedded mode is the default (faster: no hop to a daemon
 * process per request; see docs/PERFORMANCE.md). */
static int wsgi_mode(struct server_opts *o)
{
  const char *v = getenv("WSGI_MODE");
  if (!o->embedded_mode && !o->daemon_mode && v && *v) {
    if (!strcmp(v, "daemon"))
      o->daemon_mode = true;
    else if (!strcmp(v, "embedded"))
      o->embedded_mode = true;
    else {
      util_err("WSGI_MODE=%s: expected embedded or daemon", v);
      return -1;
    }
  }
  if (!o->embedded_mode && o->daemon_opts)
    o->daemon_mode = true;
  return 0;
}

static int apply_env(struct server_opts *o, const char *home)
{
  int st = appfind_static_env();
  if (st < 0 || web_concurrency(o) < 0 || wsgi_mode(o) < 0)
    return -1;
  if (st && !o->application_type)
    o->application_type = xstrdup("static");
  int is_static = o->application_type && !strcmp(o->application_type, "static");
  if (is_static && !o->document_root)
    o->document_root = appfind_document_root(home);
  return access_log_env(o, is_static);
}

static int serve(const struct paths *p, struct server_opts *o, const char *home)
{
  if (apply_env(o, home) < 0)
    return 1;
  int is_static = o->application_type && !strcmp(o->application_type, "static");
  if (!is_static && !o->entry_point && fill_entry_point(o, home) < 0)
    return 1;
  return start_server(p, o, home);
}

static int run_server_args(const struct paths *p, char **words,
                           const char *home)
{
  struct server_opts o;
  char err[512];
  server_opts_init(&o);
  if (server_opts_parse(&o, words, err, sizeof err) < 0) {
    util_err(".whiskey/server_args: %s", err);
    return 1;
  }
  return serve(p, &o, home);
}

/* sclorg: Django's migrate before a Django app is served, unless
 * DISABLE_MIGRATE; a failure stops the start, as there. */
static int django_migrate(const struct paths *p, const char *home)
{
  const char *off = getenv("DISABLE_MIGRATE");
  char *manage = xasprintf("%s/manage.py", home);
  char *py = (char *)paths_python(p);
  char *probe[] = {py, "-c", "import django", NULL};
  int rc = 0;
  if (!(off && *off) && util_is_file(manage) && !getenv("S2I_RUN_DRY_RUN") &&
      proc_run_quiet(probe, home) == 0) {
    util_step("Migrating the database (manage.py migrate; DISABLE_MIGRATE=1 "
              "skips it)");
    char *argv[] = {py, manage, "migrate", "--noinput", NULL};
    int st = proc_run(argv, home);
    if (st != 0) {
      char how[96];
      util_err("manage.py migrate failed with %s",
               st < 0 ? "no exit status" : proc_describe(st, how, sizeof how));
      rc = -1;
    }
  }
  free(manage);
  return rc;
}

/* APP_CONFIG (sclorg): the app is served by gunicorn with that config
 * file, which the app installs (requirements.txt etc.). */
static int serve_gunicorn(const struct paths *p, const struct app_choice *c,
                          const char *config)
{
  int port = listen_port(NULL);
  char *gunicorn = xasprintf("%s/bin/gunicorn", p->venv);
  if (port < 0)
    return 1;
  if (!util_is_exec(gunicorn)) {
    util_err("APP_CONFIG=%s is a gunicorn configuration, but gunicorn is not "
             "installed in %s (add gunicorn to the app's dependencies, or "
             "unset APP_CONFIG to serve with Apache httpd + mod_wsgi)",
             config, p->venv);
    return 1;
  }
  char *app = c->kind == APP_WSGI_SCRIPT ? xstrdup("wsgi")
              : c->callable ? xasprintf("%s:%s", c->module, c->callable)
                            : xstrdup(c->module);
  char *bind = xasprintf("--bind=0.0.0.0:%d", port);
  char *conf = xasprintf("--config=%s", config);
  util_step("Serving %s with gunicorn (APP_CONFIG=%s)", app, config);
  char *argv[] = {gunicorn, app, bind, "--access-logfile=-", conf, NULL};
  return exec_argv(argv);
}

/* Django's collected static files, served by Apache as mod_wsgi's
 * runmodwsgi serves them: WORDS gets --url-alias STATIC_URL STATIC_ROOT
 * (as assemble found them after collectstatic) when that directory is
 * there. */
static void django_static(const struct paths *p, const char *home, char **words)
{
  char *manage = xasprintf("%s/manage.py", home);
  char *f = xasprintf("%s/" PATHS_DJANGO_STATIC, p->venv);
  char *t =
      util_is_file(manage) && util_is_file(f) ? util_read_file(f, NULL) : NULL;
  char *root = t ? strchr(t, '\n') : NULL;
  if (root) {
    *root++ = '\0';
    root[strcspn(root, "\n")] = '\0';
  }
  if (root && *t == '/' && util_is_dir(root)) {
    util_step("Serving Django's static files (STATIC_ROOT %s) at %s with "
              "Apache",
              root, t);
    words[0] = "--url-alias";
    words[1] = xstrdup(t);
    words[2] = xstrdup(root);
  }
  free(t);
  free(f);
  free(manage);
}

static int run_detected(const struct paths *p, const char *home)
{
  struct app_choice c;
  switch (appfind(home, 0, &c)) {
  case APP_SHELL: {
    if (listen_port(NULL) < 0)
      return 1;
    util_step("Running %s", c.path);
    char *argv[] = {c.path, NULL};
    return exec_argv(argv);
  }
  case APP_PYTHON: {
    if (listen_port(NULL) < 0)
      return 1;
    util_step("Running %s with %s", c.path, paths_python(p));
    char *argv[] = {(char *)paths_python(p), c.path, NULL};
    return exec_argv(argv);
  }
  case APP_WSGI_MODULE:
  case APP_WSGI_SCRIPT: {
    const char *config = getenv("APP_CONFIG");
    if (django_migrate(p, home) < 0)
      return 1;
    if (config && *config)
      return serve_gunicorn(p, &c, config);
    char *words[4] = {NULL};
    django_static(p, home, words);
    return run_server_args(p, words, home);
  }
  case APP_STATIC: {
    struct server_opts o;
    server_opts_init(&o);
    o.application_type = xstrdup("static");
    o.document_root = c.path;
    return serve(p, &o, home);
  }
  default: return 1;
  }
}

/* The server_args words, or NULL when there is no such file. */
static char **read_server_args(const struct paths *p, int *failed)
{
  *failed = 0;
  char *path = whiskey_find(p, "server_args");
  if (!path)
    return NULL;
  char *text = util_read_file(path, NULL);
  free(path);
  char err[512] = "";
  char **words = text ? server_args_split(text, err, sizeof err) : NULL;
  free(text);
  if (!words) {
    if (*err)
      util_err(".whiskey/server_args: %s", err);
    *failed = 1;
  }
  return words;
}

/* APP_ROOT and TMPDIR end up in server configs: checked like any
 * server_args path.  Without TMPDIR, a fresh private directory, never
 * a bare /tmp that other users can prepare. */
static int private_tmp(struct paths *p)
{
  char err[512];
  if (sa_check_abs_path("APP_ROOT", p->app_root, err, sizeof err) < 0) {
    util_err("%s", err);
    return -1;
  }
  const char *t = getenv("TMPDIR");
  if (t && *t) {
    if (sa_check_abs_path("TMPDIR", t, err, sizeof err) == 0)
      return 0;
    util_err("%s", err);
    return -1;
  }
  char *d = xstrdup("/tmp/s2i-run.XXXXXX");
  if (!mkdtemp(d)) {
    util_err("TMPDIR is not set and cannot create a directory in /tmp: %s; "
             "mount a writable volume (emptyDir) at /tmp",
             strerror(errno));
    return -1;
  }
  free(p->tmp);
  p->tmp = d;
  setenv("TMPDIR", d, 1);
  return 0;
}

static void run_deploy_hooks(const struct paths *p)
{
  char *wdir = util_private_dir(p->tmp, "whiskey");
  char *envdir = wdir ? xasprintf("%s/user_vars", wdir) : NULL;
  free(wdir);
  if (!envdir || whiskey_load_user_vars(p, envdir) < 0)
    util_warn("could not apply .whiskey/user_vars, continuing");
  if (whiskey_run_hook(p, "deploy-env"))
    util_warn("deploy-env hook failed, continuing (not fatal, as in "
              "mod_wsgi-docker)");
  if (envdir)
    whiskey_apply_envdir(envdir);
  if (whiskey_run_hook(p, "deploy"))
    util_warn(
        "deploy hook failed, continuing (not fatal, as in mod_wsgi-docker)");
  free(envdir);
}

static char *app_home(const struct paths *p)
{
  const char *sub = getenv("APP_HOME");
  char *home = sub && *sub ? webconf_abs(p->src, sub) : xstrdup(p->src);
  char err[512];
  if (sub && *sub &&
      sa_check_value("APP_HOME", SA_PATH, sub, err, sizeof err) < 0) {
    util_err("%s", err);
    exit(1);
  }
  if (!util_is_dir(home)) {
    util_err("APP_HOME %s is not a directory", home);
    exit(1);
  }
  return home;
}

int main(int argc, char **argv)
{
  util_prog = "run";
  if (argc == 3 && !strcmp(argv[1], "--log-relay"))
    return log_relay(atoi(argv[2]) == 1 ? 1 : 2);
  struct paths p;
  paths_init(&p);
  if (private_tmp(&p) < 0)
    return 1;
  paths_export(&p);
  umask(002);
  if (chdir(p.src) < 0) {
    util_err("cannot enter the application directory %s: %s", p.src,
             strerror(errno));
    return 1;
  }
  run_deploy_hooks(&p);
  char *home = app_home(&p);
  if (chdir(home) < 0) {
    util_err("cannot enter %s: %s", home, strerror(errno));
    return 1;
  }
  int failed;
  char **words = read_server_args(&p, &failed);
  if (failed)
    return 1;
  char *start = whiskey_find(&p, "action_hooks/start");
  if (start && util_is_exec(start)) {
    util_step("Running .whiskey/action_hooks/start");
    size_t n = 0;
    while (words && words[n])
      n++;
    char **sargv = xmalloc((n + 2) * sizeof *sargv);
    sargv[0] = start;
    for (size_t i = 0; i < n; i++)
      sargv[i + 1] = words[i];
    sargv[n + 1] = NULL;
    return exec_argv(sargv);
  }
  if (start)
    util_warn(
        "hook .whiskey/action_hooks/start is not executable, not running it");
  if (words)
    return run_server_args(&p, words, home);
  return run_detected(&p, home);
}
