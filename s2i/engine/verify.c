#include "verify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "podman.h"
#include "proc.h"
#include "store.h"
#include "strv.h"
#include "transport.h"
#include "xalloc.h"

/* OpenShift's first namespace UID range starts here (10000 UIDs wide). */
#define DEFAULT_HTTP_TIMEOUT 15
#define STOP_GRACE "10" /* s before SIGKILL, as podman stop -t 10 */
#define STOP_GRACE_S 10
#define STOP_PASS_MS 5000 /* SIGTERM check passes below this */
#define REAP_WAIT_MS 2000 /* after the orphaned `sleep 1` was started */
#define DETAIL_MAX 100

/* ---- pure helpers ------------------------------------------------------ */

static int parse_port(const char *s, const char **end)
{
  char *e;
  long p;

  errno = 0;
  p = strtol(s, &e, 10);
  if (e == s || errno != 0 || p < 1 || p > 65535)
    return 0;
  if (end)
    *end = e;
  return (int)p;
}

int s2i_verify_port_from_label(const char *expose_services)
{
  const char *s = expose_services;

  while (s != NULL && *s != '\0') {
    const char *end;
    int port;

    s += strspn(s, " \t,");
    port = parse_port(s, &end);
    /* "PORT[/tcp]:NAME", or a bare port */
    if (port > 0 && (*end == ':' || *end == ',' || *end == '\0' ||
                     strncmp(end, "/tcp", 4) == 0))
      return port;
    s = strchr(s, ',');
  }
  return 0;
}

int s2i_verify_exposed_port(const struct s2i_image *img)
{
  json_t *ports =
      json_object_get(json_object_get(img->config, "config"), "ExposedPorts");
  const char *key;
  json_t *value;
  int best = s2i_verify_port_from_label(
      s2i_image_label(img, "io.openshift.expose-services"));

  if (best > 0)
    return best;
  json_object_foreach(ports, key, value)
  {
    const char *end;
    int port = parse_port(key, &end);

    (void)value;
    if (port > 0 && (*end == '\0' || strcmp(end, "/tcp") == 0) &&
        (best == 0 || port < best))
      best = port;
  }
  return best;
}

/* One "/proc/PID/stat" line: pid, the name between the first '(' and the
 * last ')' (names may hold both), and the state letter after it. */
static int parse_stat_line(const char *line, size_t len, long *pid, char **comm,
                           char *state)
{
  cleanup_free char *l = xstrndup(line, len);
  char *open = strchr(l, '('), *close = strrchr(l, ')');

  *pid = strtol(l, NULL, 10);
  if (*pid <= 0 || open == NULL || close == NULL || close < open ||
      close[1] != ' ' || close[2] == '\0')
    return -1;
  *comm = xstrndup(open + 1, (size_t)(close - open - 1));
  *state = close[2];
  return 0;
}

static void append_name(char **names, const char *comm, long pid)
{
  char *more = *names ? xasprintf("%s, %s (pid %ld)", *names, comm, pid)
                      : xasprintf("%s (pid %ld)", comm, pid);

  free(*names);
  *names = more;
}

int s2i_verify_zombies(const char *proc_stat, char **names, char **pid1)
{
  const char *line = proc_stat;
  int zombies = 0;

  *names = NULL;
  *pid1 = NULL;
  while (line != NULL && *line != '\0') {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    cleanup_free char *comm = NULL;
    long pid;
    char state;

    if (parse_stat_line(line, len, &pid, &comm, &state) == 0) {
      if (state == 'Z') {
        zombies++;
        append_name(names, comm, pid);
      }
      if (pid == 1 && *pid1 == NULL)
        *pid1 = s2i_steal(comm);
    }
    line = nl ? nl + 1 : NULL;
  }
  return zombies;
}

/* ---- the table --------------------------------------------------------- */

static const char *result_word(enum s2i_verify_result r)
{
  static const char *const words[] = {"PASS", "FAIL", "SKIP"};

  return words[r];
}

int s2i_verify_all_passed(const struct s2i_verify_report *r)
{
  for (size_t i = 0; i < r->n_rows; i++)
    if (r->rows[i].result != S2I_VERIFY_PASS)
      return 0;
  return r->n_rows > 0;
}

static void render_header(FILE *f, const struct s2i_verify_report *r)
{
  fprintf(f, "s2i verify %s\n", r->image);
  fprintf(f,
          "  ran as %s: read-only root, 0777 /tmp (no sticky bit), "
          "no capabilities, no passwd entry\n",
          r->user ? r->user : "?");
  if (r->command)
    fprintf(f, "  command: %s\n", r->command);
  fputc('\n', f);
}

char *s2i_verify_render(const struct s2i_verify_report *r, int only_problems)
{
  size_t width = strlen("CHECK"), len = 0, count[3] = {0, 0, 0};
  char *text = NULL;
  FILE *f = open_memstream(&text, &len);

  if (f == NULL)
    abort();
  for (size_t i = 0; i < r->n_rows; i++)
    if (strlen(r->rows[i].check) > width)
      width = strlen(r->rows[i].check);
  if (!only_problems) {
    render_header(f, r);
    fprintf(f, "  %-*s  %-6s  %s\n", (int)width, "CHECK", "RESULT", "DETAIL");
  }
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct s2i_verify_row *row = &r->rows[i];

    count[row->result]++;
    if (only_problems && row->result == S2I_VERIFY_PASS)
      continue;
    fprintf(f, "  %-*s  %-6s  %s\n", (int)width, row->check,
            result_word(row->result), row->detail ? row->detail : "");
  }
  if (!only_problems)
    fprintf(f, "\nchecks passed %zu of %zu (failed %zu, skipped %zu)\n",
            count[0], count[0] + count[1] + count[2], count[1], count[2]);
  fclose(f);
  return text;
}

void s2i_verify_report_free(struct s2i_verify_report *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_rows; i++)
    free(r->rows[i].detail);
  free(r->image);
  free(r->user);
  free(r->command);
  free(r);
}

/* ---- running podman ---------------------------------------------------- */

struct verify {
  const struct s2i_ctx *ctx;
  const struct s2i_verify_opts *o;
  struct s2i_verify_report *r;
  char *pull_ref;    /* what podman pull is given */
  char *image_id;    /* podman's image ID after the pull */
  int image_is_ours; /* not in podman before: remove it at the end */
  char name[64];     /* container name */
  int container_made;
  char *tmpdir; /* host directory mounted at /tmp */
  unsigned uid;
  int port; /* container port, 0 when none is known */
  int host_port;
  int has_sh; /* -1 not probed yet */
};

/* Sleep, cut short by a signal (the caller checks the ctx). */
static void sleep_ms(int64_t ms)
{
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

  nanosleep(&ts, NULL);
}

/* Run argv (argv[0] is "podman") with a time limit in seconds; fills *p
 * (stdout and stderr always non-NULL) and returns its status.  An
 * interruptible run passes an interrupt on to podman as SIGTERM. */
static int podman_run(const struct verify *v, struct s2i_proc *p, int timeout_s,
                      int interruptible, const char *const *argv)
{
  struct s2i_proc_opts o = {.argv = argv,
                            .timeout_ms = timeout_s * 1000,
                            .ctx = interruptible ? v->ctx : NULL};

  s2i_log_debug(v->ctx, 2, "podman %s %s", argv[1], argv[2] ? argv[2] : "");
  return s2i_proc_run(p, &o);
}

#define PODMAN(v, p, timeout, ...)                                             \
  podman_run((v), (p), (timeout), 0,                                           \
             (const char *const[]){"podman", __VA_ARGS__, NULL})

/* The first non-blank line of text, trimmed and cut to DETAIL_MAX. */
static char *first_line(const char *text)
{
  const char *s = text + strspn(text, " \t\r\n");
  size_t n = strcspn(s, "\r\n");

  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  if (n > DETAIL_MAX)
    return xasprintf("%.*s...", DETAIL_MAX - 3, s);
  return xstrndup(s, n);
}

/* The last non-blank line, for logs. */
static char *last_line(const char *text)
{
  const char *end = text + strlen(text), *start;
  cleanup_free char *line = NULL;

  while (end > text && strchr(" \t\r\n", end[-1]))
    end--;
  start = end;
  while (start > text && start[-1] != '\n')
    start--;
  line = xstrndup(start, (size_t)(end - start));
  return first_line(line);
}

/* podman's complaint about a failed command, as one line. */
static char *podman_why(const struct s2i_proc *p)
{
  if (p->status == -1)
    return xstrdup("podman did not finish in time");
  if (*p->errout)
    return last_line(p->errout);
  return xasprintf("podman exited with status %d", p->status);
}

/* ---- the container under test ------------------------------------------ */

/* A free TCP port on loopback (the kernel's pick; free again right after). */
static int free_port(struct s2i_error **err)
{
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(a);
  cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) < 0)
    return s2i_error_make(err, errno, "find a free port on 127.0.0.1");
  return ntohs(a.sin_port);
}

static void append_args(struct s2i_strv *words, json_t *arr)
{
  size_t i;
  json_t *v;

  json_array_foreach(arr, i, v)
  {
    if (json_is_string(v))
      s2i_strv_add(words, json_string_value(v));
  }
}

/* Entrypoint + Cmd joined by spaces, for the header. */
static char *image_command(const struct s2i_image *img)
{
  json_t *cfg = json_object_get(img->config, "config");
  cleanup_strv struct s2i_strv w = S2I_STRV_INIT;
  char *joined = xstrdup("");

  append_args(&w, json_object_get(cfg, "Entrypoint"));
  append_args(&w, json_object_get(cfg, "Cmd"));
  for (size_t i = 0; i < w.n; i++) {
    char *more = xasprintf("%s%s%s", joined, i ? " " : "", w.v[i]);

    free(joined);
    joined = more;
  }
  return joined;
}

/* The config facts verify needs, read the way s2i build reads images. */
static int read_config(struct verify *v, struct s2i_error **err)
{
  struct s2i_store *store = NULL;
  struct s2i_image *img = NULL;
  int ret = s2i_store_open_at(&store, NULL, v->o->cache_dir, err);

  if (ret == 0)
    ret = s2i_transport_open(v->ctx, &img, v->o->image, store, err);
  if (ret == 0) {
    v->port = v->o->port > 0 ? v->o->port : s2i_verify_exposed_port(img);
    v->r->command = image_command(img);
    if (s2i_image_user(img) && *s2i_image_user(img))
      s2i_log_debug(v->ctx, 1, "image user %s", s2i_image_user(img));
  }
  s2i_image_free(img);
  s2i_store_free(store);
  return ret;
}

/* A reference with a transport goes to podman as is; a plain path is a
 * docker-archive (what s2i build writes). */
static char *pull_ref(const char *image)
{
  size_t n = strspn(image, "abcdefghijklmnopqrstuvwxyz-");

  if (n > 0 && image[n] == ':' && !s2i_fs_exists(image))
    return xstrdup(image);
  return xasprintf("docker-archive:%s", image);
}

/* IDs podman had before, so an image the user already had is kept. */
static int image_known(const char *before, const char *id)
{
  return *id != '\0' && strstr(before, id) != NULL;
}

static int load_image(struct verify *v, struct s2i_error **err)
{
  struct s2i_proc before = {0}, p = {0};
  int ret = 0;

  v->pull_ref = pull_ref(v->o->image);
  s2i_log_step(v->ctx, "Loading %s into podman", v->o->image);
  PODMAN(v, &before, 60, "images", "-a", "-q", "--no-trunc");
  if (podman_run(v, &p, 600, 1,
                 (const char *const[]){"podman", "pull", "-q", v->pull_ref,
                                       NULL}) != 0) {
    cleanup_free char *why = podman_why(&p);

    ret = s2i_error_make(err, 0, "image %s: podman pull %s: %s", v->o->image,
                         v->pull_ref, why);
  } else {
    v->image_id = last_line(p.out);
    v->image_is_ours = !image_known(before.out, v->image_id);
  }
  s2i_proc_clear(&before);
  s2i_proc_clear(&p);
  return ret;
}

static int make_tmpdir(struct verify *v, struct s2i_error **err)
{
  const char *parent = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

  if (s2i_fs_mkdtemp(&v->tmpdir, parent, "s2i-verify.", err) < 0)
    return -1;
  /* An emptyDir: world-writable, and no sticky bit (chmod ignores umask). */
  if (chmod(v->tmpdir, 0777) < 0)
    return s2i_error_make(err, errno, "chmod %s", v->tmpdir);
  return 0;
}

static void run_args(struct verify *v, struct s2i_strv *a)
{
  s2i_strv_add(a, "podman");
  s2i_strv_add(a, "run");
  s2i_strv_add(a, "-d");
  s2i_strv_addf(a, "--name=%s", v->name);
  s2i_strv_add(a, "--pull=never");
  s2i_podman_hardened_args(a, v->uid, v->tmpdir);
  if (v->port > 0)
    s2i_strv_addf(a, "--publish=127.0.0.1:%d:%d", v->host_port, v->port);
  s2i_strv_add(a, v->image_id);
}

static int start_container(struct verify *v, struct s2i_error **err)
{
  cleanup_strv struct s2i_strv a = S2I_STRV_INIT;
  struct s2i_proc p = {0};
  int ret = 0;

  if (v->port > 0 && (v->host_port = free_port(err)) < 0)
    return -1;
  snprintf(v->name, sizeof(v->name), "s2i-verify-%ld-%u", (long)getpid(),
           s2i_podman_random() % 100000);
  run_args(v, &a);
  s2i_log_step(v->ctx, "Starting it as %u:0 (container %s)", v->uid, v->name);
  v->container_made = 1;
  if (podman_run(v, &p, 120, 1, (const char *const *)a.v) != 0) {
    cleanup_free char *why = podman_why(&p);

    ret = s2i_error_make(err, 0, "image %s: podman run: %s", v->o->image, why);
  }
  s2i_proc_clear(&p);
  return ret;
}

/* What podman knows of the container's state. */
struct cstate {
  int running;
  int code;              /* exit status once it stopped */
  long pid;              /* host PID of its PID 1 while it runs */
  long long finished_ns; /* when it stopped (conmon's record), epoch ns */
};

/* 0 with *st filled; -1 when podman cannot tell. */
static int container_state(struct verify *v, struct cstate *st)
{
  struct s2i_proc p = {0};
  char running[8] = "";
  int ret = -1;

  if (PODMAN(v, &p, 30, "container", "inspect", "--format",
             "{{.State.Running}} {{.State.ExitCode}} {{.State.Pid}} "
             "{{.State.FinishedAt.UnixNano}}",
             v->name) == 0 &&
      sscanf(p.out, "%7s %d %ld %lld", running, &st->code, &st->pid,
             &st->finished_ns) == 4) {
    st->running = strcmp(running, "true") == 0;
    ret = 0;
  }
  s2i_proc_clear(&p);
  return ret;
}

/* "running" (1), or 0 with *code the exit status; -1 when podman cannot
 * tell. */
static int container_running(struct verify *v, int *code)
{
  struct cstate st;

  if (container_state(v, &st) < 0)
    return -1;
  *code = st.code;
  return st.running;
}

/* The container's last log line (stderr first), for failure details. */
static char *container_last_log(struct verify *v)
{
  struct s2i_proc p = {0};
  char *line;

  PODMAN(v, &p, 30, "logs", "--tail", "5", v->name);
  line = last_line(*p.errout ? p.errout : p.out);
  s2i_proc_clear(&p);
  return line;
}

/* "exited with status N: <last log line>" when the container is gone. */
static char *gone_detail(struct verify *v)
{
  cleanup_free char *log = NULL;
  int code = 0;

  if (container_running(v, &code) != 0)
    return NULL;
  log = container_last_log(v);
  if (*log)
    return xasprintf("container exited with status %d: %s", code, log);
  return xasprintf("container exited with status %d", code);
}

/* podman exec NAME argv...; the exec'd process's status (127: not found). */
static int container_exec(struct verify *v, struct s2i_proc *p,
                          const char *const *cmd)
{
  cleanup_strv struct s2i_strv a = S2I_STRV_INIT;

  s2i_strv_add(&a, "podman");
  s2i_strv_add(&a, "exec");
  s2i_strv_add(&a, v->name);
  for (size_t i = 0; cmd[i] != NULL; i++)
    s2i_strv_add(&a, cmd[i]);
  return podman_run(v, p, 30, 1, (const char *const *)a.v);
}

#define EXEC(v, p, ...)                                                        \
  container_exec((v), (p), (const char *const[]){__VA_ARGS__, NULL})

/* Whether the image has a /bin/sh for the checks that need one. */
static int has_sh(struct verify *v)
{
  struct s2i_proc p = {0};

  if (v->has_sh < 0) {
    int st = EXEC(v, &p, "sh", "-c", "exit 0");

    v->has_sh = st == 0 ? 1 : (st == 126 || st == 127) ? 0 : -1;
    s2i_proc_clear(&p);
  }
  return v->has_sh;
}

/* Detail for an exec that podman itself could not do (status 125, time). */
static char *exec_failure(struct verify *v, const struct s2i_proc *p)
{
  char *gone = gone_detail(v);

  return gone ? gone : podman_why(p);
}

/* For checks that need sh: SKIP when the image has none, FAIL when podman
 * cannot exec at all.  Returns 1 when sh is there. */
static int need_sh(struct verify *v, const char *purpose,
                   enum s2i_verify_result *res, char **detail)
{
  int sh = has_sh(v);

  if (sh == 1)
    return 1;
  *res = sh == 0 ? S2I_VERIFY_SKIP : S2I_VERIFY_FAIL;
  if (sh == 0)
    *detail = xasprintf("no sh in the image to %s", purpose);
  else if ((*detail = gone_detail(v)) == NULL)
    *detail = xstrdup("podman exec sh failed");
  return 0;
}

/* ---- the checks -------------------------------------------------------- */

static size_t discard_body(char *p, size_t size, size_t n, void *u)
{
  (void)p, (void)u;
  return size * n;
}

/* One GET; the HTTP status, or 0 with errbuf filled. */
static long http_get(CURL *c, const char *url, char *errbuf)
{
  long code = 0;

  errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (curl_easy_perform(c) != CURLE_OK)
    return 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

/* GET / until it answers below 500, the container exits, or time is up. */
static long poll_http(struct verify *v, const char *url, char *errbuf,
                      char **gone)
{
  int timeout = v->o->timeout > 0 ? v->o->timeout : DEFAULT_HTTP_TIMEOUT;
  int64_t deadline = s2i_ctx_now_ms() + (int64_t)timeout * 1000;
  CURL *c = curl_easy_init();
  long code = 0;

  if (c == NULL)
    abort();
  for (int i = 1; !s2i_ctx_interrupted(v->ctx); i++) {
    code = http_get(c, url, errbuf);
    if ((code > 0 && code < 500) || s2i_ctx_now_ms() >= deadline)
      break;
    if (i % 4 == 0 && (*gone = gone_detail(v)) != NULL)
      break;
    sleep_ms(250);
  }
  curl_easy_cleanup(c);
  return code;
}

static enum s2i_verify_result check_http(struct verify *v, char **detail)
{
  cleanup_free char *url = NULL;
  char errbuf[CURL_ERROR_SIZE];
  char *gone = NULL;
  int64_t start = s2i_ctx_now_ms();
  long code;

  if (v->port == 0) {
    *detail = xstrdup("no port: the image exposes none "
                      "(io.openshift.expose-services, EXPOSE); use --port");
    return S2I_VERIFY_FAIL;
  }
  url = xasprintf("http://127.0.0.1:%d/", v->host_port);
  code = poll_http(v, url, errbuf, &gone);
  if (gone != NULL) {
    *detail = gone;
    return S2I_VERIFY_FAIL;
  }
  if (code > 0)
    *detail = xasprintf("port %d: GET / answered %ld after %.1f s", v->port,
                        code, (double)(s2i_ctx_now_ms() - start) / 1000);
  else
    *detail = xasprintf("port %d: no answer after %.0f s: %s", v->port,
                        (double)(s2i_ctx_now_ms() - start) / 1000, errbuf);
  return code > 0 && code < 500 ? S2I_VERIFY_PASS : S2I_VERIFY_FAIL;
}

/* Every process's /proc/PID/stat line, read with sh builtins only. */
static int read_proc_stats(struct verify *v, struct s2i_proc *p)
{
  return EXEC(v, p, "sh", "-c",
              "for f in /proc/[0-9]*/stat; do "
              "read -r l < \"$f\" && echo \"$l\"; done 2>/dev/null; true");
}

static enum s2i_verify_result judge_zombies(const char *stats, char **detail)
{
  cleanup_free char *names = NULL;
  cleanup_free char *pid1 = NULL;
  int n = s2i_verify_zombies(stats, &names, &pid1);
  const char *init = pid1 ? pid1 : "?";

  if (n == 0) {
    *detail = xasprintf("PID 1 (%s) reaped an orphaned sleep", init);
    return S2I_VERIFY_PASS;
  }
  *detail = xasprintf("PID 1 (%s) left %d zombie%s: %s", init, n,
                      n == 1 ? "" : "s", names);
  return S2I_VERIFY_FAIL;
}

static enum s2i_verify_result check_reap(struct verify *v, char **detail)
{
  enum s2i_verify_result res = S2I_VERIFY_FAIL;
  struct s2i_proc p = {0};
  int st;

  if (!need_sh(v, "start an orphan", &res, detail))
    return res;
  /* The subshell exits at once; its `sleep 1` is reparented to PID 1. */
  st = EXEC(v, &p, "sh", "-c",
            "command -v sleep >/dev/null || exit 3; (sleep 1 &); exit 0");
  if (st == 3) {
    *detail = xstrdup("no sleep in the image to start an orphan");
    res = S2I_VERIFY_SKIP;
  } else if (st != 0) {
    *detail = exec_failure(v, &p);
  } else {
    sleep_ms(REAP_WAIT_MS);
    s2i_proc_clear(&p);
    if (read_proc_stats(v, &p) == 0)
      res = judge_zombies(p.out, detail);
    else
      *detail = exec_failure(v, &p);
  }
  s2i_proc_clear(&p);
  return res;
}

/* Run `prog [args]` inside; 1 found and worked, 0 failed, -1 not found. */
static int try_name(struct verify *v, const char *const *cmd, char **detail)
{
  struct s2i_proc p = {0};
  int st = container_exec(v, &p, cmd);
  int ret = st == 0 && *p.out ? 1 : (st == 126 || st == 127) ? -1 : 0;

  if (ret == 1)
    *detail = first_line(p.out);
  else if (ret == 0)
    *detail = st == 125 || st == -1 ? exec_failure(v, &p)
                                    : first_line(*p.errout ? p.errout : p.out);
  s2i_proc_clear(&p);
  return ret;
}

static enum s2i_verify_result check_name(struct verify *v, char **detail)
{
  static const char *const id_un[] = {"id", "-un", NULL};
  static const char *const whoami[] = {"whoami", NULL};
  cleanup_free char *out = NULL;
  int ret = try_name(v, id_un, &out);
  const char *how = "id -un";

  if (ret < 0) {
    ret = try_name(v, whoami, &out);
    how = "whoami";
  }
  if (ret < 0) {
    *detail = xstrdup("neither id nor whoami in the image");
    return S2I_VERIFY_SKIP;
  }
  *detail = ret ? xasprintf("%s: %s", how, out)
                : xasprintf("%s failed: %s", how, *out ? out : "no output");
  return ret ? S2I_VERIFY_PASS : S2I_VERIFY_FAIL;
}

static enum s2i_verify_result check_tmpdir(struct verify *v, char **detail)
{
  enum s2i_verify_result res = S2I_VERIFY_FAIL;
  struct s2i_proc p = {0};
  cleanup_free char *dir = NULL;
  int st;

  if (!need_sh(v, "write a file", &res, detail))
    return res;
  st = EXEC(v, &p, "sh", "-c",
            "d=${TMPDIR:-/tmp}; echo \"$d\"; "
            ": > \"$d/.s2i-verify\" && rm -f \"$d/.s2i-verify\"");
  dir = first_line(p.out);
  if (st == 0) {
    *detail = xasprintf("%s: created and removed a file", dir);
    res = S2I_VERIFY_PASS;
  } else if (st == 125 || st == -1) {
    *detail = exec_failure(v, &p);
  } else {
    cleanup_free char *why = last_line(p.errout);

    *detail = xasprintf("%s: %s", *dir ? dir : "/tmp", why);
  }
  s2i_proc_clear(&p);
  return res;
}

static long long realtime_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* SIGTERM straight to the container's PID 1 when we may (s2i as root):
 * then the time counted is the container's own, with no podman start-up in
 * it.  The pidfd is taken before a second look at the state, so the PID
 * cannot have been reused for another process by the time it is used. */
static int term_by_pid(struct verify *v, const struct cstate *st,
                       long long *sent_ns)
{
  cleanup_close int fd = (int)syscall(SYS_pidfd_open, (pid_t)st->pid, 0);
  struct cstate again;

  if (fd < 0 || container_state(v, &again) < 0 || !again.running ||
      again.pid != st->pid)
    return -1;
  *sent_ns = realtime_ns();
  return (int)syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
}

/* Otherwise (rootless) through podman: the clock starts before podman
 * does, so its start-up counts against the image (an upper bound). */
static int send_term(struct verify *v, const struct cstate *st,
                     long long *sent_ns, char **detail)
{
  struct s2i_proc p = {0};
  int ret = 0;

  if (st->pid > 0 && term_by_pid(v, st, sent_ns) == 0)
    return 0;
  *sent_ns = realtime_ns();
  if (PODMAN(v, &p, 60, "kill", "--signal", "TERM", v->name) != 0) {
    *detail = podman_why(&p);
    ret = -1;
  }
  s2i_proc_clear(&p);
  return ret;
}

/* Wait up to STOP_GRACE_S for it to stop, then SIGKILL it (status 137). */
static int await_stop(struct verify *v, struct cstate *st, char **detail)
{
  struct s2i_proc p = {0};

  if (PODMAN(v, &p, STOP_GRACE_S, "wait", v->name) < 0) {
    s2i_proc_clear(&p);
    PODMAN(v, &p, 60, "kill", "--signal", "KILL", v->name);
    s2i_proc_clear(&p);
    PODMAN(v, &p, 60, "wait", v->name);
  }
  if (container_state(v, st) < 0 || st->running) {
    *detail = podman_why(&p);
    s2i_proc_clear(&p);
    return -1;
  }
  s2i_proc_clear(&p);
  return 0;
}

/* Measured from the signal to the container's exit as conmon recorded it
 * (State.FinishedAt), not the time podman's CLI takes to start. */
static enum s2i_verify_result check_sigterm(struct verify *v, char **detail)
{
  struct cstate st = {0};
  long long sent_ns = 0;
  double s;

  if (container_state(v, &st) < 0 || !st.running) {
    *detail = xasprintf("was not running (exited with status %d)", st.code);
    return S2I_VERIFY_FAIL;
  }
  if (send_term(v, &st, &sent_ns, detail) < 0 || await_stop(v, &st, detail) < 0)
    return S2I_VERIFY_FAIL;
  s = (double)(st.finished_ns - sent_ns) / 1e9;
  *detail = xasprintf("stopped %.2f s after SIGTERM, exit status %d%s",
                      s < 0 ? 0.0 : s, st.code,
                      st.code == 137 ? " (killed after " STOP_GRACE " s)" : "");
  return s * 1000 < STOP_PASS_MS && (st.code == 0 || st.code == 143)
             ? S2I_VERIFY_PASS
             : S2I_VERIFY_FAIL;
}

/* In order: SIGTERM last, it stops the container. */
static const struct check {
  const char *name;
  enum s2i_verify_result (*run)(struct verify *v, char **detail);
} checks[] = {
    {"answers HTTP", check_http},        {"PID 1 reaps orphans", check_reap},
    {"UID has a name", check_name},      {"TMPDIR writable", check_tmpdir},
    {"stops on SIGTERM", check_sigterm},
};

/* ---- the whole run ----------------------------------------------------- */

static void cleanup(struct verify *v)
{
  struct s2i_proc p = {0};

  if (v->container_made &&
      PODMAN(v, &p, 60, "rm", "-f", "-t", "0", v->name) != 0 &&
      strstr(p.errout, "no such container") == NULL)
    s2i_log_warn(v->ctx, "could not remove container %s: %s", v->name,
                 p.errout);
  s2i_proc_clear(&p);
  if (v->image_is_ours && v->image_id &&
      PODMAN(v, &p, 60, "rmi", "-f", v->image_id) != 0)
    s2i_log_warn(v->ctx, "could not remove image %s: %s", v->image_id,
                 p.errout);
  s2i_proc_clear(&p);
  if (v->tmpdir) {
    struct s2i_error *err = NULL;

    if (s2i_fs_rm_rf(v->tmpdir, &err) < 0)
      s2i_log_warn(v->ctx, "%s", err->msg);
    s2i_error_free(err);
  }
  free(v->tmpdir);
  free(v->image_id);
  free(v->pull_ref);
}

static int run_checks(struct verify *v, struct s2i_error **err)
{
  for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
    struct s2i_verify_row *row = &v->r->rows[v->r->n_rows++];

    s2i_log_debug(v->ctx, 1, "check: %s", checks[i].name);
    row->check = checks[i].name;
    row->result = checks[i].run(v, &row->detail);
    if (s2i_ctx_check_interrupt(v->ctx, err) < 0)
      return -1;
  }
  return 0;
}

int s2i_verify(const struct s2i_ctx *ctx, struct s2i_verify_report **out,
               const struct s2i_verify_opts *opts, struct s2i_error **err)
{
  struct verify v = {.ctx = ctx, .o = opts, .has_sh = -1};
  int ret;

  v.r = xcalloc(1, sizeof(*v.r));
  v.r->image = xstrdup(opts->image);
  v.uid = s2i_podman_random_uid();
  v.r->user = xasprintf("%u:0", v.uid);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ret = read_config(&v, err);
  if (ret == 0)
    ret = make_tmpdir(&v, err);
  if (ret == 0 && (ret = s2i_ctx_check_interrupt(ctx, err)) == 0)
    ret = load_image(&v, err);
  if (ret == 0 && (ret = s2i_ctx_check_interrupt(ctx, err)) == 0)
    ret = start_container(&v, err);
  if (ret == 0)
    ret = run_checks(&v, err);
  cleanup(&v);
  if (ret < 0) {
    s2i_verify_report_free(v.r);
    return -1;
  }
  *out = v.r;
  return 0;
}
