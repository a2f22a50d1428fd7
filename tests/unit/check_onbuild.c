/* ONBUILD triggers: parsing as docker records them, ENV/LABEL pairs, the
 * original's entrypoint guess (onbuild/entrypoint_test.go
 * TestGuessEntrypoint) and its ONBUILD USER check (docker/util.go
 * CheckAllowedUser). */
#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "onbuild.h"

START_TEST(parse_triggers)
{
  cleanup_image struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_onbuild ob;
  struct s2i_error *err = NULL;

  s2i_image_add_onbuild(img, "RUN touch /x");
  s2i_image_add_onbuild(img, "run [\"/bin/true\", \"a b\"]");
  s2i_image_add_onbuild(img, "COPY --chown=1001 . /tmp/src/");
  s2i_image_add_onbuild(img, "ADD [\"a\", \"b c\", \"/d/\"]");
  s2i_image_add_onbuild(img, "HEALTHCHECK NONE");
  ck_assert_int_eq(s2i_onbuild_parse(&ob, img, &err), 0);
  ck_assert_uint_eq(ob.n, 5);
  ck_assert_int_eq(ob.v[0].kind, S2I_ONBUILD_RUN);
  ck_assert_str_eq(ob.v[0].args, "touch /x");
  ck_assert_uint_eq(ob.v[0].argv.n, 0); /* shell form */
  ck_assert_int_eq(ob.v[1].kind, S2I_ONBUILD_RUN);
  ck_assert_str_eq(ob.v[1].argv.v[1], "a b");
  ck_assert_str_eq(ob.v[2].chown, "1001");
  ck_assert_str_eq(ob.v[2].argv.v[0], ".");
  ck_assert_str_eq(ob.v[2].argv.v[1], "/tmp/src/");
  ck_assert_uint_eq(ob.v[3].argv.n, 3);
  ck_assert_str_eq(ob.v[3].argv.v[1], "b c");
  ck_assert_int_eq(ob.v[4].kind, S2I_ONBUILD_OTHER);
  s2i_onbuild_free(&ob);
}
END_TEST

START_TEST(refused_triggers)
{
  cleanup_image struct s2i_image *a = s2i_image_new_scratch();
  cleanup_image struct s2i_image *b = s2i_image_new_scratch();
  struct s2i_onbuild ob;
  struct s2i_error *err = NULL;

  s2i_image_add_onbuild(a, "COPY --from=build /x /y");
  tu_assert_error(s2i_onbuild_parse(&ob, a, &err), &err,
                  "the flag --from=build is not supported");
  s2i_onbuild_free(&ob);
  s2i_image_add_onbuild(b, "ADD https://example.com/x /y");
  tu_assert_error(s2i_onbuild_parse(&ob, b, &err), &err, "no URL");
  s2i_onbuild_free(&ob);
}
END_TEST

START_TEST(pairs)
{
  cleanup_strv struct s2i_strv v = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_onbuild_pairs(&v, "A=b C=\"d e\" F='g h'", 1, &err), 0);
  ck_assert_uint_eq(v.n, 3);
  ck_assert_str_eq(v.v[1], "C=d e");
  ck_assert_str_eq(v.v[2], "F=g h");
  s2i_strv_free(&v);
  ck_assert_int_eq(s2i_onbuild_pairs(&v, "NAME the rest  here", 1, &err), 0);
  ck_assert_str_eq(v.v[0], "NAME=the rest  here");
  s2i_strv_free(&v);
  tu_assert_error(s2i_onbuild_pairs(&v, "k=v bare", 0, &err), &err,
                  "\"bare\": want NAME=VALUE");
}
END_TEST

/* TestGuessEntrypoint */
START_TEST(guess_entrypoint)
{
  cleanup_free char *dir = tu_tmpdir();
  cleanup_free char *none = NULL, *got = NULL, *got2 = NULL;

  tu_write(dir, "run.py", "x", 0755); /* not a valid name */
  tu_write(dir, "start", "x", 0644);  /* not executable */
  tu_write(dir, "execute.sh", "x", 0755);
  none = s2i_onbuild_guess_entrypoint("/nonexistent-dir");
  ck_assert_ptr_null(none);
  got = s2i_onbuild_guess_entrypoint(dir);
  ck_assert_str_eq(got, "execute.sh");
  tu_write(dir, "exec", "x", 0755); /* sorts first */
  got2 = s2i_onbuild_guess_entrypoint(dir);
  ck_assert_str_eq(got2, "exec");
  tu_rmdir(xstrdup(dir));
}
END_TEST

START_TEST(allowed_users)
{
  cleanup_image struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_onbuild ob;
  struct s2i_error *err = NULL;

  s2i_image_add_onbuild(img, "USER 1001:0");
  s2i_image_add_onbuild(img, "USER root");
  ck_assert_int_eq(s2i_onbuild_parse(&ob, img, &err), 0);
  ck_assert_int_eq(s2i_onbuild_check_users(&ob, NULL, "img", &err), 0);
  ob.n = 1; /* only USER 1001:0 */
  ck_assert_int_eq(s2i_onbuild_check_users(&ob, "1-", "img", &err), 0);
  ob.n = 2;
  tu_assert_error(s2i_onbuild_check_users(&ob, "1-", "img", &err), &err,
                  "image \"img\" includes at least one ONBUILD instruction "
                  "that sets the user to a user that is not allowed");
  s2i_onbuild_free(&ob);
}
END_TEST

/* Docker's ProcessWord, the forms ONBUILD builders use */
START_TEST(expand_variables)
{
  cleanup_image struct s2i_image *img = s2i_image_new_scratch();
  cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  s2i_image_set_env(img, "APP_ROOT=/opt/app-root");
  s2i_image_set_env(img, "EMPTY=");
  a = s2i_onbuild_expand(". $APP_ROOT/src ${APP_ROOT}/x", img);
  ck_assert_str_eq(a, ". /opt/app-root/src /opt/app-root/x");
  b = s2i_onbuild_expand("${NOPE:-/def} ${EMPTY:-e} ${APP_ROOT:+set}", img);
  ck_assert_str_eq(b, "/def e set");
  c = s2i_onbuild_expand("\\$APP_ROOT $NOPE.", img);
  ck_assert_str_eq(c, "$APP_ROOT .");
  d = s2i_onbuild_expand("cost: $5 $", img);
  ck_assert_str_eq(d, "cost: $5 $");
}
END_TEST

static Suite *onbuild_suite(void)
{
  return tu_suite("onbuild", 0, NULL,
                  TU_TESTS(parse_triggers, refused_triggers, pairs,
                           guess_entrypoint, allowed_users, expand_variables));
}

TU_MAIN(onbuild_suite)
