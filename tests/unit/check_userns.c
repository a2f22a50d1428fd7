/* The user namespace: uid 0 inside is an unprivileged host uid, the map
 * covers the builder's ids 0..65535, and a process moved in is root only
 * there. */
#include <sys/wait.h>

#include "testutil.h"

#include "userns.h"

START_TEST(maps_root_to_an_unprivileged_range)
{
  struct s2i_userns u = {.fd = -1};
  struct s2i_error *err = NULL;
  pid_t pid;
  int st;

  if (geteuid() != 0)
    tu_skip("needs root (writes uid maps)");
  ck_assert_msg(s2i_userns_create(&u, &err) == 0, "%s", err ? err->msg : "?");
  ck_assert_int_gt(u.uid, 65535); /* not host root, nor a login uid */
  ck_assert_int_gt(u.gid, 65535);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    char line[128] = "";
    FILE *f;
    if (s2i_userns_enter(&u, &err) < 0 || getuid() != 0)
      _exit(2);
    f = fopen("/proc/self/uid_map", "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL)
      _exit(3);
    /* "0 <base> 65536": uid 0 here is base on the host */
    _exit(strstr(line, " 65536") ? 0 : 4);
  }
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status 0x%x", st);
  s2i_userns_close(&u);
}
END_TEST

static Suite *userns_suite(void)
{
  return tu_suite("userns", 0, NULL,
                  TU_TESTS(maps_root_to_an_unprivileged_range));
}

TU_MAIN(userns_suite)
