#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "rootless.h"

START_TEST(subid_by_name_or_number)
{
  struct s2i_idrange r;
  const char *text = "# comment\n"
                     "alice:100000:65536\n"
                     "1001:200000:1000\n"
                     "bob:300000:65536\n";

  ck_assert_int_eq(s2i_rootless_subid_parse(&r, text, "alice", 1000), 0);
  ck_assert_uint_eq(r.start, 100000);
  ck_assert_uint_eq(r.count, 65536);
  /* the numeric form of the uid matches when the name does not */
  ck_assert_int_eq(s2i_rootless_subid_parse(&r, text, "carol", 1001), 0);
  ck_assert_uint_eq(r.start, 200000);
  ck_assert_uint_eq(r.count, 1000);
  ck_assert_int_eq(s2i_rootless_subid_parse(&r, text, "bob", 7), 0);
  ck_assert_uint_eq(r.start, 300000);
}
END_TEST

START_TEST(subid_none)
{
  struct s2i_idrange r = {1, 1};

  ck_assert_int_eq(
      s2i_rootless_subid_parse(&r, "alice:100000:65536\n", "al", 5), -1);
  ck_assert_uint_eq(r.count, 0);
  /* a zero-sized range, a malformed line, a prefix of the name: none */
  ck_assert_int_eq(s2i_rootless_subid_parse(&r, "al:1:0\nal:x\n", "al", 5), -1);
  ck_assert_int_eq(s2i_rootless_subid_parse(&r, "", "al", 5), -1);
  /* the last line without a newline still counts */
  ck_assert_int_eq(s2i_rootless_subid_parse(&r, "x:1:2\nal:9:8", "al", 5), 0);
  ck_assert_uint_eq(r.start, 9);
  ck_assert_int_eq(
      s2i_rootless_subid_find(&r, "/nonexistent/subuid", "root", 0), -1);
}
END_TEST

START_TEST(subid_from_file)
{
  char *dir = tu_tmpdir();
  char *path = NULL;
  struct s2i_idrange r;

  if (asprintf(&path, "%s/subuid", dir) < 0)
    ck_abort();
  tu_write(dir, "subuid", "root:1000000:65536\n", 0644);
  ck_assert_int_eq(s2i_rootless_subid_find(&r, path, "root", 0), 0);
  ck_assert_uint_eq(r.start, 1000000);
  free(path);
}
END_TEST

static int as_root(void *arg, struct s2i_error **err)
{
  (void)err;
  *(int *)arg = (int)geteuid() + 1;
  return 0;
}

START_TEST(root_runs_directly)
{
  struct s2i_error *err = NULL;
  int seen = 0;

  if (geteuid() != 0)
    tu_skip("needs root (the direct path)");
  ck_assert_int_eq(s2i_rootless_run(tu_ctx(), as_root, &seen, &err), 0);
  ck_assert_int_eq(seen, 1); /* in this process: euid 0 */
  ck_assert_int_eq(s2i_rootless_in_userns(), 0);
  ck_assert_int_eq(s2i_rootless_single_id(), 0);
}
END_TEST

/* In the namespace: root there, one id (nobody has no subuid range), and
 * an error made there comes back whole. */
static int check_inside(void *arg, struct s2i_error **err)
{
  (void)arg;
  if (geteuid() != 0 || !s2i_rootless_in_userns() || !s2i_rootless_single_id())
    return s2i_error_make(err, 0, "not root of a one-id namespace");
  s2i_error_make(err, EROFS, "inside %d", (int)getpid());
  return s2i_error_set_exit(err, 3);
}

/* Fork a child that is nobody (exit 10 if it cannot be): 0 in the child,
 * its pid in the parent.  The caller is root. */
static pid_t fork_as_nobody(void)
{
  pid_t pid = fork();

  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534))
      _exit(10);
    /* as after an execve: a setuid from root leaves /proc/self root's */
    prctl(PR_SET_DUMPABLE, 1);
  }
  return pid;
}

static void wait_ok(pid_t pid)
{
  int st;

  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
}

START_TEST(unprivileged_runs_in_a_namespace)
{
  pid_t pid;

  if (geteuid() != 0)
    tu_skip("needs root (to become nobody)");
  pid = fork_as_nobody();

  if (pid == 0) {
    struct s2i_error *err = NULL;
    if (s2i_rootless_run(tu_ctx(), check_inside, NULL, &err) == 0)
      _exit(11);
    /* PID 1 of the build's own PID namespace; errno and exit code kept */
    _exit(strstr(err->msg, "inside 1: ") && err->errnum == EROFS &&
                  err->exit_code == 3
              ? 0
              : 12);
  }
  wait_ok(pid);
}
END_TEST

static int fill_result(void *arg, struct s2i_error **err)
{
  (void)err;
  *(long *)arg = 4242L + (long)getpid(); /* PID 1 in the build's namespace */
  return 0;
}

START_TEST(result_comes_back)
{
  pid_t pid;

  if (geteuid() != 0)
    tu_skip("needs root (to become nobody)");
  pid = fork_as_nobody();

  if (pid == 0) {
    struct s2i_error *err = NULL;
    long v = 0;
    if (s2i_rootless_run_result(tu_ctx(), fill_result, &v, &v, sizeof(v),
                                &err) < 0)
      _exit(11);
    _exit(v == 4243 ? 0 : 12);
  }
  wait_ok(pid);
}
END_TEST

static Suite *rootless_suite(void)
{
  return tu_suite("rootless", 0, NULL,
                  TU_TESTS(subid_by_name_or_number, subid_none, subid_from_file,
                           root_runs_directly, unprivileged_runs_in_a_namespace,
                           result_comes_back));
}

TU_MAIN(rootless_suite)
