/* The engine's process runner: output captured, exit codes as a shell
 * reports them, a time-out that takes the whole process group down, and
 * an interrupt passed on as SIGTERM. */
#include <errno.h>
#include <signal.h>

#include "testutil.h"

#include "proc.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

START_TEST(captures_output_and_status)
{
  struct s2i_proc_opts o = {
      .argv = ARGV("sh", "-c", "echo out; echo err >&2; exit 3"),
      .timeout_ms = 10000};
  struct s2i_proc p;

  ck_assert_int_eq(s2i_proc_run(&p, &o), 3);
  ck_assert_str_eq(p.out, "out\n");
  ck_assert_str_eq(p.errout, "err\n");
  ck_assert_int_eq(p.timed_out, 0);
  s2i_proc_clear(&p);
}
END_TEST

START_TEST(not_found_is_127)
{
  struct s2i_proc_opts o = {.argv = ARGV("/nonexistent/s2i-nothing"),
                            .timeout_ms = 10000};
  struct s2i_proc p;

  ck_assert_int_eq(s2i_proc_run(&p, &o), 127);
  ck_assert_ptr_nonnull(strstr(p.errout, "/nonexistent/s2i-nothing"));
  s2i_proc_clear(&p);
}
END_TEST

static int gone_within(pid_t pid, int ms)
{
  for (int i = 0; i < ms / 20; i++) {
    if (kill(pid, 0) < 0 && errno == ESRCH)
      return 1;
    usleep(20000);
  }
  return 0;
}

/* The deadline kills the program and what it started in the background
 * (same process group), so nothing holds the pipes or outlives the run. */
START_TEST(timeout_kills_the_group)
{
  struct s2i_proc_opts o = {
      .argv = ARGV("sh", "-c", "sleep 30 & echo $!; wait"), .timeout_ms = 300};
  struct s2i_proc p;
  int64_t t0 = s2i_ctx_now_ms();
  pid_t bg;

  ck_assert_int_eq(s2i_proc_run(&p, &o), -1);
  ck_assert_int_eq(p.timed_out, 1);
  ck_assert_int_lt(s2i_ctx_now_ms() - t0, 5000);
  bg = (pid_t)atoi(p.out);
  ck_assert_int_gt(bg, 1);
  ck_assert_msg(gone_within(bg, 3000), "background sleep %d survived", bg);
  s2i_proc_clear(&p);
}
END_TEST

/* An interrupt of the caller's ctx reaches the program as SIGTERM (it may
 * not have set its trap yet: then it dies of it, 143). */
START_TEST(interrupt_sends_sigterm)
{
  volatile sig_atomic_t flag = SIGINT;
  struct s2i_ctx ctx;
  struct s2i_proc_opts o = {
      .argv = ARGV("sh", "-c", "trap 'exit 7' TERM; sleep 20 & wait"),
      .timeout_ms = 15000,
      .ctx = &ctx};
  struct s2i_proc p;
  int64_t t0 = s2i_ctx_now_ms();
  int st;

  s2i_ctx_init(&ctx);
  ctx.interrupted = &flag;
  st = s2i_proc_run(&p, &o);
  ck_assert_msg(st == 7 || st == 143, "status %d timed_out %d err [%s]", st,
                p.timed_out, p.errout);
  ck_assert_int_eq(p.timed_out, 0);
  ck_assert_int_lt(s2i_ctx_now_ms() - t0, 5000);
  s2i_proc_clear(&p);
}
END_TEST

START_TEST(output_is_capped)
{
  struct s2i_proc_opts o = {
      .argv = ARGV("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a"),
      .timeout_ms = 10000};
  struct s2i_proc p;

  ck_assert_int_eq(s2i_proc_run(&p, &o), 0);
  ck_assert_uint_eq(strlen(p.out), S2I_PROC_OUTPUT_CAP);
  s2i_proc_clear(&p);
}
END_TEST

static Suite *proc_suite(void)
{
  return tu_suite("proc", 30, NULL,
                  TU_TESTS(captures_output_and_status, not_found_is_127,
                           timeout_kills_the_group, interrupt_sends_sigterm,
                           output_is_capped));
}

TU_MAIN(proc_suite)
