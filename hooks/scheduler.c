/* The build queue: one build at a time per app, cfg->max_builds overall;
 * a push while a build is queued retargets that build (coalescing).  The
 * queue lives in SQLite, so it survives a restart. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "job.h"
#include "log.h"
#include "server.h"
#include "xalloc.h"

#define SHUTDOWN_GRACE_MS (120 * 1000)
#define KEEP_BUILD_DIRS 5 /* per app: image tarballs of older builds go */

void hooks_sched_wake(struct hooks_server *srv)
{
  char c = 1;

  if (write(srv->wake_fd[1], &c, 1) < 0 && errno != EAGAIN)
    s2i_log_warn(srv->ctx, "wake the scheduler: %s", strerror(errno));
}

static char *env_json(const struct hooks_app *app, const struct hooks_push *p)
{
  cleanup_json json_t *a = NULL;

  if (!app->allow_generic_env || p->env.n == 0)
    return NULL;
  a = json_array();
  for (size_t i = 0; i < p->env.n; i++)
    json_array_append_new(a, json_string(p->env.v[i]));
  return json_dumps(a, JSON_COMPACT);
}

int hooks_sched_enqueue(struct hooks_server *srv, const struct hooks_app *app,
                        const struct hooks_push *push, const char *trigger,
                        struct hooks_enqueued *out, struct s2i_error **err)
{
  cleanup_free char *env = env_json(app, push);
  struct hooks_build b = {0};
  int rc;

  memset(out, 0, sizeof(*out));
  if (push->delivery &&
      (rc = hooks_state_delivery(srv->st, app->name, push->delivery, &out->id,
                                 err)) != 0) {
    out->redelivery = rc > 0;
    return rc < 0 ? -1 : 0;
  }
  if ((rc = hooks_state_next_queued(srv->st, app->name, &b, err)) < 0)
    return -1;
  if (rc > 0) {
    out->id = b.id;
    out->coalesced = 1;
    rc = hooks_state_retarget(srv->st, b.id, push->commit, trigger, env, err);
  } else {
    struct hooks_build nb = {.app = app->name,
                             .trigger = (char *)trigger,
                             .commit = push->commit,
                             .env = env};
    rc = hooks_state_add_build(srv->st, &out->id, &nb, err);
  }
  hooks_build_clear(&b);
  if (rc == 0 && push->delivery)
    rc = hooks_state_add_delivery(srv->st, app->name, push->delivery, out->id,
                                  err);
  hooks_sched_wake(srv);
  return rc;
}

int hooks_sched_is_running(struct hooks_server *srv, int64_t id)
{
  for (size_t i = 0; i < srv->cfg->n_apps; i++)
    if (srv->rt[i].pid && srv->rt[i].running_id == id)
      return 1;
  return 0;
}

static void observe_duration(struct hooks_server *srv, double s)
{
  size_t i = 0;

  while (i < HOOKS_HIST_N && s > hooks_hist_bounds[i])
    i++;
  srv->hist[i]++;
  srv->dur_sum += s;
  srv->dur_count++;
}

static void record(struct hooks_server *srv, struct hooks_app_rt *rt, json_t *r)
{
  cleanup_error struct s2i_error *err = NULL;
  json_t *d = json_object_get(r, "deployed");
  const char *status = json_string_value(json_object_get(r, "status"));

  if (hooks_state_finish(srv->st, rt->running_id, status,
                         json_string_value(json_object_get(r, "digest")),
                         json_string_value(json_object_get(r, "reason")),
                         &err) < 0)
    s2i_log_warn(srv->ctx, "%s", err->msg);
  if (json_is_object(d)) {
    struct hooks_deployed dep = {
        .commit = (char *)json_string_value(json_object_get(d, "commit")),
        .image = (char *)json_string_value(json_object_get(d, "image")),
        .container = (char *)json_string_value(json_object_get(d, "container")),
        .port = (int)json_integer_value(json_object_get(d, "port")),
        .build_id = rt->running_id,
        .at = hooks_now_ms(),
    };
    if (hooks_state_set_deployed(srv->st, rt->app->name, &dep, &err) < 0)
      s2i_log_warn(srv->ctx, "%s", err->msg);
  }
  s2i_log_info(srv->ctx, "build %lld of %s: %s%s%s", (long long)rt->running_id,
               rt->app->name, status, json_object_get(r, "reason") ? ": " : "",
               json_object_get(r, "reason")
                   ? json_string_value(json_object_get(r, "reason"))
                   : "");
}

/* Build dirs (image tarballs) beyond the app's newest KEEP_BUILD_DIRS
 * are removed; logs and records stay. */
static void prune(struct hooks_server *srv, const struct hooks_app *app)
{
  cleanup_json json_t *list = NULL;

  if (hooks_state_list(srv->st, app->name, KEEP_BUILD_DIRS + 20, &list, NULL) <
      0)
    return;
  for (size_t i = KEEP_BUILD_DIRS; i < json_array_size(list); i++) {
    json_int_t id =
        json_integer_value(json_object_get(json_array_get(list, i), "id"));
    cleanup_free char *dir = hooks_state_build_dir(srv->st, id);
    cleanup_error struct s2i_error *err = NULL;

    if (s2i_fs_exists(dir))
      s2i_fs_rm_rf(dir, &err);
  }
}

static void finished(struct hooks_server *srv, struct hooks_app_rt *rt,
                     int wait_status)
{
  cleanup_free char *dir = hooks_state_build_dir(srv->st, rt->running_id);
  cleanup_json json_t *r = hooks_job_result(dir, wait_status);

  if (rt->timed_out) {
    cleanup_free char *why =
        xasprintf("the build timed out after %d s", rt->app->build_timeout);
    json_object_set_new(r, "status", json_string("failed"));
    json_object_set_new(r, "reason", json_string(why));
  }
  record(srv, rt, r);
  observe_duration(srv, (s2i_ctx_now_ms() - rt->started_ms) / 1e3);
  if (rt->app->deploy.type == HOOKS_DEPLOY_PODMAN) {
    cleanup_free char *tar = s2i_fs_join(dir, "image.tar");
    unlink(tar); /* loaded into podman's storage */
  }
  prune(srv, rt->app);
  rt->pid = 0;
  rt->running_id = 0;
  rt->timed_out = 0;
  srv->running--;
}

/* A build past its app's build_timeout gets SIGTERM (it cancels and
 * cleans up), and SIGKILL a minute later. */
static void enforce_timeouts(struct hooks_server *srv)
{
  int64_t now = s2i_ctx_now_ms();

  for (size_t i = 0; i < srv->cfg->n_apps; i++) {
    struct hooks_app_rt *rt = &srv->rt[i];
    int64_t limit = (int64_t)rt->app->build_timeout * 1000;

    if (rt->pid == 0 || now - rt->started_ms < limit)
      continue;
    if (!rt->timed_out) {
      s2i_log_warn(srv->ctx, "build %lld of %s timed out after %d s",
                   (long long)rt->running_id, rt->app->name,
                   rt->app->build_timeout);
      kill(rt->pid, SIGTERM);
      rt->timed_out = 1;
    } else if (now - rt->started_ms > limit + 60000) {
      kill(rt->pid, SIGKILL);
    }
  }
}

static void reap(struct hooks_server *srv)
{
  for (size_t i = 0; i < srv->cfg->n_apps; i++) {
    struct hooks_app_rt *rt = &srv->rt[i];
    int status;

    if (rt->pid && waitpid(rt->pid, &status, WNOHANG) == rt->pid)
      finished(srv, rt, status);
  }
}

static int start(struct hooks_server *srv, struct hooks_app_rt *rt,
                 struct hooks_build *b, struct s2i_error **err)
{
  cleanup_free char *log = hooks_state_log_path(srv->st, b->id);
  cleanup_free char *dir = hooks_state_build_dir(srv->st, b->id);
  struct hooks_deployed old = {0};
  struct hooks_job job = {.app = rt->app,
                          .build = b,
                          .old = &old,
                          .state_dir = srv->cfg->state_dir,
                          .log_path = log,
                          .build_dir = dir};
  pid_t pid;

  if (hooks_state_get_deployed(srv->st, rt->app->name, &old, err) < 0 ||
      hooks_state_start(srv->st, b->id, err) < 0)
    return -1;
  pid = hooks_job_spawn(&job, err);
  hooks_deployed_clear(&old);
  if (pid < 0)
    return -1;
  rt->pid = pid;
  rt->running_id = b->id;
  rt->started_ms = s2i_ctx_now_ms();
  srv->running++;
  s2i_log_info(srv->ctx, "build %lld of %s started (pid %d)", (long long)b->id,
               rt->app->name, (int)pid);
  return 0;
}

static void start_queued(struct hooks_server *srv)
{
  for (size_t i = 0; i < srv->cfg->n_apps; i++) {
    struct hooks_app_rt *rt = &srv->rt[i];
    cleanup_error struct s2i_error *err = NULL;
    struct hooks_build b = {0};

    if (srv->running >= srv->cfg->max_builds)
      return;
    if (rt->pid ||
        hooks_state_next_queued(srv->st, rt->app->name, &b, &err) <= 0) {
      if (err)
        s2i_log_warn(srv->ctx, "%s", err->msg);
      continue;
    }
    if (start(srv, rt, &b, &err) < 0) {
      s2i_log_warn(srv->ctx, "%s", err->msg);
      hooks_state_finish(srv->st, b.id, "failed", NULL, err->msg, NULL);
    }
    hooks_build_clear(&b);
  }
}

void hooks_sched_tick(struct hooks_server *srv)
{
  pthread_mutex_lock(&srv->lock);
  reap(srv);
  enforce_timeouts(srv);
  if (!srv->stopping)
    start_queued(srv);
  pthread_mutex_unlock(&srv->lock);
}

void hooks_sched_shutdown(struct hooks_server *srv)
{
  int64_t end = s2i_ctx_now_ms() + SHUTDOWN_GRACE_MS;

  pthread_mutex_lock(&srv->lock);
  srv->stopping = 1;
  for (size_t i = 0; i < srv->cfg->n_apps; i++)
    if (srv->rt[i].pid) {
      s2i_log_info(srv->ctx, "cancelling build %lld of %s",
                   (long long)srv->rt[i].running_id, srv->rt[i].app->name);
      kill(srv->rt[i].pid, SIGTERM);
    }
  while (srv->running > 0) {
    reap(srv);
    if (srv->running == 0)
      break;
    if (s2i_ctx_now_ms() > end)
      for (size_t i = 0; i < srv->cfg->n_apps; i++)
        if (srv->rt[i].pid)
          kill(srv->rt[i].pid, SIGKILL);
    pthread_mutex_unlock(&srv->lock);
    usleep(100 * 1000);
    pthread_mutex_lock(&srv->lock);
  }
  pthread_mutex_unlock(&srv->lock);
}
