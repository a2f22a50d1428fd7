/* hooks/state.c: build history, queue, deliveries and deploy state in
 * SQLite, kept across a reopen (a restart). */
#include "state.h"
#include "testutil.h"

static struct hooks_state *open_in(const char *dir)
{
  struct hooks_state *st = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(hooks_state_open(&st, dir, &err), 0);
  return st;
}

static int64_t add(struct hooks_state *st, const char *app, const char *c)
{
  struct hooks_build b = {
      .app = (char *)app, .trigger = "test", .commit = (char *)c};
  int64_t id = 0;

  ck_assert_int_eq(hooks_state_add_build(st, &id, &b, NULL), 0);
  return id;
}

START_TEST(test_queue_and_history)
{
  char *dir = tu_tmpdir();
  struct hooks_state *st = open_in(dir);
  struct hooks_build b;
  json_t *list = NULL;
  int64_t id = add(st, "a", "c1"), other = add(st, "b", NULL), n = 0;

  ck_assert_int_eq(hooks_state_next_queued(st, "a", &b, NULL), 1);
  ck_assert_int_eq(b.id, id);
  ck_assert_str_eq(b.status, "queued");
  hooks_build_clear(&b);
  ck_assert_int_eq(hooks_state_retarget(st, id, "c2", "newer", NULL, NULL), 0);
  ck_assert_int_eq(hooks_state_start(st, id, NULL), 0);
  ck_assert_int_eq(hooks_state_next_queued(st, "a", &b, NULL), 0);
  ck_assert_int_eq(
      hooks_state_finish(st, id, "succeeded", "sha256:x", NULL, NULL), 0);
  ck_assert_int_eq(hooks_state_get(st, "a", id, &b, NULL), 1);
  ck_assert_str_eq(b.commit, "c2");
  ck_assert_str_eq(b.trigger, "newer");
  ck_assert_str_eq(b.status, "succeeded");
  ck_assert_int_gt(b.finished_at, 0);
  hooks_build_clear(&b);
  ck_assert_int_eq(hooks_state_get(st, "a", other, &b, NULL), 0);
  ck_assert_int_eq(hooks_state_list(st, "a", 10, &list, NULL), 0);
  ck_assert_int_eq(json_array_size(list), 1);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(list, 0), "digest")),
      "sha256:x");
  json_decref(list);
  ck_assert_int_eq(hooks_state_count(st, NULL, "queued", &n, NULL), 0);
  ck_assert_int_eq(n, 1);
  hooks_state_free(st);
  tu_rmdir(dir);
}
END_TEST

START_TEST(test_recover_after_kill)
{
  char *dir = tu_tmpdir();
  struct hooks_state *st = open_in(dir);
  int64_t done = add(st, "a", "c0"), run = add(st, "a", "c1");
  int64_t queued = add(st, "b", "c2");
  struct hooks_build b;

  hooks_state_start(st, done, NULL);
  hooks_state_finish(st, done, "failed", NULL, "why", NULL);
  hooks_state_start(st, run, NULL);
  hooks_state_free(st); /* as a kill -9 leaves it: no clean close needed */
  st = open_in(dir);
  ck_assert_int_eq(hooks_state_recover(st, NULL), 1);
  ck_assert_int_eq(hooks_state_get(st, "a", run, &b, NULL), 1);
  ck_assert_str_eq(b.status, "failed");
  ck_assert_ptr_nonnull(strstr(b.reason, "stopped during the build"));
  hooks_build_clear(&b);
  ck_assert_int_eq(hooks_state_next_queued(st, "a", &b, NULL), 1);
  ck_assert_int_gt(b.id, queued);
  ck_assert_str_eq(b.commit, "c1");
  hooks_build_clear(&b);
  ck_assert_int_eq(hooks_state_next_queued(st, "b", &b, NULL), 1);
  ck_assert_int_eq(b.id, queued);
  hooks_build_clear(&b);
  ck_assert_int_eq(hooks_state_get(st, "a", done, &b, NULL), 1);
  ck_assert_str_eq(b.reason, "why");
  hooks_build_clear(&b);
  hooks_state_free(st);
  tu_rmdir(dir);
}
END_TEST

START_TEST(test_deliveries_and_deploys)
{
  char *dir = tu_tmpdir();
  struct hooks_state *st = open_in(dir);
  struct hooks_deployed d = {.commit = "c",
                             .image = "img",
                             .container = "ct",
                             .port = 1234,
                             .build_id = 7,
                             .at = 99};
  int64_t id = 0;

  ck_assert_int_eq(hooks_state_delivery(st, "a", "d1", &id, NULL), 0);
  ck_assert_int_eq(hooks_state_add_delivery(st, "a", "d1", 5, NULL), 0);
  ck_assert_int_eq(hooks_state_add_delivery(st, "a", "d1", 6, NULL), 0);
  ck_assert_int_eq(hooks_state_delivery(st, "a", "d1", &id, NULL), 1);
  ck_assert_int_eq(id, 5);
  ck_assert_int_eq(hooks_state_delivery(st, "b", "d1", &id, NULL), 0);
  ck_assert_int_eq(hooks_state_set_deployed(st, "a", &d, NULL), 0);
  memset(&d, 0, sizeof(d));
  ck_assert_int_eq(hooks_state_get_deployed(st, "a", &d, NULL), 1);
  ck_assert_str_eq(d.container, "ct");
  ck_assert_int_eq(d.port, 1234);
  hooks_deployed_clear(&d);
  ck_assert_int_eq(hooks_state_get_deployed(st, "b", &d, NULL), 0);
  hooks_state_free(st);
  tu_rmdir(dir);
}
END_TEST

static Suite *state_suite(void)
{
  return tu_suite("hooks_state", 0, NULL,
                  TU_TESTS(test_queue_and_history, test_recover_after_kill,
                           test_deliveries_and_deploys));
}

TU_MAIN(state_suite)
