/* Helpers for the Check unit tests: temp dirs removed at exit, small files. */
#ifndef S2I_TESTUTIL_H
#define S2I_TESTUTIL_H

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "error.h"
#include "fs.h"
#include "xalloc.h"

/* How many checks the suite registers: every tcase_add_*test macro of
 * Check ends in _tcase_add_test, so counting there catches them all.
 * TU_MAIN prints the count ("tu-plan: N") and tests/unit/run.sh fails a
 * binary that ran fewer. */
static int tu_planned;

static inline void tu_add_test(TCase *tc, const TTest *t, int sig,
                               int exit_value, int start, int end)
{
  tu_planned += end - start;
  _tcase_add_test(tc, t, sig, exit_value, start, end);
}
#define _tcase_add_test(tc, t, sig, exit_value, start, end)                    \
  tu_add_test(tc, t, sig, exit_value, start, end)

/* Record that the running test cannot run here and why: one line
 * "<test>: <reason>" appended to $S2I_SKIP_LOG (run.sh counts them as
 * skipped, not passed) and a "tu-skip:" line on stderr. */
static inline void tu_skip_record(const char *test, const char *reason)
{
  const char *log = getenv("S2I_SKIP_LOG");
  char *line = xasprintf("%s: %s\n", test, reason);
  int fd;

  fprintf(stderr, "tu-skip: %s", line);
  if (log && (fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644)) >= 0) {
    if (write(fd, line, strlen(line)) < 0)
      perror(log);
    close(fd);
  }
  free(line);
}

/* tu_skip(reason): skip the rest of the current test (inside START_TEST). */
#define tu_skip(reason)                                                        \
  do {                                                                         \
    tu_skip_record(__func__, (reason));                                        \
    return;                                                                    \
  } while (0)

/* The interrupt flag of tu_ctx(): a test sets it to interrupt a call. */
static volatile sig_atomic_t tu_interrupted;

/* The ctx the tests pass into libs2i: defaults (stderr, level 0) and
 * tu_interrupted as its interrupt flag. */
static inline const struct s2i_ctx *tu_ctx(void)
{
  static struct s2i_ctx ctx;

  if (ctx.interrupted == NULL) {
    s2i_ctx_init(&ctx);
    ctx.interrupted = &tu_interrupted;
  }
  return &ctx;
}

/* A fresh directory under $TMPDIR; the caller removes it with tu_rmdir. */
static inline char *tu_tmpdir(void)
{
  char *t = xasprintf("%s/s2i-unit.XXXXXX",
                      getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(t));
  return t;
}

static inline void tu_rmdir(char *dir)
{
  struct s2i_error *err = NULL;
  s2i_fs_rm_rf(dir, &err);
  s2i_error_free(err);
  free(dir);
}

/* A listening TCP socket on 127.0.0.1 at a port the kernel picks (port 0),
 * for a server the test starts: hand the fd to it, so no other process can
 * take the port in between.  *port gets the port. */
static inline int tu_listen_loopback(int *port)
{
  struct sockaddr_in sa = {.sin_family = AF_INET};
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  ck_assert_int_eq(listen(fd, 16), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  *port = ntohs(sa.sin_port);
  return fd;
}

/* Wait until the wall clock's second has changed (at most 1.2 s).  For the
 * tests where time itself is what is tested: a timestamp (whole seconds in
 * tar headers, ctime) taken from the clock would now differ. */
static inline void tu_next_second(void)
{
  time_t t0 = time(NULL);

  for (int i = 0; i < 120 && time(NULL) == t0; i++)
    usleep(10 * 1000);
  ck_assert_msg(time(NULL) != t0, "the clock did not move in 1.2 s");
}

/* Write text to dir/rel (parents created), with mode. */
static inline void tu_write(const char *dir, const char *rel, const char *text,
                            mode_t mode)
{
  char *path = s2i_fs_join(dir, rel);
  char *parent = xstrdup(path);
  struct s2i_error *err = NULL;
  FILE *f;

  *strrchr(parent, '/') = '\0';
  ck_assert_int_eq(s2i_fs_mkdir_p(parent, 0755, &err), 0);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
  free(parent);
  free(path);
}

/* Assert a call failed and its message contains `needle`. */
#define tu_assert_error(call, errp, needle)                                    \
  do {                                                                         \
    ck_assert_int_lt((call), 0);                                               \
    ck_assert_ptr_nonnull(*(errp));                                            \
    ck_assert_msg(strstr((*(errp))->msg, (needle)) != NULL,                    \
                  "error '%s' does not mention '%s'", (*(errp))->msg,          \
                  (needle));                                                   \
    s2i_error_free(*(errp));                                                   \
    *(errp) = NULL;                                                            \
  } while (0)

/* A suite `name` with one TCase "core" holding the tests given by
 * TU_TESTS(...); timeout in seconds (0: Check's default).  *tcp, unless
 * NULL, gets the TCase, for fixtures. */
static inline Suite *tu_suite(const char *name, int timeout, TCase **tcp,
                              const TTest *const *tests, size_t n)
{
  Suite *s = suite_create(name);
  TCase *tc = tcase_create("core");

  for (size_t i = 0; i < n; i++)
    tcase_add_test(tc, tests[i]);
  if (timeout > 0)
    tcase_set_timeout(tc, timeout);
  suite_add_tcase(s, tc);
  if (tcp)
    *tcp = tc;
  return s;
}

/* The tests of a tu_suite: TU_TESTS(a, b, c). */
#define TU_TESTS(...)                                                          \
  (const TTest *const[]){__VA_ARGS__},                                         \
      sizeof((const TTest *const[]){__VA_ARGS__}) / sizeof(const TTest *)

/* The main() of a test file: one suite from one function. */
#define TU_MAIN(suite_fn)                                                      \
  int main(void)                                                               \
  {                                                                            \
    SRunner *sr = srunner_create(suite_fn());                                  \
    int failed;                                                                \
    printf("tu-plan: %d\n", tu_planned);                                       \
    fflush(stdout); /* before Check forks, or each child repeats it */         \
    srunner_run_all(sr, CK_NORMAL);                                            \
    failed = srunner_ntests_failed(sr);                                        \
    srunner_free(sr);                                                          \
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;                               \
  }

#endif
