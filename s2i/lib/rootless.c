#include "rootless.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "xalloc.h"

#define POLL_MS 100
#define KILL_AFTER_S 10 /* after the SIGTERM for ^C: then SIGKILL */
#define HELPER_OUT_MAX 1024

/* ---- what maps where ------------------------------------------------------
 */

int s2i_rootless_subid_parse(struct s2i_idrange *out, const char *text,
                             const char *name, unsigned long id)
{
  char num[32];

  snprintf(num, sizeof(num), "%lu", id);
  out->start = out->count = 0;
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    char buf[512], *colon;
    unsigned long start, count;
    if (n < sizeof(buf)) {
      memcpy(buf, line, n);
      buf[n] = '\0';
      colon = strchr(buf, ':');
      if (colon && buf[0] != '#' &&
          sscanf(colon + 1, "%lu:%lu", &start, &count) == 2 && count > 0) {
        *colon = '\0';
        if ((name && strcmp(buf, name) == 0) || strcmp(buf, num) == 0) {
          out->start = start;
          out->count = count;
          return 0;
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
  return -1;
}

int s2i_rootless_subid_find(struct s2i_idrange *out, const char *path,
                            const char *name, unsigned long id)
{
  cleanup_free char *text = NULL;
  struct s2i_error *e = NULL;
  size_t len;

  out->start = out->count = 0;
  if (s2i_fs_read_regular(&text, &len, path, S2I_FS_READ_MAX, 0, &e) < 0) {
    s2i_error_free(e);
    return -1;
  }
  return s2i_rootless_subid_parse(out, text, name, id);
}

/* The first line of /proc/self/uid_map: {inside, outside, count}; the
 * number of lines through *lines. */
static int read_uid_map(unsigned long v[3], int *lines)
{
  cleanup_file FILE *f = fopen("/proc/self/uid_map", "re");
  char line[128];
  int n = 0;

  if (f == NULL)
    return -1;
  while (fgets(line, sizeof(line), f))
    if (n++ == 0 && sscanf(line, "%lu %lu %lu", &v[0], &v[1], &v[2]) != 3)
      return -1;
  *lines = n;
  return n > 0 ? 0 : -1;
}

int s2i_rootless_in_userns(void)
{
  unsigned long v[3];
  int lines;

  if (read_uid_map(v, &lines) < 0)
    return 0;
  return !(lines == 1 && v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL);
}

int s2i_rootless_single_id(void)
{
  unsigned long v[3];
  int lines;

  return read_uid_map(v, &lines) == 0 && lines == 1 && v[2] == 1;
}

static int in_path(const char *prog)
{
  const char *path = getenv("PATH");
  cleanup_free char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
  char *save = NULL;

  for (char *d = strtok_r(copy, ":", &save); d;
       d = strtok_r(NULL, ":", &save)) {
    cleanup_free char *p = s2i_fs_join(d, prog);
    if (access(p, X_OK) == 0)
      return 1;
  }
  return 0;
}

struct plan {
  uid_t uid;
  gid_t gid;
  char name[256];
  struct s2i_idrange su, sg;
  int full; /* ranges and helpers: newuidmap/newgidmap */
};

static void plan_mapping(const struct s2i_ctx *ctx, struct plan *p)
{
  struct passwd pw, *res = NULL;
  char buf[4096];
  int has_u, has_g, helpers;

  p->uid = getuid();
  p->gid = getgid();
  snprintf(p->name, sizeof(p->name), "%lu", (unsigned long)p->uid);
  if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) == 0 && res)
    snprintf(p->name, sizeof(p->name), "%s", pw.pw_name);
  has_u = s2i_rootless_subid_find(&p->su, "/etc/subuid", p->name, p->uid) == 0;
  has_g = s2i_rootless_subid_find(&p->sg, "/etc/subgid", p->name, p->uid) == 0;
  helpers = in_path("newuidmap") && in_path("newgidmap");
  p->full = has_u && has_g && helpers;
  if (p->full)
    return;
  s2i_log_warn(ctx,
               "rootless: %s: only your own uid %lu and gid %lu are mapped; "
               "files the builder's layers give to other owners belong to "
               "you, and assemble runs as the namespace's root (to keep the "
               "builder's ids: %s)",
               !helpers ? "newuidmap/newgidmap not found in PATH"
               : !has_u ? "no range for this user in /etc/subuid"
                        : "no range for this user in /etc/subgid",
               (unsigned long)p->uid, (unsigned long)p->gid,
               !helpers ? "install the uidmap package"
                        : "add one, e.g. usermod --add-subuids "
                          "100000-165535 --add-subgids 100000-165535 USER");
}

/* ---- in the child ---------------------------------------------------------
 */

/* What the build process tells the parent: an error, or its result. */
struct report {
  int failed;
  int errnum;
  int exit_code;
  char result[S2I_ROOTLESS_RESULT_MAX];
  char msg[3900]; /* one write below PIPE_BUF arrives whole */
};

/* What runs in the namespace, and where its result is. */
struct job {
  s2i_rootless_fn fn;
  void *arg;
  const void *result;
  size_t result_len;
};

static void __attribute__((noreturn))
child_report(int fd, struct s2i_error *err, int code)
{
  struct report r;

  memset(&r, 0, sizeof(r));
  if (err) {
    r.failed = 1;
    r.errnum = err->errnum;
    r.exit_code = err->exit_code;
    snprintf(r.msg, sizeof(r.msg), "%s", err->msg);
    if (write(fd, &r, offsetof(struct report, msg) + strlen(r.msg)) < 0) {
      /* the parent is gone: nobody to tell */
    }
  }
  fflush(NULL); /* _exit skips stdio, and the build logged through it */
  _exit(code);
}

static void __attribute__((noreturn)) child_done(int fd, const struct job *j)
{
  struct report r;

  memset(&r, 0, sizeof(r));
  if (j->result_len > 0) {
    memcpy(r.result, j->result, j->result_len);
    if (write(fd, &r, offsetof(struct report, msg)) < 0) {
      /* the parent is gone: nobody to tell */
    }
  }
  child_report(fd, NULL, 0);
}

static int write_proc(const char *file, const char *text,
                      struct s2i_error **err)
{
  cleanup_close int fd = open(file, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || s2i_fs_write_all(fd, text, strlen(text)) < 0)
    return s2i_error_make(err, errno, "rootless: write %s", file);
  return 0;
}

/* Without helpers a process may map its own ids only, and only after
 * giving up setgroups. */
static int map_self(const struct plan *p, struct s2i_error **err)
{
  cleanup_free char *u = xasprintf("0 %lu 1\n", (unsigned long)p->uid);
  cleanup_free char *g = xasprintf("0 %lu 1\n", (unsigned long)p->gid);

  if (write_proc("/proc/self/setgroups", "deny", err) < 0 ||
      write_proc("/proc/self/uid_map", u, err) < 0 ||
      write_proc("/proc/self/gid_map", g, err) < 0)
    return -1;
  return 0;
}

static int unshare_error(struct s2i_error **err)
{
  return s2i_error_make(
      err, errno,
      "rootless: cannot create a user namespace, which s2i needs to run a "
      "builder without root (on a host: sysctl user.max_user_namespaces; in "
      "a container, its seccomp profile must allow unshare(CLONE_NEWUSER): "
      "podman's default does, Docker's and containerd's RuntimeDefault do "
      "not: --security-opt seccomp=unconfined, or on Kubernetes a Localhost "
      "profile, with hostUsers: false; see docs/security.md)");
}

/* Pass ^C on to the build until it ends, then end as it did. */
static void __attribute__((noreturn)) relay(pid_t build, const sigset_t *set)
{
  for (;;) {
    siginfo_t si;
    int st;
    int sig = sigwaitinfo(set, &si);
    if (sig > 0 && sig != SIGCHLD)
      kill(build, sig);
    if (waitpid(build, &st, WNOHANG) == build)
      _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
}

/* The build runs as PID 1 of a PID namespace of this user namespace: the
 * sandbox's unshare(CLONE_NEWPID) and its setns back to s2i's own PID
 * namespace need one owned here. */
static void __attribute__((noreturn))
run_in_pid_ns(int report_w, const struct job *j)
{
  struct s2i_error *err = NULL;
  sigset_t set, old;
  pid_t pid;

  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &old);
  if (unshare(CLONE_NEWPID) < 0 || (pid = fork()) < 0) {
    s2i_error_make(&err, errno, "rootless: create a PID namespace");
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  if (pid > 0) {
    close(report_w);
    relay(pid, &set);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* The PIDs s2i hands to slirp4netns are this namespace's. */
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) <
      0) {
    s2i_error_make(&err, errno,
                   "rootless: mount /proc for the build's PID namespace (in "
                   "a container: its /proc must not be masked, e.g. podman "
                   "run --security-opt unmask=ALL, or Kubernetes "
                   "procMount: Unmasked)");
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  if (j->fn(j->arg, &err) < 0)
    child_report(report_w, err, err && err->exit_code ? err->exit_code : 1);
  child_done(report_w, j);
}

static void __attribute__((noreturn))
child_main(const struct plan *p, int sync_w, int go_r, int report_w,
           const struct job *j)
{
  struct s2i_error *err = NULL;
  char c = 0;

  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
    unshare_error(&err);
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  if (p->full) {
    if (write(sync_w, "u", 1) != 1)
      _exit(S2I_EXIT_FAILURE);
    while (read(go_r, &c, 1) < 0 && errno == EINTR)
      ;
    if (c != 'g' && c != 's')
      _exit(S2I_EXIT_FAILURE); /* the parent reports why */
  }
  if ((!p->full || c == 's') && map_self(p, &err) < 0) {
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  close(sync_w);
  close(go_r);
  /* Now root of the namespace: mounts made from here on stay ours. */
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
    s2i_error_make(&err, errno, "rootless: become root of the namespace");
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* the id change cleared it */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    s2i_error_make(&err, errno, "rootless: make / private");
    child_report(report_w, err, S2I_EXIT_FAILURE);
  }
  run_in_pid_ns(report_w, j);
}

/* ---- in the parent ------------------------------------------------------ */

/* Run a setuid map helper with its output captured for the error. */
static int run_helper(const char *const *argv, struct s2i_error **err)
{
  char out[HELPER_OUT_MAX] = "";
  size_t have = 0;
  int p[2], st = 0;
  pid_t pid;

  if (pipe2(p, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "rootless: create a pipe");
  pid = fork();
  if (pid == 0) {
    if (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
      _exit(126);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(p[1]);
  for (ssize_t n = 1; n > 0 && have < sizeof(out) - 1; have += (size_t)n)
    while ((n = read(p[0], out + have, sizeof(out) - 1 - have)) < 0 &&
           errno == EINTR)
      ;
  close(p[0]);
  while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  out[strcspn(out, "\n")] = '\0';
  return s2i_error_make(err, pid < 0 ? errno : 0,
                        "rootless: %s %s %s %s %s %s %s failed%s%s", argv[0],
                        argv[1], argv[2], argv[3], argv[4], argv[5], argv[6],
                        out[0] ? ": " : "", out);
}

static int write_maps(const struct plan *p, pid_t pid, struct s2i_error **err)
{
  char spid[32], id[32], gid[32], us[32], uc[32], gs[32], gc[32];
  const char *uargv[] = {"newuidmap", spid, "0", id, "1", "1", us, uc, NULL};
  const char *gargv[] = {"newgidmap", spid, "0", gid, "1", "1", gs, gc, NULL};

  snprintf(spid, sizeof(spid), "%d", (int)pid);
  snprintf(id, sizeof(id), "%lu", (unsigned long)p->uid);
  snprintf(gid, sizeof(gid), "%lu", (unsigned long)p->gid);
  snprintf(us, sizeof(us), "%lu", p->su.start);
  snprintf(uc, sizeof(uc), "%lu", p->su.count);
  snprintf(gs, sizeof(gs), "%lu", p->sg.start);
  snprintf(gc, sizeof(gc), "%lu", p->sg.count);
  if (run_helper(uargv, err) < 0 || run_helper(gargv, err) < 0)
    return -1;
  return 0;
}

/* The child's maps by newuidmap/newgidmap, else (in a container without
 * CAP_SYS_ADMIN, where the setuid helpers cannot write a map) the child
 * maps its own id, with a warning. */
static void start_mapped(const struct s2i_ctx *ctx, const struct plan *p,
                         pid_t pid, int go_w, struct s2i_error **err)
{
  struct s2i_error *e = NULL;
  const char *go = "g";

  if (write_maps(p, pid, &e) < 0) {
    s2i_log_warn(ctx,
                 "%s; mapping only your own uid %lu and gid %lu: files the "
                 "builder's layers give to other owners belong to you, and "
                 "assemble runs as the namespace's root (in a container: "
                 "the helpers need CAP_SYS_ADMIN in its bounding set)",
                 e->msg, (unsigned long)p->uid, (unsigned long)p->gid);
    s2i_error_free(e);
    go = "s";
  }
  if (write(go_w, go, 1) < 0)
    s2i_error_make(err, errno, "rootless: start the build process");
}

struct waiter {
  const struct s2i_ctx *ctx;
  pid_t pid;
  int report_r;
  struct report r;
  size_t have;
  time_t termed; /* when ^C was passed on; 0: not yet */
};

/* Until the child closes its report pipe (it exits), passing ^C on. */
static void await_report(struct waiter *w)
{
  while (w->report_r >= 0) {
    struct pollfd pfd = {.fd = w->report_r, .events = POLLIN};
    if (s2i_ctx_interrupted(w->ctx) && w->termed == 0) {
      kill(w->pid, SIGTERM);
      w->termed = time(NULL);
    }
    if (w->termed && time(NULL) - w->termed > KILL_AFTER_S)
      kill(w->pid, SIGKILL);
    if (poll(&pfd, 1, POLL_MS) <= 0)
      continue;
    ssize_t n =
        read(w->report_r, (char *)&w->r + w->have, sizeof(w->r) - 1 - w->have);
    if (n > 0)
      w->have += (size_t)n;
    else if (n == 0 || errno != EINTR) {
      close(w->report_r);
      w->report_r = -1;
    }
  }
}

static int child_result(struct waiter *w, struct s2i_error **err)
{
  int st = 0;

  await_report(w);
  while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (w->r.failed && w->have > offsetof(struct report, msg)) {
    s2i_error_make(err, 0, "%s", w->r.msg);
    (*err)->errnum = w->r.errnum;
    return s2i_error_set_exit(err, w->r.exit_code ? w->r.exit_code : 1);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  if (s2i_ctx_check_interrupt(w->ctx, err) < 0)
    return -1;
  return s2i_error_make(err, 0,
                        "rootless: the build process ended (wait "
                        "status 0x%x) without a result",
                        (unsigned)st);
}

static int spawn_child(const struct s2i_ctx *ctx, const struct plan *p,
                       const struct job *j, struct s2i_error **err)
{
  int sync[2], go[2], rep[2];
  struct waiter w = {.ctx = ctx};
  char c = 0;
  int ret = -1;

  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 ||
      pipe2(rep, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "rootless: create a pipe");
  fflush(NULL); /* or the child writes what is buffered again */
  w.pid = fork();
  if (w.pid == 0) {
    close(sync[0]);
    close(go[1]);
    close(rep[0]);
    child_main(p, sync[1], go[0], rep[1], j);
  }
  close(sync[1]);
  close(go[0]);
  close(rep[1]);
  w.report_r = rep[0];
  if (w.pid < 0) {
    s2i_error_make(err, errno, "rootless: fork");
    close(rep[0]);
  } else {
    if (p->full && read(sync[0], &c, 1) == 1 && c == 'u')
      start_mapped(ctx, p, w.pid, go[1], err);
    close(go[1]); /* EOF without 'g': the child gives up */
    go[1] = -1;
    ret = child_result(&w, err);
    if (ret == 0 && j->result_len > 0)
      memcpy((void *)j->result, w.r.result, j->result_len);
  }
  close(sync[0]);
  if (go[1] >= 0)
    close(go[1]);
  return ret;
}

int s2i_rootless_run(const struct s2i_ctx *ctx, s2i_rootless_fn fn, void *arg,
                     struct s2i_error **err)
{
  return s2i_rootless_run_result(ctx, fn, arg, NULL, 0, err);
}

int s2i_rootless_run_result(const struct s2i_ctx *ctx, s2i_rootless_fn fn,
                            void *arg, void *result, size_t result_len,
                            struct s2i_error **err)
{
  struct job j = {fn, arg, result, result_len};
  struct plan p;

  if (result_len > S2I_ROOTLESS_RESULT_MAX)
    return s2i_error_make(err, 0,
                          "rootless: a result of %zu bytes (at most "
                          "%d)",
                          result_len, S2I_ROOTLESS_RESULT_MAX);
  if (geteuid() == 0)
    return fn(arg, err);
  memset(&p, 0, sizeof(p));
  plan_mapping(ctx, &p);
  if (p.full)
    s2i_log_debug(ctx, 1,
                  "rootless: uid 0 -> %lu, 1-%lu -> %lu-%lu; gid 0 -> %lu, "
                  "1-%lu -> %lu-%lu",
                  (unsigned long)p.uid, p.su.count, p.su.start,
                  p.su.start + p.su.count - 1, (unsigned long)p.gid, p.sg.count,
                  p.sg.start, p.sg.start + p.sg.count - 1);
  return spawn_child(ctx, &p, &j, err);
}
