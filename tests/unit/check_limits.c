/* Limits: sizes as podman writes them, the defaults, and the cgroups made
 * and removed again (as root, on the machine's cgroup file system). */
#include <sys/wait.h>

#include "testutil.h"

#include "limits.h"

START_TEST(parse_sizes)
{
  uint64_t v = 0;

  ck_assert_int_eq(s2i_limits_parse_size(&v, "512m"), 0);
  ck_assert_uint_eq(v, 512ULL << 20);
  ck_assert_int_eq(s2i_limits_parse_size(&v, "2G"), 0);
  ck_assert_uint_eq(v, 2ULL << 30);
  ck_assert_int_eq(s2i_limits_parse_size(&v, "4096k"), 0);
  ck_assert_uint_eq(v, 4ULL << 20);
  ck_assert_int_eq(s2i_limits_parse_size(&v, "1048576"), 0);
  ck_assert_uint_eq(v, 1ULL << 20);
  ck_assert_int_eq(s2i_limits_parse_size(&v, "10b"), 0);
  ck_assert_uint_eq(v, 10);
  ck_assert_int_lt(s2i_limits_parse_size(&v, "0"), 0);
  ck_assert_int_lt(s2i_limits_parse_size(&v, "-5m"), 0);
  ck_assert_int_lt(s2i_limits_parse_size(&v, "12mb"), 0);
  ck_assert_int_lt(s2i_limits_parse_size(&v, "m"), 0);
  ck_assert_int_lt(s2i_limits_parse_size(&v, "99999999999999999999g"), 0);
}
END_TEST

START_TEST(defaults)
{
  struct s2i_sandbox_policy p = {0};
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

  ck_assert_int_eq(s2i_limits_pids(NULL), S2I_LIMITS_DEFAULT_PIDS);
  ck_assert_int_eq(s2i_limits_pids(&p), 4096);
  ck_assert_uint_eq(s2i_limits_memory(&p),
                    (uint64_t)pages * (uint64_t)size / 2);
  p.pids_limit = -1;
  p.memory = 1 << 20;
  ck_assert_int_eq(s2i_limits_pids(&p), -1);
  ck_assert_uint_eq(s2i_limits_memory(&p), 1 << 20);
}
END_TEST

/* The cgroup a child joins is below s2i's own, holds the limit, and is
 * gone after s2i_limits_free. */
START_TEST(cgroup_made_joined_removed)
{
  struct s2i_sandbox_policy p = {.pids_limit = 17};
  struct s2i_limits *l = NULL;
  struct s2i_error *err = NULL;
  char line[4096], path[4200] = "";
  int fds[2], st;
  FILE *f;
  pid_t pid;

  if (getuid() != 0)
    tu_skip("needs root to make cgroups");
  ck_assert_int_eq(s2i_limits_create(tu_ctx(), &l, &p, &err), 0);
  ck_assert_int_eq(pipe(fds), 0);
  pid = fork();
  if (pid == 0) {
    if (s2i_limits_enter(l, &err) < 0)
      _exit(1);
    f = fopen("/proc/self/cgroup", "re");
    while (f && fgets(line, sizeof(line), f))
      if (strstr(line, ":pids:") || strncmp(line, "0::", 3) == 0)
        if (write(fds[1], line, strlen(line)) < 0)
          _exit(2);
    _exit(0);
  }
  close(fds[1]);
  ck_assert_int_gt(read(fds[0], line, sizeof(line) - 1), 0);
  close(fds[0]);
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert_int_eq(WEXITSTATUS(st), 0);
  ck_assert_msg(strstr(line, "/s2i-sandbox-") != NULL, "%s", line);
  if (strstr(line, ":pids:"))
    snprintf(path, sizeof(path), "/sys/fs/cgroup/pids%s",
             strstr(line, ":pids:") + 6);
  path[strcspn(path, "\n")] = '\0';
  if (path[0]) {
    char *max = s2i_fs_join(path, "pids.max"), *text = NULL;
    ck_assert_int_eq(s2i_fs_read_file(&text, NULL, max, &err), 0);
    ck_assert_str_eq(text, "17\n");
    free(text);
    free(max);
  }
  s2i_limits_free(l);
  ck_assert(!path[0] || !s2i_fs_exists(path));
}
END_TEST

static Suite *limits_suite(void)
{
  return tu_suite("limits", 30, NULL,
                  TU_TESTS(parse_sizes, defaults, cgroup_made_joined_removed));
}

TU_MAIN(limits_suite)
