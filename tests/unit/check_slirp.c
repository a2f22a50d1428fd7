/* slirp4netns on a network namespace of ours: tap0 appears there with the
 * sandbox's address, and stopping it leaves no slirp4netns behind; the
 * host's mounts are not touched (its own private mount namespace). */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "testutil.h"

#include "cleanup.h"
#include "slirp.h"

static int count_in(const char *path, const char *needle)
{
  cleanup_free char *text = NULL;
  struct s2i_error *err = NULL;

  if (s2i_fs_read_file(&text, NULL, path, &err) < 0) {
    s2i_error_free(err);
    return -1;
  }
  return strstr(text, needle) != NULL;
}

START_TEST(configures_tap0_in_the_target)
{
  struct s2i_slirp s;
  struct s2i_error *err = NULL;
  cleanup_free char *dev = NULL;
  int mounts_before, pipefd[2];
  pid_t holder;
  char c;

  if (geteuid() != 0)
    tu_skip("needs root (network namespaces)");
  if (system("command -v slirp4netns >/dev/null 2>&1") != 0)
    tu_skip("slirp4netns is not installed");
  ck_assert_int_eq(pipe(pipefd), 0);
  holder = fork();
  ck_assert_int_ge(holder, 0);
  if (holder == 0) {
    if (unshare(CLONE_NEWNET) < 0)
      _exit(1);
    if (write(pipefd[1], "r", 1) != 1)
      _exit(1);
    pause();
    _exit(0);
  }
  ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
  mounts_before = count_in("/proc/self/mountinfo", " /run/netns/");
  ck_assert_msg(s2i_slirp_start(&s, holder, &err) == 0, "%s",
                err ? err->msg : "?");
  dev = xasprintf("/proc/%d/net/dev", (int)holder);
  ck_assert_int_eq(count_in(dev, "tap0"), 1);
  s2i_slirp_stop(&s);
  ck_assert_int_eq(s.pid, 0);
  ck_assert_int_eq(count_in("/proc/self/mountinfo", " /run/netns/"),
                   mounts_before);
  kill(holder, SIGKILL);
  waitpid(holder, NULL, 0);
  close(pipefd[0]);
  close(pipefd[1]);
}
END_TEST

START_TEST(resolv_kept_when_a_resolver_is_reachable)
{
  struct s2i_error *err = NULL;
  char *out = (char *)1;

  ck_assert_int_eq(s2i_slirp_resolv_conf(&out,
                                         "nameserver 127.0.0.53\n"
                                         "nameserver 192.0.2.1\n",
                                         "nameserver 198.51.100.1\n", &err),
                   0);
  ck_assert_ptr_null(out);
  /* no nameserver line, or no file: nothing to fix */
  ck_assert_int_eq(s2i_slirp_resolv_conf(&out, "search x\n", NULL, &err), 0);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(s2i_slirp_resolv_conf(&out, NULL, NULL, &err), 0);
  ck_assert_ptr_null(out);
}
END_TEST

START_TEST(resolv_loopback_takes_systemd_upstream)
{
  struct s2i_error *err = NULL;
  char *out = NULL;

  ck_assert_int_eq(
      s2i_slirp_resolv_conf(&out,
                            "# stub\nnameserver 127.0.0.53\n"
                            "options edns0 trust-ad\nsearch lan\n",
                            "nameserver 10.1.1.1\nnameserver ::1\n"
                            "nameserver 127.0.0.1\nnameserver 10.1.1.2 # x\n"
                            "nameserver 10.1.1.3\nnameserver 10.1.1.4\n"
                            "search corp.example\n",
                            &err),
      0);
  ck_assert_ptr_nonnull(out);
  /* loopback ones out, at most three kept, the search line kept */
  ck_assert_ptr_nonnull(strstr(out, "nameserver 10.1.1.1\n"));
  ck_assert_ptr_nonnull(strstr(out, "nameserver 10.1.1.2 # x\n"));
  ck_assert_ptr_nonnull(strstr(out, "nameserver 10.1.1.3\n"));
  ck_assert_ptr_null(strstr(out, "10.1.1.4"));
  ck_assert_ptr_null(strstr(out, "127.0.0.1"));
  ck_assert_ptr_null(strstr(out, "::1"));
  ck_assert_ptr_nonnull(strstr(out, "search corp.example\n"));
  free(out);
}
END_TEST

START_TEST(resolv_loopback_only_is_an_error_not_a_public_resolver)
{
  struct s2i_error *err = NULL;
  char *out = NULL;

  ck_assert_int_eq(s2i_slirp_resolv_conf(&out, "nameserver 127.0.0.53\n",
                                         "nameserver 127.0.0.1\n", &err),
                   -1);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(err->msg, "only resolvers on loopback"));
  ck_assert_ptr_nonnull(strstr(err->msg, "--network host"));
  ck_assert_ptr_null(strstr(err->msg, "8.8.8.8"));
  s2i_error_free(err);
  err = NULL;
  ck_assert_int_eq(s2i_slirp_resolv_conf(&out, "nameserver ::1\n", NULL, &err),
                   -1);
  s2i_error_free(err);
}
END_TEST

static Suite *slirp_suite(void)
{
  return tu_suite(
      "slirp", 30, NULL,
      TU_TESTS(configures_tap0_in_the_target,
               resolv_kept_when_a_resolver_is_reachable,
               resolv_loopback_takes_systemd_upstream,
               resolv_loopback_only_is_an_error_not_a_public_resolver));
}

TU_MAIN(slirp_suite)
