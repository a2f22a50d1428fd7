/* What a user sees: steps, quiet, warnings, no progress lines when the
 * stream is not a terminal; and all of it per ctx, so two callers in one
 * process (a server running two builds) do not see each other's settings. */
#include "testutil.h"

#include "log.h"

/* Run fn(ctx) with ctx's log stream sent to a memory buffer. */
static char *capture(void (*fn)(const struct s2i_ctx *), struct s2i_ctx *ctx)
{
  char *text = NULL;
  size_t len = 0;

  ctx->log = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(ctx->log);
  fn(ctx);
  fclose(ctx->log);
  ctx->log = NULL;
  return text;
}

static void steps(const struct s2i_ctx *ctx)
{
  struct s2i_progress p;

  s2i_log_step(ctx, "Copying %d files", 3);
  s2i_log_debug(ctx, 1, "detail");
  s2i_log_warn(ctx, "careful");
  s2i_progress_begin(&p, ctx, "unpacking", 100);
  s2i_progress_add(&p, 100);
  s2i_progress_end(&p);
}

START_TEST(steps_and_quiet)
{
  struct s2i_ctx ctx;
  char *t;

  s2i_ctx_init(&ctx);
  t = capture(steps, &ctx);
  ck_assert_str_eq(t, "---> Copying 3 files\nwarning: careful\n");
  free(t);
  ctx.log_level = 1;
  t = capture(steps, &ctx);
  ck_assert_str_eq(t, "---> Copying 3 files\n     detail\nwarning: careful\n");
  free(t);
  ctx.quiet = 1;
  t = capture(steps, &ctx);
  ck_assert_str_eq(t, "warning: careful\n"); /* warnings survive -q */
  free(t);
  ctx.quiet = 0;
  ctx.log_level = 2;
  t = capture(steps, &ctx);
  ck_assert_ptr_nonnull(strstr(t, "s] ---> Copying 3 files\n"));
  ck_assert_int_eq(t[0], '[');
  free(t);
}
END_TEST

/* Two ctxs in one process, used in turn: each line goes to its own
 * stream at its own level; quiet on one silences only that one. */
START_TEST(two_contexts_are_independent)
{
  char *ta = NULL, *tb = NULL;
  size_t la = 0, lb = 0;
  struct s2i_ctx a, b;

  s2i_ctx_init(&a);
  s2i_ctx_init(&b);
  a.log = open_memstream(&ta, &la);
  b.log = open_memstream(&tb, &lb);
  a.log_level = 3;
  b.quiet = 1;
  s2i_log_step(&a, "build A");
  s2i_log_step(&b, "build B");
  s2i_log_debug(&a, 3, "A detail");
  s2i_log_debug(&b, 1, "B detail");
  s2i_log_warn(&b, "B warning");
  s2i_log_info(&a, "A info");
  fclose(a.log);
  fclose(b.log);
  ck_assert_ptr_nonnull(strstr(ta, "---> build A\n"));
  ck_assert_ptr_nonnull(strstr(ta, "     A detail\n"));
  ck_assert_ptr_nonnull(strstr(ta, "A info\n"));
  ck_assert_ptr_null(strstr(ta, "B"));
  ck_assert_str_eq(tb, "warning: B warning\n");
  free(ta);
  free(tb);
}
END_TEST

/* Interrupting one ctx (its owner set its flag) stops only calls made with
 * that ctx; a ctx without a flag is never interrupted. */
START_TEST(interrupt_is_per_context)
{
  volatile sig_atomic_t fa = 0, fb = 0;
  struct s2i_ctx a, b, none;
  struct s2i_error *err = NULL;

  s2i_ctx_init(&a);
  s2i_ctx_init(&b);
  s2i_ctx_init(&none);
  a.interrupted = &fa;
  b.interrupted = &fb;
  fa = SIGTERM;
  ck_assert_int_eq(s2i_ctx_interrupted(&a), SIGTERM);
  ck_assert_int_eq(s2i_ctx_interrupted(&b), 0);
  ck_assert_int_eq(s2i_ctx_check_interrupt(&b, &err), 0);
  ck_assert_int_eq(s2i_ctx_check_interrupt(&none, &err), 0);
  ck_assert_ptr_null(err);
  ck_assert_int_lt(s2i_ctx_check_interrupt(&a, &err), 0);
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  ck_assert_ptr_nonnull(strstr(err->msg, "signal 15"));
  s2i_error_free(err);
}
END_TEST

static Suite *log_suite(void)
{
  return tu_suite("log", 0, NULL,
                  TU_TESTS(steps_and_quiet, two_contexts_are_independent,
                           interrupt_is_per_context));
}

TU_MAIN(log_suite)
