/* Serve state in SQLite: one statement per change, each its own
 * transaction, WAL with synchronous=FULL. */
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs.h"
#include "state.h"
#include "xalloc.h"

struct hooks_state {
  sqlite3 *db;
  char *dir;
  char *db_path;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS builds ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, app TEXT NOT NULL,"
    " status TEXT NOT NULL, trigger TEXT NOT NULL, commit_id TEXT,"
    " env TEXT, queued_at INTEGER NOT NULL, started_at INTEGER DEFAULT 0,"
    " finished_at INTEGER DEFAULT 0, digest TEXT, reason TEXT);"
    "CREATE INDEX IF NOT EXISTS builds_app ON builds(app, status);"
    "CREATE TABLE IF NOT EXISTS deliveries (app TEXT NOT NULL,"
    " delivery TEXT NOT NULL, build_id INTEGER NOT NULL,"
    " PRIMARY KEY (app, delivery));"
    "CREATE TABLE IF NOT EXISTS deployed (app TEXT PRIMARY KEY,"
    " commit_id TEXT, image TEXT, container TEXT, port INTEGER,"
    " build_id INTEGER, at INTEGER);";

#define BUILD_COLS                                                             \
  "id, app, status, trigger, commit_id, env, queued_at, started_at, "          \
  "finished_at, digest, reason"

int64_t hooks_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int db_error(struct hooks_state *st, struct s2i_error **err,
                    const char *what)
{
  return s2i_error_make(err, 0, "state %s: %s: %s", st->db_path, what,
                        sqlite3_errmsg(st->db));
}

/* Prepare sql and bind args by fmt: 's' text (NULL allowed), 'i' int64. */
static sqlite3_stmt *prepare(struct hooks_state *st, const char *sql,
                             const char *fmt, va_list ap)
{
  sqlite3_stmt *s = NULL;

  if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
    return NULL;
  for (int i = 0; fmt[i]; i++) {
    if (fmt[i] == 's')
      sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1,
                        SQLITE_TRANSIENT);
    else
      sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
  }
  return s;
}

/* Run a statement that returns no rows. */
static int exec(struct hooks_state *st, struct s2i_error **err, const char *sql,
                const char *fmt, ...)
{
  sqlite3_stmt *s;
  va_list ap;
  int rc;

  va_start(ap, fmt);
  s = prepare(st, sql, fmt, ap);
  va_end(ap);
  if (s == NULL)
    return db_error(st, err, sql);
  rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE)
    return db_error(st, err, sql);
  return 0;
}

/* A query: *out the prepared statement, stepped by the caller. */
static int query(struct hooks_state *st, sqlite3_stmt **out,
                 struct s2i_error **err, const char *sql, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  *out = prepare(st, sql, fmt, ap);
  va_end(ap);
  return *out ? 0 : db_error(st, err, sql);
}

static char *col_str(sqlite3_stmt *s, int i)
{
  const unsigned char *t = sqlite3_column_text(s, i);

  return t ? xstrdup((const char *)t) : NULL;
}

int hooks_state_open(struct hooks_state **out, const char *dir,
                     struct s2i_error **err)
{
  struct hooks_state *st = xcalloc(1, sizeof(*st));
  cleanup_free char *logs = s2i_fs_join(dir, "logs");
  char *msg = NULL;

  st->dir = xstrdup(dir);
  st->db_path = s2i_fs_join(dir, "serve.db");
  if (s2i_fs_mkdir_p(logs, 0700, err) < 0) {
    hooks_state_free(st);
    return -1;
  }
  chmod(dir, 0700);
  if (sqlite3_open(st->db_path, &st->db) != SQLITE_OK ||
      sqlite3_busy_timeout(st->db, 5000) != SQLITE_OK ||
      sqlite3_exec(st->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
    s2i_error_make(err, 0, "state %s: %s", st->db_path,
                   msg ? msg : sqlite3_errmsg(st->db));
    sqlite3_free(msg);
    hooks_state_free(st);
    return -1;
  }
  *out = st;
  return 0;
}

void hooks_state_free(struct hooks_state *st)
{
  if (st == NULL)
    return;
  sqlite3_close(st->db);
  free(st->dir);
  free(st->db_path);
  free(st);
}

void hooks_build_clear(struct hooks_build *b)
{
  free(b->app);
  free(b->status);
  free(b->trigger);
  free(b->commit);
  free(b->env);
  free(b->digest);
  free(b->reason);
  memset(b, 0, sizeof(*b));
}

void hooks_deployed_clear(struct hooks_deployed *d)
{
  free(d->commit);
  free(d->image);
  free(d->container);
  memset(d, 0, sizeof(*d));
}

static void read_build(sqlite3_stmt *s, struct hooks_build *b)
{
  b->id = sqlite3_column_int64(s, 0);
  b->app = col_str(s, 1);
  b->status = col_str(s, 2);
  b->trigger = col_str(s, 3);
  b->commit = col_str(s, 4);
  b->env = col_str(s, 5);
  b->queued_at = sqlite3_column_int64(s, 6);
  b->started_at = sqlite3_column_int64(s, 7);
  b->finished_at = sqlite3_column_int64(s, 8);
  b->digest = col_str(s, 9);
  b->reason = col_str(s, 10);
}

int hooks_state_add_build(struct hooks_state *st, int64_t *id,
                          const struct hooks_build *b, struct s2i_error **err)
{
  if (exec(st, err,
           "INSERT INTO builds (app, status, trigger, commit_id, env, "
           "queued_at) VALUES (?, 'queued', ?, ?, ?, ?)",
           "ssssi", b->app, b->trigger, b->commit, b->env, hooks_now_ms()) < 0)
    return -1;
  *id = sqlite3_last_insert_rowid(st->db);
  return 0;
}

/* Read the one row a query over builds gives: 1 found, 0 none. */
static int one_build(struct hooks_state *st, sqlite3_stmt *s,
                     struct hooks_build *b, struct s2i_error **err)
{
  int rc = sqlite3_step(s);

  memset(b, 0, sizeof(*b));
  if (rc == SQLITE_ROW)
    read_build(s, b);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_error(st, err, "read build");
  return rc == SQLITE_ROW;
}

int hooks_state_next_queued(struct hooks_state *st, const char *app,
                            struct hooks_build *b, struct s2i_error **err)
{
  sqlite3_stmt *s;

  if (query(st, &s, err,
            "SELECT " BUILD_COLS " FROM builds WHERE app = ? AND "
            "status = 'queued' ORDER BY id LIMIT 1",
            "s", app) < 0)
    return -1;
  return one_build(st, s, b, err);
}

int hooks_state_get(struct hooks_state *st, const char *app, int64_t id,
                    struct hooks_build *b, struct s2i_error **err)
{
  sqlite3_stmt *s;

  if (query(st, &s, err,
            "SELECT " BUILD_COLS " FROM builds WHERE app = ? AND id = ?", "si",
            app, id) < 0)
    return -1;
  return one_build(st, s, b, err);
}

int hooks_state_retarget(struct hooks_state *st, int64_t id, const char *commit,
                         const char *trigger, const char *env,
                         struct s2i_error **err)
{
  return exec(st, err,
              "UPDATE builds SET commit_id = ?, trigger = ?, env = ? WHERE "
              "id = ? AND status = 'queued'",
              "sssi", commit, trigger, env, id);
}

int hooks_state_start(struct hooks_state *st, int64_t id,
                      struct s2i_error **err)
{
  return exec(st, err,
              "UPDATE builds SET status = 'running', started_at = ? WHERE "
              "id = ?",
              "ii", hooks_now_ms(), id);
}

int hooks_state_finish(struct hooks_state *st, int64_t id, const char *status,
                       const char *digest, const char *reason,
                       struct s2i_error **err)
{
  return exec(st, err,
              "UPDATE builds SET status = ?, finished_at = ?, digest = ?, "
              "reason = ? WHERE id = ?",
              "sissi", status, hooks_now_ms(), digest, reason, id);
}

int hooks_state_recover(struct hooks_state *st, struct s2i_error **err)
{
  int n = sqlite3_total_changes(st->db);

  if (exec(st, err,
           "INSERT INTO builds (app, status, trigger, commit_id, env, "
           "queued_at) SELECT app, 'queued', 'restart of build ' || id, "
           "commit_id, env, ? FROM builds WHERE status = 'running'",
           "i", hooks_now_ms()) < 0)
    return -1;
  n = sqlite3_total_changes(st->db) - n;
  if (exec(st, err,
           "UPDATE builds SET status = 'failed', finished_at = ?, reason = "
           "'s2i serve stopped during the build; built again' WHERE status "
           "= 'running'",
           "i", hooks_now_ms()) < 0)
    return -1;
  return n;
}

int hooks_state_delivery(struct hooks_state *st, const char *app,
                         const char *delivery, int64_t *build_id,
                         struct s2i_error **err)
{
  sqlite3_stmt *s;
  int rc;

  if (query(st, &s, err,
            "SELECT build_id FROM deliveries WHERE app = ? AND delivery = ?",
            "ss", app, delivery) < 0)
    return -1;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    *build_id = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_error(st, err, "read delivery");
  return rc == SQLITE_ROW;
}

int hooks_state_add_delivery(struct hooks_state *st, const char *app,
                             const char *delivery, int64_t build_id,
                             struct s2i_error **err)
{
  return exec(st, err,
              "INSERT OR IGNORE INTO deliveries (app, delivery, build_id) "
              "VALUES (?, ?, ?)",
              "ssi", app, delivery, build_id);
}

static json_t *time_json(int64_t ms)
{
  char buf[32];
  time_t t = (time_t)(ms / 1000);
  struct tm tm;

  if (ms == 0)
    return json_null();
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_string(buf);
}

static json_t *str_json(const char *s)
{
  return s ? json_string(s) : json_null();
}

static json_t *build_json(const struct hooks_build *b)
{
  json_t *o = json_object();
  int64_t end = b->finished_at ? b->finished_at : hooks_now_ms();

  json_object_set_new(o, "id", json_integer(b->id));
  json_object_set_new(o, "app", json_string(b->app));
  json_object_set_new(o, "status", json_string(b->status));
  json_object_set_new(o, "trigger", json_string(b->trigger));
  json_object_set_new(o, "commit", str_json(b->commit));
  json_object_set_new(o, "queued_at", time_json(b->queued_at));
  json_object_set_new(o, "started_at", time_json(b->started_at));
  json_object_set_new(o, "finished_at", time_json(b->finished_at));
  json_object_set_new(o, "duration_s",
                      b->started_at ? json_real((end - b->started_at) / 1e3)
                                    : json_null());
  json_object_set_new(o, "digest", str_json(b->digest));
  json_object_set_new(o, "reason", str_json(b->reason));
  return o;
}

int hooks_state_list(struct hooks_state *st, const char *app, int limit,
                     json_t **out, struct s2i_error **err)
{
  cleanup_json json_t *arr = json_array();
  sqlite3_stmt *s;
  int rc;

  if (query(st, &s, err,
            "SELECT " BUILD_COLS " FROM builds WHERE app = ? ORDER BY id "
            "DESC LIMIT ?",
            "si", app, (int64_t)limit) < 0)
    return -1;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct hooks_build b;

    read_build(s, &b);
    json_array_append_new(arr, build_json(&b));
    hooks_build_clear(&b);
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE)
    return db_error(st, err, "list builds");
  *out = s2i_steal(arr);
  return 0;
}

int hooks_state_count(struct hooks_state *st, const char *app,
                      const char *status, int64_t *n, struct s2i_error **err)
{
  sqlite3_stmt *s;
  int rc;

  if (query(st, &s, err,
            "SELECT count(*) FROM builds WHERE (?1 IS NULL OR app = ?1) AND "
            "status = ?2",
            "ss", app, status) < 0)
    return -1;
  rc = sqlite3_step(s);
  *n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  return rc == SQLITE_ROW ? 0 : db_error(st, err, "count builds");
}

int hooks_state_set_deployed(struct hooks_state *st, const char *app,
                             const struct hooks_deployed *d,
                             struct s2i_error **err)
{
  return exec(st, err,
              "INSERT OR REPLACE INTO deployed (app, commit_id, image, "
              "container, port, build_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              "ssssiii", app, d->commit, d->image, d->container,
              (int64_t)d->port, d->build_id, d->at);
}

int hooks_state_get_deployed(struct hooks_state *st, const char *app,
                             struct hooks_deployed *d, struct s2i_error **err)
{
  sqlite3_stmt *s;
  int rc;

  memset(d, 0, sizeof(*d));
  if (query(st, &s, err,
            "SELECT commit_id, image, container, port, build_id, at FROM "
            "deployed WHERE app = ?",
            "s", app) < 0)
    return -1;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    d->commit = col_str(s, 0);
    d->image = col_str(s, 1);
    d->container = col_str(s, 2);
    d->port = sqlite3_column_int(s, 3);
    d->build_id = sqlite3_column_int64(s, 4);
    d->at = sqlite3_column_int64(s, 5);
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_error(st, err, "read deploy");
  return rc == SQLITE_ROW;
}

char *hooks_state_log_path(const struct hooks_state *st, int64_t id)
{
  return xasprintf("%s/logs/%lld.log", st->dir, (long long)id);
}

char *hooks_state_build_dir(const struct hooks_state *st, int64_t id)
{
  return xasprintf("%s/builds/%lld", st->dir, (long long)id);
}

const char *hooks_state_dir(const struct hooks_state *st)
{
  return st->dir;
}
