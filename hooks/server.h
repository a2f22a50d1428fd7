/* The running `s2i serve`: one struct shared by the HTTP threads
 * (server.c), the scheduler (scheduler.c) and the pages (status.c).  All
 * fields below `lock` are read and written with it held. */
#ifndef HOOKS_SERVER_H
#define HOOKS_SERVER_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "ctx.h"
#include "state.h"
#include "webhook.h"

#define HOOKS_RATE_SLOTS 256
#define HOOKS_HIST_N 9 /* build duration buckets, seconds */

struct hooks_app_rt {
  const struct hooks_app *app;
  pid_t pid;          /* the running build's child, 0: none */
  int64_t running_id; /* its build id */
  int64_t started_ms; /* CLOCK_MONOTONIC */
  int timed_out;      /* SIGTERM sent at app->build_timeout */
};

struct hooks_rate_slot {
  char addr[48];
  double tokens;
  int64_t last_ms;
};

struct hooks_server {
  const struct s2i_ctx *ctx;
  const struct hooks_config *cfg;
  int wake_fd[2]; /* a byte written wakes the scheduler */
  int listen_fd;
  int port;
  struct MHD_Daemon *mhd;
  volatile sig_atomic_t stopping; /* set by SIGTERM: no new builds */

  pthread_mutex_t lock;
  struct hooks_state *st;
  struct hooks_app_rt *rt; /* one per cfg->apps[i] */
  int running;             /* builds running, all apps */
  uint64_t answers[600];   /* webhook answers by HTTP status */
  uint64_t hist[HOOKS_HIST_N + 1];
  double dur_sum;
  uint64_t dur_count;
  struct hooks_rate_slot rate[HOOKS_RATE_SLOTS];
};

extern const double hooks_hist_bounds[HOOKS_HIST_N];

/* server.c: start libmicrohttpd on srv->listen_fd; stop it. */
int hooks_http_start(struct hooks_server *srv, struct s2i_error **err);
void hooks_http_stop(struct hooks_server *srv);

/* scheduler.c, with the lock held. */
struct hooks_enqueued {
  int64_t id;
  int redelivery; /* the delivery was seen: id is the first answer's */
  int coalesced;  /* joined a build already queued */
};
int hooks_sched_enqueue(struct hooks_server *srv, const struct hooks_app *app,
                        const struct hooks_push *push, const char *trigger,
                        struct hooks_enqueued *out, struct s2i_error **err);
/* Reap finished children, start queued builds; called by the loop. */
void hooks_sched_tick(struct hooks_server *srv);
/* 1 while build id runs. */
int hooks_sched_is_running(struct hooks_server *srv, int64_t id);
void hooks_sched_wake(struct hooks_server *srv);
/* SIGTERM to every running build, wait (bounded), record them cancelled. */
void hooks_sched_shutdown(struct hooks_server *srv);

/* status.c, with the lock held: the pages' bodies (owned). */
char *hooks_status_html(struct hooks_server *srv);
char *hooks_status_metrics(struct hooks_server *srv);

#endif
