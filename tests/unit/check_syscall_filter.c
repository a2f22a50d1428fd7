/* The seccomp filter: in a process that loaded it, a new user namespace,
 * keyctl and mount are refused with EPERM; ordinary calls still work. */
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testutil.h"

#include "syscall_filter.h"

static int filtered_child(void)
{
  struct s2i_error *err = NULL;

  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
      s2i_syscall_filter_load(&err) < 0)
    return 2;
  if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM)
    return 3;
  if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) == 0 || errno != EPERM)
    return 4;
  if (mount("none", "/tmp", "tmpfs", 0, NULL) == 0 || errno != EPERM)
    return 5;
  return getpid() > 0 ? 0 : 6; /* the rest still works */
}

START_TEST(refuses_what_the_engines_refuse)
{
  pid_t pid = fork();
  int st;

  ck_assert_int_ge(pid, 0);
  if (pid == 0)
    _exit(filtered_child());
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
}
END_TEST

static Suite *syscall_filter_suite(void)
{
  return tu_suite("syscall_filter", 0, NULL,
                  TU_TESTS(refuses_what_the_engines_refuse));
}

TU_MAIN(syscall_filter_suite)
