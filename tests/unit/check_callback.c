/* The callback's body, as the original sends it, and a callback that
 * cannot be delivered reported as -1 (the build's result is not touched:
 * tests/cli/test_callback.sh). */
#include "testutil.h"

#include "callback.h"
#include "cleanup.h"

START_TEST(body_success_with_labels)
{
  json_t *labels = json_pack("{s:s,s:s}", "b", "2", "a", "1");
  cleanup_free char *body = s2i_callback_body(1, labels);

  ck_assert_str_eq(body, "{\"labels\":{\"a\":\"1\",\"b\":\"2\"},"
                         "\"success\":true}");
  json_decref(labels);
}
END_TEST

START_TEST(body_failure_without_labels)
{
  json_t *empty = json_object();
  cleanup_free char *a = s2i_callback_body(0, NULL);
  cleanup_free char *b = s2i_callback_body(0, empty);

  ck_assert_str_eq(a, "{\"success\":false}");
  ck_assert_str_eq(b, "{\"success\":false}"); /* no empty "labels" */
  json_decref(empty);
}
END_TEST

START_TEST(unreachable_is_minus_one)
{
  struct s2i_ctx ctx = *tu_ctx();
  int port;
  int fd = tu_listen_loopback(&port);
  cleanup_free char *url = NULL;

  close(fd); /* the port was the kernel's to give; nothing listens now */
  url = xasprintf("http://127.0.0.1:%d/x", port);
  ctx.quiet = 1;
  ck_assert_int_eq(s2i_callback_post(&ctx, url, 1, NULL), -1);
  ck_assert_int_eq(s2i_callback_post(&ctx, "ftp://127.0.0.1/x", 1, NULL), -1);
}
END_TEST

static Suite *callback_suite(void)
{
  return tu_suite("callback", 30, NULL,
                  TU_TESTS(body_success_with_labels,
                           body_failure_without_labels,
                           unreachable_is_minus_one));
}

TU_MAIN(callback_suite)
