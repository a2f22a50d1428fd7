/* The HTTP side of `s2i serve`, by libmicrohttpd: one thread per
 * connection (bounded by the connection limit), idle connections closed
 * after cfg->conn_timeout, a token bucket per source address.  URL shapes
 * are OpenShift's: /apps/<name>/webhooks/<secret>/<type>. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "signature.h"
#include "xalloc.h"

enum route {
  R_NOT_FOUND,
  R_STATUS,
  R_HEALTH,
  R_METRICS,
  R_BUILDS,
  R_LOG,
  R_WEBHOOK,
};

/* One request's parsed URL and body; freed when it completes. */
struct req {
  enum route route;
  char *seg[6]; /* the URL's segments */
  int nseg;
  char *body;
  size_t len, cap;
  int too_big;
};

static void req_free(struct req *r)
{
  for (int i = 0; i < r->nseg; i++)
    free(r->seg[i]);
  free(r->body);
  free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)c;
  (void)toe;
  if (*con_cls)
    req_free(*con_cls);
  *con_cls = NULL;
}

static void split(struct req *r, const char *url)
{
  while (*url == '/')
    url++;
  while (*url && r->nseg < 6) {
    size_t n = strcspn(url, "/");

    r->seg[r->nseg++] = xstrndup(url, n);
    url += n;
    while (*url == '/')
      url++;
  }
  if (*url)
    r->nseg = -r->nseg; /* too many segments: no route */
}

static enum route route_of(struct req *r)
{
  int n = r->nseg;

  if (n == 0)
    return R_STATUS;
  if (n == 1 && strcmp(r->seg[0], "healthz") == 0)
    return R_HEALTH;
  if (n == 1 && strcmp(r->seg[0], "metrics") == 0)
    return R_METRICS;
  if (n < 3 || strcmp(r->seg[0], "apps") != 0)
    return R_NOT_FOUND;
  if (n == 3 && strcmp(r->seg[2], "builds") == 0)
    return R_BUILDS;
  if (n == 5 && strcmp(r->seg[2], "builds") == 0 &&
      strcmp(r->seg[4], "log") == 0)
    return R_LOG;
  if (n == 5 && strcmp(r->seg[2], "webhooks") == 0)
    return R_WEBHOOK;
  return R_NOT_FOUND;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code,
                               const char *type, char *body)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer(
      strlen(body), body, MHD_RESPMEM_MUST_FREE);
  enum MHD_Result rc;

  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(resp, "Allow",
                            strstr(body, "POST") ? "POST" : "GET, HEAD");
  rc = MHD_queue_response(c, code, resp);
  MHD_destroy_response(resp);
  return rc;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned code,
                                    json_t *j)
{
  char *text = json_dumps(j, JSON_COMPACT);
  char *body = xasprintf("%s\n", text);

  free(text);
  json_decref(j);
  return respond(c, code, "application/json", body);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned code,
                                     const char *msg)
{
  return respond_json(c, code, json_pack("{s:s}", "error", msg));
}

/* A token bucket per source address: cfg->rate_limit per second, up to
 * cfg->rate_burst at once. */
static int rate_ok(struct hooks_server *srv, struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char addr[48] = "?";
  unsigned h = 5381;
  struct hooks_rate_slot *s;
  int64_t now = s2i_ctx_now_ms();
  int ok;

  if (ci && ci->client_addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
              sizeof(addr));
  else if (ci && ci->client_addr->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
              addr, sizeof(addr));
  for (const char *p = addr; *p; p++)
    h = h * 33 + (unsigned char)*p;
  pthread_mutex_lock(&srv->lock);
  s = &srv->rate[h % HOOKS_RATE_SLOTS];
  if (strcmp(s->addr, addr) != 0) {
    snprintf(s->addr, sizeof(s->addr), "%s", addr);
    s->tokens = srv->cfg->rate_burst;
    s->last_ms = now;
  }
  s->tokens += (now - s->last_ms) * srv->cfg->rate_limit / 1000.0;
  if (s->tokens > srv->cfg->rate_burst)
    s->tokens = srv->cfg->rate_burst;
  s->last_ms = now;
  ok = s->tokens >= 1;
  if (ok)
    s->tokens -= 1;
  pthread_mutex_unlock(&srv->lock);
  return ok;
}

static void count_answer(struct hooks_server *srv, unsigned code)
{
  pthread_mutex_lock(&srv->lock);
  if (code < 600)
    srv->answers[code]++;
  pthread_mutex_unlock(&srv->lock);
}

static const char *mhd_header(void *data, const char *name)
{
  return MHD_lookup_connection_value(data, MHD_HEADER_KIND, name);
}

/* The same 401 for an unknown app and a wrong secret. */
static const struct hooks_app *authorised(struct hooks_server *srv,
                                          struct req *r)
{
  const struct hooks_app *app = hooks_config_app(srv->cfg, r->seg[1]);
  int ok =
      hooks_secret_equal(r->seg[3], app ? app->secret : "no-such-app-secret");

  return ok && app ? app : NULL;
}

static json_t *accepted_json(const struct hooks_app *app,
                             const struct hooks_enqueued *q)
{
  char log[300];

  snprintf(log, sizeof(log), "/apps/%s/builds/%lld/log", app->name,
           (long long)q->id);
  return json_pack("{s:I, s:s, s:s, s:b, s:b, s:s}", "build", (json_int_t)q->id,
                   "app", app->name, "status", "queued", "redelivery",
                   q->redelivery, "coalesced", q->coalesced, "log", log);
}

static unsigned build_answer(struct hooks_server *srv,
                             const struct hooks_app *app,
                             const struct hooks_push *push, const char *type,
                             json_t **out)
{
  cleanup_error struct s2i_error *err = NULL;
  cleanup_free char *trigger = xasprintf("%s push", type);
  struct hooks_enqueued q;
  int rc;

  pthread_mutex_lock(&srv->lock);
  rc = srv->stopping ? 1
                     : hooks_sched_enqueue(srv, app, push, trigger, &q, &err);
  pthread_mutex_unlock(&srv->lock);
  if (rc != 0) {
    *out = json_pack("{s:s}", "error",
                     rc > 0 ? "s2i serve is stopping" : err->msg);
    return rc > 0 ? MHD_HTTP_SERVICE_UNAVAILABLE
                  : MHD_HTTP_INTERNAL_SERVER_ERROR;
  }
  *out = accepted_json(app, &q);
  return MHD_HTTP_ACCEPTED;
}

static unsigned webhook_answer(struct hooks_server *srv, struct req *r,
                               struct MHD_Connection *c, json_t **out)
{
  const struct hooks_app *app = authorised(srv, r);
  int type = hooks_webhook_type(r->seg[4]);
  struct hooks_hook_request hr = {.header = mhd_header, .header_data = c};
  struct hooks_push push;
  const char *why = "";
  unsigned code;

  if (app == NULL) {
    *out = json_pack("{s:s}", "error", "unauthorized");
    return MHD_HTTP_UNAUTHORIZED;
  }
  if (type < 0) {
    *out = json_pack("{s:s}", "error",
                     "unknown webhook type (github, gitlab, gitea, "
                     "bitbucket, generic)");
    return MHD_HTTP_NOT_FOUND;
  }
  hr.type = (enum hooks_hook_type)type;
  hr.body = r->body ? r->body : "";
  hr.body_len = r->len;
  hr.secret = app->secret;
  hr.tracked_ref = app->ref;
  switch (hooks_webhook_parse(&push, &hr, &why)) {
  case HOOKS_VERDICT_BUILD:
    code = build_answer(srv, app, &push, r->seg[4], out);
    break;
  case HOOKS_VERDICT_SKIP:
  case HOOKS_VERDICT_PING:
    *out = json_pack("{s:s}", "status", why);
    code = MHD_HTTP_OK;
    break;
  case HOOKS_VERDICT_BAD_AUTH:
    *out = json_pack("{s:s}", "error", "unauthorized");
    code = MHD_HTTP_UNAUTHORIZED;
    break;
  default: *out = json_pack("{s:s}", "error", why); code = MHD_HTTP_BAD_REQUEST;
  }
  hooks_push_clear(&push);
  return code;
}

static enum MHD_Result webhook(struct hooks_server *srv, struct req *r,
                               struct MHD_Connection *c)
{
  json_t *body = NULL;
  unsigned code;

  if (r->too_big) {
    code = MHD_HTTP_CONTENT_TOO_LARGE;
    body = json_pack("{s:s}", "error", "body over 1 MiB");
  } else {
    code = webhook_answer(srv, r, c, &body);
  }
  count_answer(srv, code);
  return respond_json(c, code, body);
}

/* Collect a POST body, up to HOOKS_BODY_MAX. */
static void take_body(struct req *r, const char *data, size_t n)
{
  if (r->too_big || r->len + n > HOOKS_BODY_MAX) {
    r->too_big = 1;
    return;
  }
  if (r->len + n + 1 > r->cap) {
    r->cap = (r->len + n + 1) * 2;
    r->body = xrealloc(r->body, r->cap);
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  r->body[r->len] = '\0';
}

static enum MHD_Result get_builds(struct hooks_server *srv, struct req *r,
                                  struct MHD_Connection *c)
{
  cleanup_error struct s2i_error *err = NULL;
  json_t *list = NULL;
  int rc;

  if (hooks_config_app(srv->cfg, r->seg[1]) == NULL)
    return respond_error(c, MHD_HTTP_NOT_FOUND, "no such app");
  pthread_mutex_lock(&srv->lock);
  rc = hooks_state_list(srv->st, r->seg[1], 100, &list, &err);
  pthread_mutex_unlock(&srv->lock);
  if (rc < 0)
    return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err->msg);
  return respond_json(c, MHD_HTTP_OK, list);
}

struct log_stream {
  struct hooks_server *srv;
  int fd;
  int64_t id;
};

static ssize_t log_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct log_stream *ls = cls;
  ssize_t n = pread(ls->fd, buf, max, (off_t)pos);
  int running;

  if (n != 0)
    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
  pthread_mutex_lock(&ls->srv->lock);
  running = hooks_sched_is_running(ls->srv, ls->id) && !ls->srv->stopping;
  pthread_mutex_unlock(&ls->srv->lock);
  if (!running) {
    n = pread(ls->fd, buf, max, (off_t)pos);
    return n > 0 ? n : MHD_CONTENT_READER_END_OF_STREAM;
  }
  usleep(100 * 1000); /* one thread per connection: waiting is allowed */
  return 0;
}

static void log_free(void *cls)
{
  struct log_stream *ls = cls;

  close(ls->fd);
  free(ls);
}

/* The build's log as text, followed live while the build runs. */
static enum MHD_Result get_log(struct hooks_server *srv, struct req *r,
                               struct MHD_Connection *c)
{
  struct hooks_build b = {0};
  char *end = NULL;
  long long id = strtoll(r->seg[3], &end, 10);
  cleanup_free char *path = NULL;
  struct log_stream *ls;
  struct MHD_Response *resp;
  enum MHD_Result rc;
  int found;

  pthread_mutex_lock(&srv->lock);
  found = *end == '\0' && id > 0 &&
          hooks_state_get(srv->st, r->seg[1], id, &b, NULL) > 0;
  pthread_mutex_unlock(&srv->lock);
  hooks_build_clear(&b);
  if (!found)
    return respond_error(c, MHD_HTTP_NOT_FOUND, "no such build");
  path = hooks_state_log_path(srv->st, id);
  ls = xcalloc(1, sizeof(*ls));
  ls->srv = srv;
  ls->id = id;
  ls->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (ls->fd < 0) /* queued: no log yet */
    ls->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, log_read,
                                           ls, log_free);
  MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0U);
  rc = MHD_queue_response(c, MHD_HTTP_OK, resp);
  MHD_destroy_response(resp);
  return rc;
}

static enum MHD_Result get_page(struct hooks_server *srv, struct req *r,
                                struct MHD_Connection *c)
{
  char *body;

  switch (r->route) {
  case R_HEALTH: return respond(c, MHD_HTTP_OK, "text/plain", xstrdup("ok\n"));
  case R_BUILDS: return get_builds(srv, r, c);
  case R_LOG: return get_log(srv, r, c);
  case R_METRICS:
    pthread_mutex_lock(&srv->lock);
    body = hooks_status_metrics(srv);
    pthread_mutex_unlock(&srv->lock);
    return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", body);
  default:
    pthread_mutex_lock(&srv->lock);
    body = hooks_status_html(srv);
    pthread_mutex_unlock(&srv->lock);
    return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", body);
  }
}

/* The first call of a request: route it, and answer at once what needs no
 * body (405, 404, 413 by Content-Length, 429). */
static enum MHD_Result first_call(struct hooks_server *srv,
                                  struct MHD_Connection *c, const char *url,
                                  const char *method, void **con_cls)
{
  struct req *r = xcalloc(1, sizeof(*r));
  const char *cl;
  int post = strcmp(method, "POST") == 0;
  int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

  *con_cls = r;
  split(r, url);
  r->route = route_of(r);
  if (!rate_ok(srv, c)) {
    count_answer(srv, MHD_HTTP_TOO_MANY_REQUESTS);
    return respond_error(c, MHD_HTTP_TOO_MANY_REQUESTS,
                         "too many requests from this address");
  }
  if (r->route == R_NOT_FOUND)
    return respond_error(c, MHD_HTTP_NOT_FOUND, "not found");
  if (r->route == R_WEBHOOK && !post) {
    count_answer(srv, MHD_HTTP_METHOD_NOT_ALLOWED);
    return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST");
  }
  if (r->route != R_WEBHOOK && !get)
    return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
  cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
  if (r->route == R_WEBHOOK && cl && strtoull(cl, NULL, 10) > HOOKS_BODY_MAX) {
    r->too_big = 1;
    return webhook(srv, r, c);
  }
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
  struct hooks_server *srv = cls;
  struct req *r = *con_cls;

  (void)version;
  if (r == NULL)
    return first_call(srv, c, url, method, con_cls);
  if (*data_size > 0) {
    take_body(r, data, *data_size);
    *data_size = 0;
    return MHD_YES;
  }
  if (r->route == R_WEBHOOK)
    return webhook(srv, r, c);
  return get_page(srv, r, c);
}

int hooks_http_start(struct hooks_server *srv, struct s2i_error **err)
{
  unsigned per_ip = (unsigned)srv->cfg->max_conns / 2;

  srv->mhd = MHD_start_daemon(
      MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
          MHD_USE_ERROR_LOG,
      0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->cfg->max_conns,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip < 2 ? 2U : per_ip,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->cfg->conn_timeout,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
  if (srv->mhd == NULL)
    return s2i_error_make(err, 0, "libmicrohttpd did not start on port %d",
                          srv->port);
  return 0;
}

void hooks_http_stop(struct hooks_server *srv)
{
  if (srv->mhd) {
    MHD_stop_daemon(srv->mhd);
    srv->mhd = NULL;
  }
}
