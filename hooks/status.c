/* What people and Prometheus read: the HTML status page (GET /) and the
 * metrics (GET /metrics).  Called with the server's lock held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "server.h"
#include "xalloc.h"

#define TAIL_BYTES 3000
#define LAST_BUILDS 10

const double hooks_hist_bounds[HOOKS_HIST_N] = {5,   10,  30,   60,  120,
                                                300, 600, 1200, 1800};

static void esc(FILE *f, const char *s)
{
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

static const char *jstr(json_t *o, const char *key)
{
  const char *s = json_string_value(json_object_get(o, key));

  return s ? s : "";
}

static void short_commit(FILE *f, const char *c)
{
  if (c == NULL || *c == '\0')
    fputs("(branch head)", f);
  else
    fprintf(f, "<code title=\"%.64s\">%.12s</code>", c, c);
}

static void when(FILE *f, int64_t ms)
{
  char buf[32];
  time_t t = (time_t)(ms / 1000);
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  fputs(buf, f);
}

static void log_tail(FILE *f, struct hooks_server *srv, int64_t id)
{
  cleanup_free char *path = hooks_state_log_path(srv->st, id);
  cleanup_free char *text = NULL;
  cleanup_error struct s2i_error *err = NULL;
  size_t len = 0;

  fputs("<pre class=\"log\">", f);
  if (s2i_fs_read_file(&text, &len, path, &err) == 0)
    esc(f, len > TAIL_BYTES ? text + len - TAIL_BYTES : text);
  fputs("</pre>", f);
}

static void deployed(FILE *f, struct hooks_server *srv,
                     const struct hooks_app *a)
{
  struct hooks_deployed d;

  if (a->deploy.type == HOOKS_DEPLOY_PODMAN)
    fprintf(f, "<p>Public: <a href=\"http://%s:%d/\">http://%s:%d/</a></p>",
            a->deploy.public_addr, a->deploy.public_port, a->deploy.public_addr,
            a->deploy.public_port);
  if (hooks_state_get_deployed(srv->st, a->name, &d, NULL) <= 0) {
    fputs("<p class=\"muted\">Not deployed yet.</p>", f);
    return;
  }
  fputs("<p>Deployed: ", f);
  short_commit(f, d.commit);
  fprintf(f, " (build %lld) at ", (long long)d.build_id);
  when(f, d.at);
  if (d.container && *d.container) {
    fputs(" in <code>", f);
    esc(f, d.container);
    fputs("</code>", f);
  }
  fputs("</p>", f);
  hooks_deployed_clear(&d);
}

static void build_row(FILE *f, const struct hooks_app *a, json_t *b)
{
  json_t *dur = json_object_get(b, "duration_s");
  json_int_t id = json_integer_value(json_object_get(b, "id"));

  fprintf(f,
          "<tr><td><a href=\"/apps/%s/builds/%lld/log\">%lld</a></td>"
          "<td class=\"%s\">%s</td><td>",
          a->name, (long long)id, (long long)id, jstr(b, "status"),
          jstr(b, "status"));
  esc(f, jstr(b, "trigger"));
  fputs("</td><td>", f);
  short_commit(f, json_string_value(json_object_get(b, "commit")));
  fprintf(f, "</td><td>%s</td><td>", jstr(b, "queued_at"));
  if (json_is_number(dur))
    fprintf(f, "%.1f s", json_number_value(dur));
  fputs("</td><td>", f);
  esc(f, jstr(b, "reason"));
  fputs("</td></tr>\n", f);
}

static void app_section(FILE *f, struct hooks_server *srv, size_t i)
{
  const struct hooks_app *a = srv->rt[i].app;
  json_t *list = NULL;
  size_t k;

  fputs("<section><h2>", f);
  esc(f, a->name);
  fputs("</h2><p class=\"muted\">", f);
  esc(f, a->source);
  fputs(" &middot; branch ", f);
  esc(f, a->ref);
  fprintf(f, " &middot; <a href=\"/apps/%s/builds\">builds (JSON)</a></p>",
          a->name);
  deployed(f, srv, a);
  if (srv->rt[i].pid) {
    fprintf(f, "<h3>Running: build %lld</h3>",
            (long long)srv->rt[i].running_id);
    log_tail(f, srv, srv->rt[i].running_id);
  }
  fputs("<table><tr><th>Build</th><th>Status</th><th>Trigger</th>"
        "<th>Commit</th><th>Queued</th><th>Duration</th><th>Reason</th>"
        "</tr>\n",
        f);
  if (hooks_state_list(srv->st, a->name, LAST_BUILDS, &list, NULL) < 0)
    list = NULL;
  for (k = 0; k < json_array_size(list); k++)
    build_row(f, a, json_array_get(list, k));
  json_decref(list);
  fputs("</table></section>\n", f);
}

static const char page_head[] =
    "<!doctype html><html><head><meta charset=\"utf-8\">"
    "<meta http-equiv=\"refresh\" content=\"5\">"
    "<title>s2i serve</title><style>"
    "body{font:15px/1.4 sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}td,th{padding:3px 9px;text-align:left;"
    "border-bottom:1px solid #ddd}.muted{color:#777}"
    ".succeeded{color:#17702b}.failed{color:#b00020}.running{color:#0b5cad}"
    ".cancelled,.queued{color:#7a5b00}section{margin-bottom:2em}"
    "pre.log{background:#111;color:#ddd;padding:8px;max-height:20em;"
    "overflow:auto}</style></head><body><h1>s2i serve</h1>\n";

char *hooks_status_html(struct hooks_server *srv)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  fputs(page_head, f);
  fprintf(f,
          "<p class=\"muted\">%d build(s) running; this page refreshes "
          "every 5 s. <a href=\"/metrics\">metrics</a></p>\n",
          srv->running);
  for (size_t i = 0; i < srv->cfg->n_apps; i++)
    app_section(f, srv, i);
  fputs("</body></html>\n", f);
  fclose(f);
  return buf;
}

static void metrics_builds(FILE *f, struct hooks_server *srv)
{
  static const char *const results[] = {"succeeded", "failed", "cancelled"};
  int64_t n = 0;

  fputs("# HELP s2i_serve_builds_total Builds finished, by result.\n"
        "# TYPE s2i_serve_builds_total counter\n",
        f);
  for (size_t i = 0; i < 3; i++) {
    n = 0;
    hooks_state_count(srv->st, NULL, results[i], &n, NULL);
    fprintf(f, "s2i_serve_builds_total{result=\"%s\"} %lld\n", results[i],
            (long long)n);
  }
  n = 0;
  hooks_state_count(srv->st, NULL, "queued", &n, NULL);
  fprintf(f,
          "# HELP s2i_serve_queue_length Builds waiting to run.\n"
          "# TYPE s2i_serve_queue_length gauge\n"
          "s2i_serve_queue_length %lld\n"
          "# HELP s2i_serve_builds_running Builds running now.\n"
          "# TYPE s2i_serve_builds_running gauge\n"
          "s2i_serve_builds_running %d\n",
          (long long)n, srv->running);
}

static void metrics_hist(FILE *f, struct hooks_server *srv)
{
  uint64_t cum = 0;

  fputs("# HELP s2i_serve_build_duration_seconds Build and deploy time.\n"
        "# TYPE s2i_serve_build_duration_seconds histogram\n",
        f);
  for (size_t i = 0; i < HOOKS_HIST_N; i++) {
    cum += srv->hist[i];
    fprintf(f, "s2i_serve_build_duration_seconds_bucket{le=\"%g\"} %llu\n",
            hooks_hist_bounds[i], (unsigned long long)cum);
  }
  fprintf(f,
          "s2i_serve_build_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
          "s2i_serve_build_duration_seconds_sum %.3f\n"
          "s2i_serve_build_duration_seconds_count %llu\n",
          (unsigned long long)srv->dur_count, srv->dur_sum,
          (unsigned long long)srv->dur_count);
}

char *hooks_status_metrics(struct hooks_server *srv)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  metrics_builds(f, srv);
  metrics_hist(f, srv);
  fputs("# HELP s2i_serve_webhook_answers_total Webhook answers by HTTP "
        "status.\n# TYPE s2i_serve_webhook_answers_total counter\n",
        f);
  for (unsigned c = 100; c < 600; c++)
    if (srv->answers[c])
      fprintf(f, "s2i_serve_webhook_answers_total{code=\"%u\"} %llu\n", c,
              (unsigned long long)srv->answers[c]);
  fclose(f);
  return buf;
}
