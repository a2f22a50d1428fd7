/* A build in a child process: fork, then libs2i's s2i_build and the
 * deploy, logging into the build's file.  The child dies with serve
 * (PR_SET_PDEATHSIG: SIGTERM, which cancels the build cleanly). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "deploy.h"
#include "fs.h"
#include "job.h"
#include "log.h"
#include "xalloc.h"

static volatile sig_atomic_t job_interrupted;

static void on_term(int sig)
{
  job_interrupted = sig;
}

/* The manifest digest in the image tarball's index.json. */
static char *image_digest(const char *tarball)
{
  struct archive *a = archive_read_new();
  struct archive_entry *e;
  char *digest = NULL;

  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, tarball, 65536) != ARCHIVE_OK) {
    archive_read_free(a);
    return NULL;
  }
  while (digest == NULL && archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char buf[65536];
    la_ssize_t n;
    cleanup_json json_t *idx = NULL;

    if (strcmp(archive_entry_pathname(e), "index.json") != 0)
      continue;
    n = archive_read_data(a, buf, sizeof(buf) - 1);
    if (n <= 0)
      break;
    idx = json_loadb(buf, (size_t)n, 0, NULL);
    json_t *d = json_object_get(
        json_array_get(json_object_get(idx, "manifests"), 0), "digest");
    if (json_is_string(d))
      digest = xstrdup(json_string_value(d));
  }
  archive_read_free(a);
  return digest;
}

static void build_opts(struct s2i_build_opts *o, const struct hooks_job *j,
                       const char *output)
{
  cleanup_json json_t *env = NULL;
  size_t i;

  memset(o, 0, sizeof(*o));
  o->ro = (struct s2i_registry_opts)S2I_REGISTRY_OPTS_INIT;
  if (j->app->deploy.type == HOOKS_DEPLOY_REGISTRY) {
    o->push = 1;
    o->push_dest = j->app->deploy.push_dest;
    o->ro.tls_verify = j->app->deploy.tls_verify;
    o->ro.authfile = j->app->deploy.authfile;
  }
  o->source = j->app->source;
  o->builder = j->app->builder;
  o->tag = j->app->tag;
  o->output = output;
  o->ref = j->build->commit ? j->build->commit : j->app->ref;
  o->context_dir = j->app->context_dir;
  for (i = 0; i < j->app->env.n; i++)
    s2i_strv_add(&o->env, j->app->env.v[i]);
  if (j->build->env)
    env = json_loads(j->build->env, 0, NULL);
  for (i = 0; i < json_array_size(env); i++)
    s2i_strv_add(&o->env, json_string_value(json_array_get(env, i)));
}

static int deploy(const struct s2i_ctx *ctx, const struct hooks_job *j,
                  const char *tarball, const char *digest, json_t *result,
                  struct s2i_error **err)
{
  cleanup_free char *app_dir =
      xasprintf("%s/apps/%s", j->state_dir, j->app->name);
  struct hooks_deploy_job dj = {
      .app = j->app,
      .app_dir = app_dir,
      .build_id = j->build->id,
      .commit = j->build->commit,
      .tarball = tarball,
      .digest = digest,
      .old = j->old,
  };
  struct hooks_deployed now = {0};

  if (s2i_fs_mkdir_p(app_dir, 0700, err) < 0)
    return -1;
  if (j->app->deploy.type == HOOKS_DEPLOY_COMMAND) {
    if (hooks_deploy_command(ctx, &dj, err) < 0)
      return -1;
    json_object_set_new(result, "deployed",
                        json_pack("{s:s?, s:s, s:s, s:i}", "commit",
                                  j->build->commit, "image", j->app->tag,
                                  "container", "", "port", 0));
    return 0;
  }
  if (j->app->deploy.type == HOOKS_DEPLOY_REGISTRY) { /* pushed by the build */
    json_object_set_new(
        result, "deployed",
        json_pack("{s:s?, s:s, s:s, s:i}", "commit", j->build->commit, "image",
                  j->app->deploy.push_dest ? j->app->deploy.push_dest
                                           : j->app->tag,
                  "container", "", "port", 0));
    return 0;
  }
  if (j->app->deploy.type != HOOKS_DEPLOY_PODMAN)
    return 0;
  if (hooks_deploy_podman(ctx, &dj, &now, err) < 0)
    return -1;
  json_object_set_new(result, "deployed",
                      json_pack("{s:s?, s:s, s:s, s:i}", "commit", now.commit,
                                "image", now.image, "container", now.container,
                                "port", now.port));
  hooks_deployed_clear(&now);
  return 0;
}

/* Build and deploy; the result object says how it went. */
static json_t *run_job(const struct s2i_ctx *ctx, const struct hooks_job *j)
{
  cleanup_free char *tarball = s2i_fs_join(j->build_dir, "image.tar");
  cleanup_free char *digest = NULL;
  cleanup_error struct s2i_error *err = NULL;
  struct s2i_build_opts o;
  json_t *result = json_object();

  s2i_log_step(ctx, "Build %lld of %s (%s), %s %s", (long long)j->build->id,
               j->app->name, j->build->trigger,
               j->build->commit ? "commit" : "head of",
               j->build->commit ? j->build->commit : j->app->ref);
  build_opts(&o, j, tarball);
  if (s2i_fs_mkdir_p(j->build_dir, 0700, &err) < 0 ||
      s2i_build(ctx, &o, &err) < 0 ||
      ((digest = image_digest(tarball)) == NULL &&
       s2i_error_make(&err, 0, "%s: no index.json digest", tarball) < 0) ||
      deploy(ctx, j, tarball, digest, result, &err) < 0) {
    fprintf(s2i_ctx_log(ctx), "s2i: %s\n", err->msg);
    json_object_set_new(result, "status",
                        json_string(job_interrupted ? "cancelled" : "failed"));
    json_object_set_new(result, "reason", json_string(err->msg));
  } else {
    json_object_set_new(result, "status", json_string("succeeded"));
    s2i_log_step(ctx, "Build %lld succeeded: %s", (long long)j->build->id,
                 digest);
  }
  if (digest)
    json_object_set_new(result, "digest", json_string(digest));
  s2i_strv_free(&o.env);
  return result;
}

static void child_setup(const char *log_path, pid_t parent)
{
  struct sigaction sa = {.sa_handler = on_term};
  int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int null = open("/dev/null", O_RDONLY);
  sigset_t none;

  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent)
    job_interrupted = SIGTERM;
  if (fd < 0 || null < 0)
    _exit(120);
  dup2(null, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  /* The server's sockets (listening, clients) are not the build's. */
  close_range(3, ~0U, 0);
  setvbuf(stdout, NULL, _IOLBF, 0);
}

static void child_main(const struct hooks_job *j, pid_t parent)
{
  struct s2i_ctx ctx;
  cleanup_free char *result_path = s2i_fs_join(j->build_dir, "result.json");
  json_t *result;

  child_setup(j->log_path, parent);
  s2i_ctx_init(&ctx);
  ctx.log = stderr;
  ctx.interrupted = &job_interrupted;
  result = run_job(&ctx, j);
  if (json_dump_file(result, result_path, 0) < 0)
    _exit(121);
  _exit(0);
}

pid_t hooks_job_spawn(const struct hooks_job *job, struct s2i_error **err)
{
  pid_t parent = getpid();
  pid_t pid;

  fflush(NULL);
  pid = fork();
  if (pid < 0)
    return s2i_error_make(err, errno, "fork for build %lld",
                          (long long)job->build->id);
  if (pid == 0)
    child_main(job, parent);
  return pid;
}

json_t *hooks_job_result(const char *build_dir, int wait_status)
{
  cleanup_free char *path = s2i_fs_join(build_dir, "result.json");
  json_t *r = json_load_file(path, 0, NULL);
  char why[128];

  if (r && json_is_string(json_object_get(r, "status")))
    return r;
  json_decref(r);
  if (WIFSIGNALED(wait_status))
    snprintf(why, sizeof(why), "the build process was killed by signal %d",
             WTERMSIG(wait_status));
  else
    snprintf(why, sizeof(why), "the build process exited %d without a result",
             WEXITSTATUS(wait_status));
  return json_pack("{s:s, s:s}", "status", "failed", "reason", why);
}
