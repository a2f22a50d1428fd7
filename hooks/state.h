/* The state of `s2i serve` in SQLite (WAL, synchronous=FULL) under the
 * state dir: build history and queue, webhook deliveries, deploy state.
 * A kill -9 loses no finished build's record (each change is one
 * committed transaction), and queued builds are still queued at the next
 * start.  Not thread-safe by itself: the server serialises calls. */
#ifndef HOOKS_STATE_H
#define HOOKS_STATE_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"

struct hooks_state;

/* One build row; strings owned (hooks_build_clear). */
struct hooks_build {
  int64_t id;
  char *app;
  char *status;  /* queued|running|succeeded|failed|cancelled */
  char *trigger; /* "github push", "generic", "restart" ... */
  char *commit;  /* NULL: the tracked branch's head */
  char *env;     /* JSON array of NAME=VALUE from a generic hook, or NULL */
  int64_t queued_at, started_at, finished_at; /* ms since the epoch, 0 */
  char *digest; /* image manifest digest once built */
  char *reason; /* why it failed */
};
void hooks_build_clear(struct hooks_build *b);

/* What runs for an app now (the podman target). */
struct hooks_deployed {
  char *commit;
  char *image;     /* image id */
  char *container; /* container name */
  int port;        /* its loopback port */
  int64_t build_id;
  int64_t at; /* ms since the epoch */
};
void hooks_deployed_clear(struct hooks_deployed *d);

int hooks_state_open(struct hooks_state **out, const char *dir,
                     struct s2i_error **err);
void hooks_state_free(struct hooks_state *st);

/* Builds left "running" by a serve that died: marked failed with reason,
 * and a new queued build of the same commit added for each.  Returns the
 * number requeued. */
int hooks_state_recover(struct hooks_state *st, struct s2i_error **err);

int hooks_state_add_build(struct hooks_state *st, int64_t *id,
                          const struct hooks_build *b, struct s2i_error **err);
/* The queued build of app (the oldest), 0 when none: *b filled. */
int hooks_state_next_queued(struct hooks_state *st, const char *app,
                            struct hooks_build *b, struct s2i_error **err);
/* A queued build takes a newer push's commit (coalescing). */
int hooks_state_retarget(struct hooks_state *st, int64_t id, const char *commit,
                         const char *trigger, const char *env,
                         struct s2i_error **err);
int hooks_state_start(struct hooks_state *st, int64_t id,
                      struct s2i_error **err);
int hooks_state_finish(struct hooks_state *st, int64_t id, const char *status,
                       const char *digest, const char *reason,
                       struct s2i_error **err);
/* 1 and *b when build id of app exists, 0 when not. */
int hooks_state_get(struct hooks_state *st, const char *app, int64_t id,
                    struct hooks_build *b, struct s2i_error **err);

/* Deliveries: the build id a delivery id was answered with. */
int hooks_state_delivery(struct hooks_state *st, const char *app,
                         const char *delivery, int64_t *build_id,
                         struct s2i_error **err);
int hooks_state_add_delivery(struct hooks_state *st, const char *app,
                             const char *delivery, int64_t build_id,
                             struct s2i_error **err);

/* The last `limit` builds of app, newest first, as JSON objects. */
int hooks_state_list(struct hooks_state *st, const char *app, int limit,
                     json_t **out, struct s2i_error **err);
/* Count of builds by status for app (NULL: all). */
int hooks_state_count(struct hooks_state *st, const char *app,
                      const char *status, int64_t *n, struct s2i_error **err);

int hooks_state_set_deployed(struct hooks_state *st, const char *app,
                             const struct hooks_deployed *d,
                             struct s2i_error **err);
/* 1 and *d when app has a deploy, 0 when not. */
int hooks_state_get_deployed(struct hooks_state *st, const char *app,
                             struct hooks_deployed *d, struct s2i_error **err);

/* <dir>/logs/<id>.log, <dir>/builds/<id> */
char *hooks_state_log_path(const struct hooks_state *st, int64_t id);
char *hooks_state_build_dir(const struct hooks_state *st, int64_t id);
const char *hooks_state_dir(const struct hooks_state *st);

int64_t hooks_now_ms(void);

#endif
