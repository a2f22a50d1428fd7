/* The sandbox, run for real (as root) on a tiny busybox root file system. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

#include "sandbox.h"
#include "strv.h"

static const char *const applets[] = {
    "sh",    "id",    "echo", "cat",   "ls",       "sleep", "hostname",
    "touch", "mount", "ps",   "kill",  "test",     "grep",  "head",
    "wc",    "ip",    "pwd",  "mkdir", "readlink",
};

struct env {
  char *top, *upper, *work;
  struct s2i_strv lowers;
  char token[64]; /* in every sandbox process's environment */
  char *envp[3];
  const struct s2i_sandbox_policy *policy; /* NULL: the default */
};

struct run {
  int status;
  char *out;
  size_t len;
  double first_chunk; /* seconds since the run started */
  double started;
};

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void copy_busybox(const char *lower)
{
  char *dst = s2i_fs_join(lower, "bin/busybox");
  int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

  ck_assert_int_ge(in, 0);
  ck_assert_int_ge(out, 0);
  ck_assert_int_eq(s2i_fs_copy_fd(in, out), 0);
  close(in);
  close(out);
  free(dst);
}

static void env_setup(struct env *e)
{
  char *lower;

  memset(e, 0, sizeof(*e));
  e->top = tu_tmpdir();
  lower = s2i_fs_join(e->top, "lower");
  e->upper = s2i_fs_join(e->top, "upper");
  e->work = s2i_fs_join(e->top, "work");
  tu_write(lower, "etc/hosts", "127.0.0.1 image-hosts\n", 0644);
  tu_write(lower, "bin/.keep", "", 0644);
  copy_busybox(lower);
  for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
    char *l = xasprintf("%s/bin/%s", lower, applets[i]);
    ck_assert_int_eq(symlink("busybox", l), 0);
    free(l);
  }
  tu_write(lower, "bin/noexec", "#!/bin/sh\n", 0644);
  tu_write(lower, "proc/.keep", "", 0644);
  tu_write(lower, "dev/.keep", "", 0644);
  tu_write(lower, "tmp/.keep", "", 0644);
  ck_assert_int_eq(mkdir(e->upper, 0755), 0);
  ck_assert_int_eq(mkdir(e->work, 0700), 0);
  s2i_strv_take(&e->lowers, lower);
  snprintf(e->token, sizeof(e->token), "S2I_TEST_TOKEN=sbx-%d-%ld",
           (int)getpid(), (long)time(NULL));
  e->envp[0] = "PATH=/bin";
  e->envp[1] = e->token;
  e->envp[2] = NULL;
}

static void env_teardown(struct env *e)
{
  s2i_strv_free(&e->lowers);
  free(e->upper);
  free(e->work);
  tu_rmdir(e->top);
}

static void collect(const char *buf, size_t len, void *ctx)
{
  struct run *r = ctx;

  if (r->out == NULL)
    r->first_chunk = now() - r->started;
  r->out = xrealloc(r->out, r->len + len + 1);
  memcpy(r->out + r->len, buf, len);
  r->len += len;
  r->out[r->len] = '\0';
}

static void opts_init(struct s2i_sandbox_opts *o, struct env *e,
                      const char *const *argv, struct run *r)
{
  memset(o, 0, sizeof(*o));
  o->lowers = &e->lowers;
  o->upper = e->upper;
  o->work = e->work;
  o->argv = argv;
  o->envp = (const char *const *)e->envp;
  o->network_none = 1;
  o->policy = e->policy;
  o->stdin_fd = -1;
  o->on_output = collect;
  o->output_ctx = r;
}

/* Run `sh -c script` as uid:gid; returns what s2i_sandbox_run returned. */
static int run_sh(struct env *e, const char *script, uid_t uid, gid_t gid,
                  struct run *r, struct s2i_error **err)
{
  const char *argv[] = {"/bin/sh", "-c", script, NULL};
  struct s2i_sandbox_opts o;

  memset(r, 0, sizeof(*r));
  opts_init(&o, e, argv, r);
  o.uid = uid;
  o.gid = gid;
  r->started = now();
  return s2i_sandbox_run(tu_ctx(), &r->status, &o, err);
}

static void assert_output(struct env *e, const char *script, const char *want)
{
  struct s2i_error *err = NULL;
  struct run r;
  int ret = run_sh(e, script, 0, 0, &r, &err);

  ck_assert_msg(ret == 0, "%s: %s", script, err ? err->msg : "?");
  ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
                "%s: status 0x%x, output: %s", script, r.status,
                r.out ? r.out : "");
  ck_assert_str_eq(r.out ? r.out : "", want);
  free(r.out);
}

/* Host processes carrying this test's token: a sandbox process left over. */
static int leftover_processes(const char *token)
{
  DIR *d = opendir("/proc");
  struct dirent *de;
  int found = 0;

  ck_assert_ptr_nonnull(d);
  while ((de = readdir(d)) != NULL) {
    char path[300], buf[65536];
    int fd;
    ssize_t n;

    if (de->d_name[0] < '0' || de->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/environ", de->d_name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(buf + i) + 1) {
      buf[n] = '\0';
      if (strcmp(buf + i, token) == 0)
        found++;
    }
  }
  closedir(d);
  return found;
}

static int mounts_under(const char *dir)
{
  char *text = NULL;
  struct s2i_error *err = NULL;
  int found;

  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, "/proc/self/mountinfo", &err),
                   0);
  found = strstr(text, dir) != NULL;
  free(text);
  return found;
}

START_TEST(runs_as_numeric_user)
{
  struct env e;

  env_setup(&e);
  assert_output(&e, "id -u; id -g", "0\n0\n");
  {
    struct s2i_error *err = NULL;
    struct run r;
    ck_assert_int_eq(run_sh(&e, "id -u; id -g; id -G", 1001, 0, &r, &err), 0);
    ck_assert_str_eq(r.out, "1001\n0\n0\n");
    free(r.out);
  }
  env_teardown(&e);
}
END_TEST

START_TEST(reaper_is_pid_1)
{
  struct env e;

  env_setup(&e);
  /* The command is PID 2: PID 1 is the reaper, not the shell. */
  assert_output(&e, "echo $$; test -r /proc/1/cmdline && echo ok", "2\nok\n");
  env_teardown(&e);
}
END_TEST

START_TEST(host_is_invisible)
{
  struct env e;
  char marker[128];

  env_setup(&e);
  snprintf(marker, sizeof(marker), "/s2i-sandbox-marker-%d", (int)getpid());
  {
    FILE *f = fopen(marker, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
  }
  {
    char *script = xasprintf("test -e %s && echo visible || echo hidden; "
                             "test -e /lower && echo lower || echo none",
                             marker);
    assert_output(&e, script, "hidden\nnone\n");
    free(script);
  }
  unlink(marker);
  env_teardown(&e);
}
END_TEST

START_TEST(writes_land_in_upper)
{
  struct env e;
  char *text = NULL;
  struct s2i_error *err = NULL;
  DIR *d;
  struct dirent *de;
  int entries = 0;

  env_setup(&e);
  assert_output(&e, "echo hi > /newfile; echo ok", "ok\n");
  {
    char *p = s2i_fs_join(e.upper, "newfile");
    ck_assert_int_eq(s2i_fs_read_file(&text, NULL, p, &err), 0);
    ck_assert_str_eq(text, "hi\n");
    free(text);
    free(p);
  }
  ck_assert(!s2i_fs_exists("/newfile"));
  /* Mount points (proc, dev, /etc/hosts) leave nothing in the new layer. */
  d = opendir(e.upper);
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      entries++;
  closedir(d);
  ck_assert_int_eq(entries, 1);
  env_teardown(&e);
}
END_TEST

START_TEST(proc_and_dev_work)
{
  struct env e;

  env_setup(&e);
  assert_output(
      &e,
      "echo x > /dev/null && echo null; head -c 5 /dev/zero | wc -c; "
      "head -c 3 /dev/urandom | wc -c; test -c /dev/full && echo full; "
      "test -d /dev/shm && echo shm; test -c /dev/pts/ptmx && echo pts; "
      "readlink /dev/fd; grep -c ^Pid: /proc/self/status; "
      "grep -c ' /proc/sys ro,' /proc/self/mountinfo",
      "null\n5\n3\nfull\nshm\npts\n/proc/self/fd\n1\n1\n");
  env_teardown(&e);
}
END_TEST

START_TEST(network_none_has_only_lo)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;

  env_setup(&e);
  /* /proc/net/dev: two header lines, then one line per interface. */
  assert_output(&e, "grep -c : /proc/net/dev; grep -c lo: /proc/net/dev",
                "1\n1\n");
  ck_assert_int_eq(run_sh(&e, "ip link show lo", 0, 0, &r, &err), 0);
  ck_assert_msg(strstr(r.out, "LOOPBACK,UP") != NULL, "lo: %s", r.out);
  free(r.out);
  env_teardown(&e);
}
END_TEST

START_TEST(host_network_binds_host_files)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *argv[] = {"/bin/sh", "-c",
                        "cat /etc/hosts; test -e /etc/resolv.conf && echo rc; "
                        "echo x >> /etc/hosts || echo ro",
                        NULL};
  struct s2i_sandbox_opts o;
  char *host = NULL;

  env_setup(&e);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, argv, &r);
  o.network_none = 0;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_int_eq(s2i_fs_read_file(&host, NULL, "/etc/hosts", &err), 0);
  ck_assert_ptr_nonnull(strstr(r.out, host));
  ck_assert_ptr_null(strstr(r.out, "image-hosts"));
  ck_assert_ptr_null(strstr(r.out, "rc\n")); /* image has none: none made */
  ck_assert_ptr_nonnull(strstr(r.out, "ro\n"));
  {
    char *etc = s2i_fs_join(e.upper, "etc");
    ck_assert(!s2i_fs_exists(etc));
    free(etc);
  }
  free(host);
  free(r.out);
  env_teardown(&e);
}
END_TEST

START_TEST(hostname_is_set)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *argv[] = {"/bin/hostname", NULL};
  struct s2i_sandbox_opts o;

  env_setup(&e);
  assert_output(&e, "hostname", "s2i-build\n");
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, argv, &r);
  o.hostname = "sbx-test";
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_str_eq(r.out, "sbx-test\n");
  free(r.out);
  env_teardown(&e);
}
END_TEST

START_TEST(exit_status_passes_through)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;

  env_setup(&e);
  ck_assert_int_eq(run_sh(&e, "exit 7", 0, 0, &r, &err), 0);
  ck_assert(WIFEXITED(r.status));
  ck_assert_int_eq(WEXITSTATUS(r.status), 7);
  ck_assert_int_eq(run_sh(&e, "kill -TERM $$", 1001, 0, &r, &err), 0);
  ck_assert(WIFSIGNALED(r.status));
  ck_assert_int_eq(WTERMSIG(r.status), SIGTERM);
  /* s2i's own dispositions must not leak into the sandbox's init */
  signal(SIGCHLD, SIG_IGN);
  ck_assert_int_eq(run_sh(&e, "exit 3", 0, 0, &r, &err), 0);
  ck_assert_int_eq(WEXITSTATUS(r.status), 3);
  signal(SIGCHLD, SIG_DFL);
  env_teardown(&e);
}
END_TEST

START_TEST(exec_errors_name_the_path)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *nope[] = {"/bin/nope", NULL};
  const char *noexec[] = {"/bin/noexec", NULL};
  struct s2i_sandbox_opts o;

  env_setup(&e);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, nope, &r);
  tu_assert_error(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), &err,
                  "run /bin/nope: No such file or directory (exit 127)");
  ck_assert_int_eq(WEXITSTATUS(r.status), 127);
  o.argv = noexec;
  tu_assert_error(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), &err,
                  "run /bin/noexec: Permission denied (exit 126)");
  o.argv = nope;
  o.cwd = "/no/such/dir";
  tu_assert_error(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), &err,
                  "chdir /no/such/dir");
  o.argv = (const char *[]){"sh", NULL};
  tu_assert_error(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), &err,
                  "absolute path");
  env_teardown(&e);
}
END_TEST

START_TEST(setup_error_reaches_parent)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *argv[] = {"/bin/sh", NULL};
  struct s2i_sandbox_opts o;
  struct s2i_strv bad = S2I_STRV_INIT;

  env_setup(&e);
  s2i_strv_add(&bad, "/nonexistent/layer");
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, argv, &r);
  o.lowers = &bad;
  tu_assert_error(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), &err,
                  "run /bin/sh: sandbox setup: idmapped mount of "
                  "/nonexistent/layer");
  ck_assert(!mounts_under(e.top));
  s2i_strv_free(&bad);
  env_teardown(&e);
}
END_TEST

START_TEST(orphans_do_not_outlive_the_command)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  double t0 = now();

  env_setup(&e);
  ck_assert_int_eq(
      run_sh(&e, "(sleep 37 &) ; (sleep 38 &); exit 0", 0, 0, &r, &err), 0);
  ck_assert_int_eq(WEXITSTATUS(r.status), 0);
  ck_assert(now() - t0 < 5);
  ck_assert_int_eq(leftover_processes(e.token), 0);
  env_teardown(&e);
}
END_TEST

START_TEST(output_streams_live)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  double total;

  env_setup(&e);
  /* time itself is tested: the first line arrives a second before the end */
  ck_assert_int_eq(run_sh(&e, "echo first; echo err >&2; sleep 1; echo second",
                          0, 0, &r, &err),
                   0);
  total = now() - r.started;
  ck_assert_str_eq(r.out, "first\nerr\nsecond\n");
  ck_assert_msg(r.first_chunk < total - 0.5, "first chunk at %.2fs of %.2fs",
                r.first_chunk, total);
  free(r.out);
  env_teardown(&e);
}
END_TEST

START_TEST(stdin_and_cwd)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *argv[] = {"/bin/sh", "-c", "pwd; cat", NULL};
  struct s2i_sandbox_opts o;
  int p[2];

  env_setup(&e);
  assert_output(&e, "cat; echo eof", "eof\n"); /* default stdin: /dev/null */
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(write(p[1], "from stdin\n", 11), 11);
  close(p[1]);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, argv, &r);
  o.stdin_fd = p[0];
  o.cwd = "/tmp";
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_str_eq(r.out, "/tmp\nfrom stdin\n");
  close(p[0]);
  free(r.out);
  env_teardown(&e);
}
END_TEST

/* stdout_fd: stdout alone goes there, stderr still to on_output. */
START_TEST(stdout_to_given_fd)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  const char *argv[] = {"/bin/sh", "-c", "echo to-fd; echo to-callback >&2",
                        NULL};
  struct s2i_sandbox_opts o;
  char buf[64];
  ssize_t n;
  int p[2];

  env_setup(&e);
  ck_assert_int_eq(pipe(p), 0);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, argv, &r);
  o.stdout_fd = p[1];
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  close(p[1]);
  n = read(p[0], buf, sizeof(buf) - 1);
  ck_assert_int_eq(n, 6);
  buf[n] = '\0';
  ck_assert_str_eq(buf, "to-fd\n");
  ck_assert_str_eq(r.out, "to-callback\n");
  close(p[0]);
  free(r.out);
  env_teardown(&e);
}
END_TEST

START_TEST(output_inherited_without_callback)
{
  struct env e;
  struct s2i_error *err = NULL;
  const char *argv[] = {"/bin/echo", "inherited", NULL};
  struct s2i_sandbox_opts o;
  char *path, *text = NULL;
  int saved = dup(1), fd, status;

  env_setup(&e);
  path = s2i_fs_join(e.top, "stdout.txt");
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 1);
  close(fd);
  opts_init(&o, &e, argv, NULL);
  o.on_output = NULL;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &status, &o, &err), 0);
  dup2(saved, 1);
  close(saved);
  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, path, &err), 0);
  ck_assert_str_eq(text, "inherited\n");
  free(text);
  free(path);
  env_teardown(&e);
}
END_TEST

START_TEST(host_fds_are_not_inherited)
{
  struct env e;
  int fd = open("/", O_RDONLY | O_DIRECTORY); /* no CLOEXEC on purpose */

  env_setup(&e);
  ck_assert_int_eq(dup2(fd, 57), 57);
  assert_output(&e, "test -e /proc/self/fd/57 && echo leaked || echo closed",
                "closed\n");
  close(57);
  close(fd);
  env_teardown(&e);
}
END_TEST

/* Runs inside the sandbox, after pivot_root and the user switch. */
static int in_sandbox_fn(void *ctx)
{
  FILE *f = fopen("/fn-was-here", "w");

  printf("%s uid=%u host-root=%d\n", (const char *)ctx, (unsigned)getuid(),
         s2i_fs_exists("/lower"));
  if (f != NULL)
    fclose(f);
  return 5;
}

START_TEST(runs_a_function_inside)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  struct s2i_sandbox_opts o;
  char *p;

  env_setup(&e);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, NULL, &r);
  o.fn = in_sandbox_fn;
  o.fn_ctx = "hello";
  o.uid = 1001;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_int_eq(WEXITSTATUS(r.status), 5);
  ck_assert_str_eq(r.out, "hello uid=1001 host-root=0\n");
  /* uid 1001 cannot write to the root-owned image root */
  p = s2i_fs_join(e.upper, "fn-was-here");
  ck_assert(!s2i_fs_exists(p));
  free(p);
  o.uid = 0;
  free(r.out);
  memset(&r, 0, sizeof(r));
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  p = s2i_fs_join(e.upper, "fn-was-here");
  ck_assert(s2i_fs_exists(p));
  free(p);
  free(r.out);
  env_teardown(&e);
}
END_TEST

/* What a root command gets from the calls the seccomp filter refuses:
 * "name=errno" for each, 0 when the call worked. */
static int try_refused_calls(void *ctx)
{
  long key = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */,
                     -4 /* KEY_SPEC_USER_KEYRING */, 0);
  int key_errno = key < 0 ? errno : 0;
  int userns = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
  int trace = ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? errno : 0;
  int clone3 = syscall(SYS_clone3, NULL, 0) < 0 ? errno : 0;

  (void)ctx;
  printf("keyctl=%d unshare-user=%d ptrace=%d clone3=%d\n", key_errno, userns,
         trace, clone3);
  return 0;
}

static char *refused_calls(struct env *e, int unconfined)
{
  struct s2i_sandbox_policy policy = {.seccomp_unconfined = unconfined};
  struct s2i_error *err = NULL;
  struct s2i_sandbox_opts o;
  struct run r;

  memset(&r, 0, sizeof(r));
  opts_init(&o, e, NULL, &r);
  o.fn = try_refused_calls;
  o.policy = &policy;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  return r.out;
}

/* Even as root inside: no keyring, no user namespace, no tracing; clone3
 * says ENOSYS so libc falls back to clone, whose flags the filter sees.
 * Unconfined, the same calls reach the kernel. */
START_TEST(seccomp_refuses_calls)
{
  struct env e;
  char *out;

  env_setup(&e);
  out = refused_calls(&e, 0);
  ck_assert_str_eq(out, "keyctl=1 unshare-user=1 ptrace=1 clone3=38\n");
  free(out);
  out = refused_calls(&e, 1);
  ck_assert_msg(strstr(out, "keyctl=0 unshare-user=0 ptrace=0") == out, "%s",
                out);
  free(out);
  env_teardown(&e);
}
END_TEST

/* The builder's uid 0 is an unprivileged host uid; what it writes keeps
 * the ids it asked for on disk (the upper dir becomes the layer).  With
 * --userns host (policy) it is host root again. */
START_TEST(user_namespace_maps_ids)
{
  struct s2i_sandbox_policy host = {.userns_host = 1};
  struct env e;
  char *p;
  struct stat st;

  env_setup(&e);
  assert_output(&e,
                "read a b c < /proc/self/uid_map; echo $a $b $c; "
                "touch /tmp/root-file /tmp/other && chown 1234:5 /tmp/other",
                "0 1879048192 65536\n");
  p = s2i_fs_join(e.upper, "tmp/root-file");
  ck_assert_int_eq(lstat(p, &st), 0);
  ck_assert_uint_eq(st.st_uid, 0);
  free(p);
  p = s2i_fs_join(e.upper, "tmp/other");
  ck_assert_int_eq(lstat(p, &st), 0);
  ck_assert_uint_eq(st.st_uid, 1234);
  ck_assert_uint_eq(st.st_gid, 5);
  free(p);
  e.policy = &host;
  assert_output(&e, "read a b c < /proc/self/uid_map; echo $a $b $c",
                "0 0 4294967295\n");
  env_teardown(&e);
}
END_TEST

/* then_fn sees what the command left, in the same sandbox. */
static int after_command(void *ctx)
{
  (void)ctx;
  printf("then: %s\n", s2i_fs_exists("/tmp/made-by-cmd") ? "sees it" : "no");
  return 4;
}

START_TEST(then_fn_runs_after_a_successful_command)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  struct s2i_sandbox_opts o;
  const char *ok_argv[] = {"/bin/sh", "-c", "touch /tmp/made-by-cmd", NULL};
  const char *bad_argv[] = {"/bin/sh", "-c", "exit 9", NULL};

  env_setup(&e);
  memset(&r, 0, sizeof(r));
  int from_then = -1;

  opts_init(&o, &e, ok_argv, &r);
  o.then_fn = after_command;
  o.then_failed = &from_then;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_int_eq(WEXITSTATUS(r.status), 4);
  ck_assert_int_eq(from_then, 1); /* the status is then_fn's */
  ck_assert_str_eq(r.out, "then: sees it\n");
  free(r.out);
  memset(&r, 0, sizeof(r));
  opts_init(&o, &e, bad_argv, &r);
  o.then_fn = after_command;
  o.then_failed = &from_then;
  ck_assert_int_eq(s2i_sandbox_run(tu_ctx(), &r.status, &o, &err), 0);
  ck_assert_int_eq(WEXITSTATUS(r.status), 9); /* then_fn skipped */
  ck_assert_int_eq(from_then, 0);
  ck_assert_ptr_null(r.out);
  env_teardown(&e);
}
END_TEST

/* Interrupt once both of the command's sleeps run (bounded: 5 s). */
static void *interrupt_later(void *arg)
{
  const char *token = arg;

  for (int i = 0; i < 250 && leftover_processes(token) < 2; i++)
    usleep(20 * 1000);
  tu_interrupted = SIGINT;
  return NULL;
}

START_TEST(interrupt_kills_the_sandbox)
{
  struct env e;
  struct s2i_error *err = NULL;
  struct run r;
  pthread_t t;
  double t0;
  int ret;

  env_setup(&e);
  tu_interrupted = 0;
  ck_assert_int_eq(pthread_create(&t, NULL, interrupt_later, e.token), 0);
  t0 = now();
  ret = run_sh(&e, "sleep 30 & sleep 30", 1001, 0, &r, &err);
  pthread_join(t, NULL);
  ck_assert_int_lt(ret, 0);
  ck_assert(now() - t0 < 2);
  ck_assert_ptr_nonnull(err);
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  ck_assert_ptr_nonnull(strstr(err->msg, "interrupted"));
  s2i_error_free(err);
  ck_assert_int_eq(leftover_processes(e.token), 0);
  tu_interrupted = 0;
  env_teardown(&e);
}
END_TEST

START_TEST(sandbox_dies_with_s2i)
{
  struct env e;
  pid_t s2i;
  int st;

  env_setup(&e);
  s2i = fork();
  ck_assert_int_ge(s2i, 0);
  if (s2i == 0) {
    struct s2i_error *err = NULL;
    struct run r;
    run_sh(&e, "sleep 30", 1001, 0, &r, &err);
    _exit(1);
  }
  /* bounded wait until the command runs, then kill "s2i" the hard way */
  for (int i = 0; i < 100 && leftover_processes(e.token) < 1; i++)
    usleep(20 * 1000);
  ck_assert_int_eq(leftover_processes(e.token), 1); /* sh execs sleep */
  kill(s2i, SIGKILL);
  waitpid(s2i, &st, 0);
  for (int i = 0; i < 100 && leftover_processes(e.token) > 0; i++)
    usleep(20 * 1000);
  ck_assert_int_eq(leftover_processes(e.token), 0);
  env_teardown(&e);
}
END_TEST

START_TEST(nothing_left_behind)
{
  struct env e;
  DIR *d;
  struct dirent *de;
  int entries = 0;

  env_setup(&e);
  assert_output(&e, "mount | grep -c overlay", "1\n");
  ck_assert(!mounts_under(e.top));
  ck_assert_int_eq(leftover_processes(e.token), 0);
  /* lower, upper, work: the temporary mount point is gone again */
  d = opendir(e.top);
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      entries++;
  closedir(d);
  ck_assert_int_eq(entries, 3);
  env_teardown(&e);
}
END_TEST

static Suite *sandbox_suite(void)
{
  return tu_suite(
      "sandbox", 30, NULL,
      TU_TESTS(runs_as_numeric_user, reaper_is_pid_1, host_is_invisible,
               writes_land_in_upper, proc_and_dev_work,
               network_none_has_only_lo, host_network_binds_host_files,
               hostname_is_set, exit_status_passes_through,
               exec_errors_name_the_path, setup_error_reaches_parent,
               orphans_do_not_outlive_the_command, output_streams_live,
               stdin_and_cwd, stdout_to_given_fd,
               output_inherited_without_callback, host_fds_are_not_inherited,
               runs_a_function_inside, then_fn_runs_after_a_successful_command,
               seccomp_refuses_calls, user_namespace_maps_ids,
               interrupt_kills_the_sandbox, sandbox_dies_with_s2i,
               nothing_left_behind));
}

TU_MAIN(sandbox_suite)
