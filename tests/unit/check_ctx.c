/* The caller's context: defaults a caller gets from s2i_ctx_init, the
 * stream log lines go to, and an interrupt that only its owner raises. */
#include "testutil.h"

START_TEST(defaults)
{
  struct s2i_ctx ctx;
  struct s2i_error *err = NULL;

  memset(&ctx, 0xa5, sizeof(ctx));
  s2i_ctx_init(&ctx);
  ck_assert_int_eq(ctx.log_level, 0);
  ck_assert_int_eq(ctx.quiet, 0);
  ck_assert_ptr_eq(s2i_ctx_log(&ctx), stderr);
  ck_assert_int_eq(s2i_ctx_interrupted(&ctx), 0);
  ck_assert_int_eq(s2i_ctx_check_interrupt(&ctx, &err), 0);
  ck_assert_ptr_null(err);
  ck_assert_int_le(ctx.t0_ms, s2i_ctx_now_ms());
  /* A NULL ctx is a caller that wants the defaults. */
  ck_assert_ptr_eq(s2i_ctx_log(NULL), stderr);
  ck_assert_int_eq(s2i_ctx_interrupted(NULL), 0);
}
END_TEST

START_TEST(own_stream)
{
  struct s2i_ctx ctx;

  s2i_ctx_init(&ctx);
  ctx.log = stdout;
  ck_assert_ptr_eq(s2i_ctx_log(&ctx), stdout);
}
END_TEST

/* The owner's flag says which signal; the error carries the exit code
 * the CLI uses for an interrupted command. */
START_TEST(interrupt_names_the_signal)
{
  volatile sig_atomic_t flag = 0;
  struct s2i_ctx ctx;
  struct s2i_error *err = NULL;

  s2i_ctx_init(&ctx);
  ctx.interrupted = &flag;
  ck_assert_int_eq(s2i_ctx_check_interrupt(&ctx, &err), 0);
  flag = SIGTERM;
  ck_assert_int_eq(s2i_ctx_interrupted(&ctx), SIGTERM);
  ck_assert_int_lt(s2i_ctx_check_interrupt(&ctx, &err), 0);
  ck_assert_str_eq(err->msg, "interrupted by signal 15");
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  s2i_error_free(err);
}
END_TEST

static Suite *ctx_suite(void)
{
  return tu_suite("ctx", 0, NULL,
                  TU_TESTS(defaults, own_stream, interrupt_names_the_signal));
}

TU_MAIN(ctx_suite)
