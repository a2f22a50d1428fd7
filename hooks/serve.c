/* `s2i serve`: config, state, the listening socket, the HTTP threads and
 * the scheduler loop on the main thread.  Signals arrive through a
 * signalfd (blocked in every thread), so no handler races the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deploy.h"
#include "fs.h"
#include "log.h"
#include "serve.h"
#include "server.h"
#include "xalloc.h"

/* "ADDR:PORT" or "[V6]:PORT" into a sockaddr. */
static int parse_listen(struct sockaddr_storage *ss, socklen_t *len,
                        const char *spec, struct s2i_error **err)
{
  cleanup_free char *host = NULL;
  const char *colon = strrchr(spec, ':');
  char *end = NULL;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof(*ss));
  if (colon == NULL || end == colon + 1 || *end || port < 0 || port > 65535)
    return s2i_error_make(err, 0, "listen address '%s': want ADDR:PORT", spec);
  host = xstrndup(spec, (size_t)(colon - spec));
  if (host[0] == '[' && host[strlen(host) - 1] == ']') {
    host[strlen(host) - 1] = '\0';
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    *len = sizeof(*s6);
    if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1)
      return 0;
  } else {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof(*s4);
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
      return 0;
  }
  return s2i_error_make(err, 0,
                        "listen address '%s': '%s' is not an IP "
                        "address",
                        spec, host);
}

static int open_listener(struct hooks_server *srv, const char *spec,
                         struct s2i_error **err)
{
  struct sockaddr_storage ss;
  socklen_t len;
  int one = 1;

  if (parse_listen(&ss, &len, spec, err) < 0)
    return -1;
  srv->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (srv->listen_fd < 0)
    return s2i_error_make(err, errno, "socket for %s", spec);
  setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(srv->listen_fd, (struct sockaddr *)&ss, len) < 0 ||
      listen(srv->listen_fd, 128) < 0)
    return s2i_error_make(err, errno, "listen on %s", spec);
  len = sizeof(ss);
  getsockname(srv->listen_fd, (struct sockaddr *)&ss, &len);
  srv->port =
      ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
  return 0;
}

static int block_signals(sigset_t *set)
{
  sigemptyset(set);
  sigaddset(set, SIGTERM);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGHUP);
  sigaddset(set, SIGCHLD);
  signal(SIGPIPE, SIG_IGN);
  if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0)
    return -1;
  return signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Wait for a wake byte, a signal or the tick; 1 when told to stop. */
static int wait_event(struct hooks_server *srv, int sfd)
{
  struct pollfd p[2] = {{.fd = srv->wake_fd[0], .events = POLLIN},
                        {.fd = sfd, .events = POLLIN}};
  struct signalfd_siginfo si;
  char buf[256];
  int stop = 0;

  if (poll(p, 2, 500) < 0 && errno != EINTR)
    return 1;
  while (read(srv->wake_fd[0], buf, sizeof(buf)) > 0)
    ;
  while (read(sfd, &si, sizeof(si)) == sizeof(si))
    if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
        si.ssi_signo == SIGHUP) {
      s2i_log_info(srv->ctx, "s2i serve: signal %u: stopping", si.ssi_signo);
      stop = 1;
    }
  return stop;
}

static int open_state(struct hooks_server *srv, struct s2i_error **err)
{
  int n;

  if (s2i_fs_mkdir_p(srv->cfg->state_dir, 0700, err) < 0 ||
      hooks_state_open(&srv->st, srv->cfg->state_dir, err) < 0)
    return -1;
  if ((n = hooks_state_recover(srv->st, err)) < 0)
    return -1;
  if (n > 0)
    s2i_log_warn(srv->ctx,
                 "%d build(s) were running when s2i serve stopped; "
                 "queued again",
                 n);
  return 0;
}

/* Deployed apps serve again if a reboot or a kill stopped them. */
static void restore_deploys(struct hooks_server *srv)
{
  for (size_t i = 0; i < srv->cfg->n_apps; i++) {
    const struct hooks_app *a = &srv->cfg->apps[i];
    cleanup_free char *dir =
        xasprintf("%s/apps/%s", srv->cfg->state_dir, a->name);
    cleanup_error struct s2i_error *err = NULL;
    struct hooks_deployed d;

    if (hooks_state_get_deployed(srv->st, a->name, &d, &err) > 0 &&
        hooks_deploy_restore(srv->ctx, a, dir, &d, &err) < 0)
      s2i_log_warn(srv->ctx, "%s", err->msg);
    else if (err)
      s2i_log_warn(srv->ctx, "%s", err->msg);
    hooks_deployed_clear(&d);
  }
}

static int setup(struct hooks_server *srv, const struct hooks_serve_opts *o,
                 struct s2i_error **err)
{
  srv->rt = xcalloc(srv->cfg->n_apps, sizeof(*srv->rt));
  for (size_t i = 0; i < srv->cfg->n_apps; i++)
    srv->rt[i].app = &srv->cfg->apps[i];
  if (pipe2(srv->wake_fd, O_CLOEXEC | O_NONBLOCK) < 0)
    return s2i_error_make(err, errno, "pipe");
  if (open_state(srv, err) < 0 ||
      open_listener(srv, o->listen ? o->listen : srv->cfg->listen, err) < 0)
    return -1;
  return 0;
}

static void teardown(struct hooks_server *srv)
{
  hooks_state_free(srv->st);
  free(srv->rt);
  if (srv->wake_fd[0] > 0) {
    close(srv->wake_fd[0]);
    close(srv->wake_fd[1]);
  }
  if (srv->listen_fd > 0)
    close(srv->listen_fd);
  pthread_mutex_destroy(&srv->lock);
}

static int serve(struct hooks_server *srv, const struct hooks_serve_opts *o,
                 struct s2i_error **err)
{
  sigset_t set;
  cleanup_close int sfd = -1;

  if (setup(srv, o, err) < 0)
    return -1;
  /* Before the signals are blocked: podman and nginx inherit our mask. */
  restore_deploys(srv);
  if ((sfd = block_signals(&set)) < 0)
    return s2i_error_make(err, errno, "signalfd");
  if (hooks_http_start(srv, err) < 0)
    return -1;
  s2i_log_info(srv->ctx,
               "s2i serve: %zu app(s), state in %s, listening on "
               "%s, port %d",
               srv->cfg->n_apps, srv->cfg->state_dir,
               o->listen ? o->listen : srv->cfg->listen, srv->port);
  hooks_sched_tick(srv);
  while (!wait_event(srv, sfd))
    hooks_sched_tick(srv);
  pthread_mutex_lock(&srv->lock);
  srv->stopping = 1;
  pthread_mutex_unlock(&srv->lock);
  hooks_http_stop(srv);
  hooks_sched_shutdown(srv);
  s2i_log_info(srv->ctx, "s2i serve: stopped");
  return 0;
}

int hooks_serve_run(const struct s2i_ctx *ctx, const struct hooks_serve_opts *o,
                    struct s2i_error **err)
{
  cleanup_hooks_config struct hooks_config *cfg = NULL;
  struct hooks_server srv = {.ctx = ctx, .listen_fd = -1};
  int rc;

  if (hooks_config_load(ctx, &cfg, o->config, err) < 0)
    return -1;
  srv.cfg = cfg;
  pthread_mutex_init(&srv.lock, NULL);
  rc = serve(&srv, o, err);
  teardown(&srv);
  return rc;
}
