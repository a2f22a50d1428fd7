/* Apache httpd 2.4 + mod_wsgi for WSGI apps, following the httpd.conf
 * mod_wsgi-express generates (mod_wsgi/server/__init__.py): static files
 * from the document root and --url-alias served by Apache itself,
 * everything else handed to the app through a generated handler.wsgi
 * (RewriteRule ... [H=wsgi-handler]).  Embedded mode (the default here,
 * express's --embedded-mode): worker MPM, the app in each Apache child.
 * Daemon mode (express's default): event MPM, one WSGIDaemonProcess. */
#include "webconf.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODDIR "/usr/lib/apache2/modules"

static void load(FILE *f, const char *mod, const char *file)
{
  fprintf(
      f,
      "<IfModule !%s_module>\nLoadModule %s_module '%s/%s.so'\n</IfModule>\n",
      mod, mod, MODDIR, file);
}

static void write_modules(FILE *f, const struct server_opts *o)
{
  if (o->daemon_mode)
    load(f, "mpm_event", "mod_mpm_event");
  else
    load(f, "mpm_worker", "mod_mpm_worker");
  load(f, "unixd", "mod_unixd");
  load(f, "authn_core", "mod_authn_core");
  load(f, "authz_core", "mod_authz_core");
  load(f, "authz_host", "mod_authz_host");
  load(f, "mime", "mod_mime");
  load(f, "rewrite", "mod_rewrite");
  load(f, "alias", "mod_alias");
  load(f, "dir", "mod_dir");
  load(f, "env", "mod_env");
  load(f, "reqtimeout", "mod_reqtimeout");
  load(f, "log_config", "mod_log_config");
  if (o->compress_responses) {
    load(f, "filter", "mod_filter");
    load(f, "deflate", "mod_deflate");
  }
  fprintf(f, "LoadModule wsgi_module '%s/mod_wsgi.so'\n", MODDIR);
}

static void write_server(FILE *f, const struct server_opts *o,
                         const struct webctx *c)
{
  fprintf(f, "ServerName localhost\nServerRoot '%s'\nPidFile '%s/httpd.pid'\n",
          c->dir, c->dir);
  fprintf(f, "DefaultRuntimeDir '%s'\nMutex file:%s default\n", c->dir, c->dir);
  fprintf(f, "ServerSignature Off\nServerTokens Prod\n");
  /* Numeric: an arbitrary UID has no passwd line; as non-root unused. */
  fprintf(f, "User #%u\nGroup #%u\n", (unsigned)getuid(), (unsigned)getgid());
  fprintf(f, "Listen %d\n", c->port);
  fprintf(f, "TypesConfig '%s'\n",
          util_is_file("/etc/mime.types") ? "/etc/mime.types" : "/dev/null");
  fprintf(f,
          "HostnameLookups Off\nMaxMemFree 64\nTimeout %d\nListenBacklog 500\n",
          o->socket_timeout);
  fprintf(f,
          "RequestReadTimeout header=15-30,MinRate=500 body=15,MinRate=500\n");
  fprintf(f, "LimitRequestBody %ld\n", o->limit_request_body);
  if (o->keep_alive_timeout != 0)
    fprintf(f, "KeepAlive On\nKeepAliveTimeout %d\n",
            o->keep_alive_timeout < 0 ? 2 : o->keep_alive_timeout);
  else
    fprintf(f, "KeepAlive Off\n");
  fprintf(f, "ErrorLog %s\nLogLevel %s\n", c->stderr_log, o->log_level);
  if (o->access_log) {
    fprintf(f, "LogFormat \"%%h %%l %%u %%t \\\"%%r\\\" %%>s %%b\" common\n");
    if (o->access_log_format) {
      fputs("LogFormat ", f);
      webconf_quote(f, o->access_log_format);
      fprintf(f, " custom\nCustomLog %s custom\n", c->stdout_log);
    } else {
      fprintf(f, "CustomLog %s common\n", c->stdout_log);
    }
  }
  if (o->compress_responses)
    fprintf(f, "AddOutputFilterByType DEFLATE text/plain text/html text/xml "
               "text/css text/javascript application/xhtml+xml "
               "application/javascript application/json\n");
}

/* mod_wsgi-express's sizing: max clients 10 + max(10, 1.5 x processes x
 * threads), or --max-clients if larger than processes x threads.  With
 * keep-alive on and no --max-clients, at least 100: a kept-alive
 * connection holds a worker thread (worker MPM) or is closed when its
 * child's workers are all busy (event MPM, where a worker stays busy
 * while the daemon process runs the request), so 100 clients that reuse
 * connections need about 100 threads. */
static int max_clients(const struct server_opts *o, int procs)
{
  int mc = procs * o->threads;
  if (o->max_clients)
    mc = o->max_clients > mc ? o->max_clients : mc;
  else
    mc = 10 + (mc * 3 / 2 > 10 ? mc * 3 / 2 : 10);
  if (!o->max_clients && o->keep_alive_timeout != 0 && mc < 100)
    mc = 100;
  return mc;
}

/* Daemon mode: children of at most 25 threads (Apache's own
 * ThreadsPerChild), all started at once so that none is still starting
 * when load arrives.  MaxKeepAliveRequests 0 as express sets it for the
 * event MPM: idle kept-alive connections sit on the listener thread. */
static void write_mpm_event(FILE *f, const struct server_opts *o)
{
  int mc = max_clients(o, o->processes ? o->processes : 1);
  int limit = (mc + 24) / 25;
  int per = (mc + limit - 1) / limit;
  fprintf(f,
          "<IfModule mpm_event_module>\nServerLimit %d\nThreadLimit "
          "%d\nStartServers %d\n",
          limit, per, limit);
  fprintf(f, "MaxRequestWorkers %d\nMinSpareThreads %d\nMaxSpareThreads %d\n",
          limit * per, per, limit * per);
  fprintf(
      f,
      "ThreadsPerChild %d\nMaxConnectionsPerChild 0\nMaxKeepAliveRequests 0\n",
      per);
  fprintf(f, "ThreadStackSize 262144\n</IfModule>\n");
}

/* Embedded mode: each child is one Python interpreter, so there are
 * --processes children (default: one per CPU, 2 to 8), each with at
 * least --threads threads and together max clients.  The worker MPM
 * keeps a kept-alive connection on its thread instead of closing idle
 * ones under load as the event MPM does.  --maximum-requests restarts a
 * child after that many connections.  The default thread stack: Python
 * code runs on these threads. */
static void write_mpm_worker(FILE *f, const struct server_opts *o)
{
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int procs = o->processes ? o->processes
                           : (int)(ncpu < 2   ? 2
                                   : ncpu > 8 ? 8
                                              : ncpu);
  int mc = max_clients(o, procs);
  int per = (mc + procs - 1) / procs;
  if (per < o->threads)
    per = o->threads;
  fprintf(f,
          "<IfModule mpm_worker_module>\nServerLimit %d\nThreadLimit "
          "%d\nStartServers %d\n",
          procs, per, procs);
  fprintf(f, "MaxRequestWorkers %d\nMinSpareThreads %d\nMaxSpareThreads %d\n",
          procs * per, per, procs * per);
  fprintf(f,
          "ThreadsPerChild %d\nMaxConnectionsPerChild %d\n"
          "MaxKeepAliveRequests 0\n</IfModule>\n",
          per, o->maximum_requests);
}

static void write_embedded(FILE *f, const struct server_opts *o,
                           const struct webctx *c)
{
  fprintf(f, "WSGIApplicationGroup %%{GLOBAL}\n");
  if (util_is_dir(c->venv))
    fprintf(f, "WSGIPythonHome '%s'\n", c->venv);
  fprintf(f,
          "WSGICallableObject '%s'\nWSGIPassAuthorization On\nWSGIMapHEADToGET "
          "Auto\n",
          o->callable_object);
}

static void write_daemon(FILE *f, const struct server_opts *o,
                         const struct webctx *c, const char *wd)
{
  fprintf(f, "WSGIRestrictEmbedded On\nWSGISocketPrefix '%s/wsgi'\n", c->dir);
  fprintf(f, "WSGIDaemonProcess app display-name='(wsgi:app)' home='%s' \\\n",
          wd);
  if (o->processes)
    fprintf(f, "   processes=%d \\\n", o->processes);
  if (util_is_dir(c->venv))
    fprintf(f, "   python-home='%s' \\\n", c->venv);
  fprintf(
      f,
      "   threads=%d maximum-requests=%d lang='C.UTF-8' locale='C.UTF-8' \\\n",
      o->threads, o->maximum_requests);
  fprintf(f,
          "   listen-backlog=100 queue-timeout=%d socket-timeout=%d "
          "connect-timeout=%d \\\n",
          o->queue_timeout, o->socket_timeout, o->connect_timeout);
  fprintf(
      f, "   request-timeout=%d inactivity-timeout=%d deadlock-timeout=60 \\\n",
      o->request_timeout, o->inactivity_timeout);
  fprintf(f, "   graceful-timeout=15 shutdown-timeout=5\n");
  fprintf(f,
          "WSGICallableObject '%s'\nWSGIPassAuthorization On\nWSGIMapHEADToGET "
          "Auto\n",
          o->callable_object);
}

static void write_docroot(FILE *f, const struct server_opts *o,
                          const char *root)
{
  fprintf(f, "<Directory />\n    AllowOverride None\n    Require all "
             "denied\n</Directory>\n");
  fprintf(f, "DocumentRoot '%s'\n<Directory '%s'>\n", root, root);
  if (o->directory_index)
    fprintf(f, "    DirectoryIndex '%s'\n", o->directory_index);
  else
    fprintf(f, "    DirectoryIndex disabled\n");
  fprintf(f,
          "    RewriteEngine On\n    RewriteCond %%{REQUEST_FILENAME} !-f\n");
  if (o->directory_index)
    fprintf(f, "    RewriteCond %%{REQUEST_FILENAME} !-d\n");
  fprintf(f, "    RewriteRule .* - [H=wsgi-handler]\n    Require all "
             "granted\n</Directory>\n");
  /* Like nginx: no dot-files or dot-directories from disk. */
  fprintf(f, "<DirectoryMatch \"/\\.(?!well-known)\">\n    Require all "
             "denied\n</DirectoryMatch>\n");
  fprintf(f, "<FilesMatch \"^\\.\">\n    Require all denied\n</FilesMatch>\n");
}

static void write_aliases(FILE *f, const struct server_opts *o,
                          const struct webctx *c)
{
  for (size_t i = 0; i < o->n_url_aliases; i++) {
    char *t = webconf_abs(c->home, o->url_aliases[i].b);
    fprintf(f, "Alias '%s' '%s'\n", o->url_aliases[i].a, t);
    if (util_is_dir(t)) {
      fprintf(f, "<Directory '%s'>\n    Require all granted\n</Directory>\n",
              t);
    } else {
      char *slash = strrchr(t, '/');
      *slash = '\0';
      fprintf(f,
              "<Directory '%s'>\n<Files '%s'>\n    Require all "
              "granted\n</Files>\n</Directory>\n",
              *t ? t : "/", slash + 1);
    }
    free(t);
  }
  for (size_t i = 0; i < o->n_error_documents; i++)
    fprintf(f, "ErrorDocument %s '%s'\n", o->error_documents[i].a,
            o->error_documents[i].b);
  for (size_t i = 0; i < o->n_setenv; i++) {
    fputs("SetEnv ", f);
    webconf_quote(f, o->setenv[i].a);
    fputc(' ', f);
    webconf_quote(f, o->setenv[i].b);
    fputc('\n', f);
  }
}

/* The handler is imported at start (in the daemon process, or in every
 * Apache child in embedded mode), not at the first request. */
static void write_handler_directives(FILE *f, const struct server_opts *o,
                                     const struct webctx *c)
{
  const char *group = o->daemon_mode ? "'app'" : "%{GLOBAL}";
  fprintf(f, "WSGIHandlerScript wsgi-handler '%s/handler.wsgi' \\\n", c->dir);
  fprintf(f, "    process-group=%s application-group=%%{GLOBAL}\n", group);
  fprintf(f, "WSGIImportScript '%s/handler.wsgi' \\\n", c->dir);
  fprintf(f, "    process-group=%s application-group=%%{GLOBAL}\n", group);
}

/* The Python side of mod_wsgi-express's ApplicationHandler, cut down:
 * load the script or module, then undo the internal redirect's
 * SCRIPT_NAME so the app sees the URL the client asked for. */
static const char handler_py[] =
    "import os, sys, types, importlib\n"
    "os.chdir(working_directory)\n"
    "for p in reversed([working_directory] + python_paths):\n"
    "    if p not in sys.path:\n"
    "        sys.path.insert(0, p)\n"
    "if application_type == 'module':\n"
    "    module = importlib.import_module(entry_point)\n"
    "else:\n"
    "    module = types.ModuleType('__wsgi__')\n"
    "    module.__file__ = entry_point\n"
    "    with open(entry_point, 'rb') as fp:\n"
    "        code = compile(fp.read(), entry_point, 'exec', "
    "dont_inherit=True)\n"
    "    sys.modules['__wsgi__'] = module\n"
    "    exec(code, module.__dict__)\n"
    "_application = getattr(module, callable_object)\n"
    "\n"
    "def handle_request(environ, start_response):\n"
    "    environ['PATH_INFO'] = environ.get('SCRIPT_NAME', '') + "
    "environ.get('PATH_INFO', '')\n"
    "    environ['SCRIPT_NAME'] = ''\n"
    "    if mount_point != '/' and "
    "environ['PATH_INFO'].startswith(mount_point):\n"
    "        environ['SCRIPT_NAME'] = mount_point\n"
    "        environ['PATH_INFO'] = environ['PATH_INFO'][len(mount_point):]\n"
    "    return _application(environ, start_response)\n"
    "\n"
    "application = handle_request\n";

static void write_handler_values(FILE *f, const struct server_opts *o,
                                 const struct webctx *c, const char *wd)
{
  const char *type = o->application_type ? o->application_type : "script";
  char *ep = strcmp(type, "module") ? webconf_abs(c->home, o->entry_point)
                                    : xstrdup(o->entry_point);
  fprintf(f, "# Generated by the s2i python builder's run at start.\n");
  fputs("working_directory = ", f);
  webconf_pystr(f, wd);
  fputs("\npython_paths = [", f);
  for (size_t i = 0; i < o->n_python_paths; i++) {
    char *pp = webconf_abs(c->home, o->python_paths[i]);
    fputs(i ? ", " : "", f);
    webconf_pystr(f, pp);
    free(pp);
  }
  const char *names[] = {"entry_point", "application_type", "callable_object",
                         "mount_point"};
  const char *vals[] = {ep, type, o->callable_object, o->mount_point};
  fputs("]\n", f);
  for (size_t i = 0; i < 4; i++) {
    fprintf(f, "%s = ", names[i]);
    webconf_pystr(f, vals[i]);
    fputc('\n', f);
  }
  free(ep);
}

static int write_handler(const struct server_opts *o, const struct webctx *c,
                         const char *wd)
{
  char *path;
  FILE *f = webconf_create(c->dir, "handler.wsgi", &path);
  if (!f) {
    free(path);
    return -1;
  }
  /* Values were checked when parsed; escaped here all the same. */
  write_handler_values(f, o, c, wd);
  fputs(handler_py, f);
  int rc = fclose(f);
  if (rc != 0)
    util_err("cannot write %s: %s", path, strerror(errno));
  free(path);
  return rc ? -1 : 0;
}

int httpd_conf_write(const struct server_opts *o, const struct webctx *c,
                     char **argv)
{
  char *wd =
      webconf_abs(c->home, o->working_directory ? o->working_directory : ".");
  char *root = o->document_root ? webconf_abs(c->home, o->document_root)
                                : xasprintf("%s/htdocs", c->dir);
  char *path = NULL;
  FILE *f = NULL;
  int rc = -1;
  if (!o->document_root && util_mkdir_p(root, 0700) < 0)
    goto out;
  if (write_handler(o, c, wd) < 0)
    goto out;
  if (!(f = webconf_create(c->dir, "httpd.conf", &path)))
    goto out;
  fprintf(f, "# Generated by the s2i python builder's run at start, laid "
             "out\n# as mod_wsgi-express's httpd.conf.\n");
  write_modules(f, o);
  write_server(f, o, c);
  if (o->daemon_mode) {
    write_mpm_event(f, o);
    write_daemon(f, o, c, wd);
  } else {
    write_mpm_worker(f, o);
    write_embedded(f, o, c);
  }
  write_docroot(f, o, root);
  write_aliases(f, o, c);
  write_handler_directives(f, o, c);
  if (fclose(f) != 0) {
    util_err("cannot write %s: %s", path, strerror(errno));
    goto out;
  }
  argv[0] = "/usr/sbin/apache2";
  argv[1] = "-f";
  argv[2] = path;
  argv[3] = "-d";
  argv[4] = (char *)c->dir;
  argv[5] = "-DFOREGROUND";
  argv[6] = NULL;
  path = NULL;
  rc = 0;
out:
  free(wd);
  free(root);
  free(path);
  return rc;
}
