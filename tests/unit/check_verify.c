/* s2i verify's pure parts: which port to probe, reading /proc/PID/stat
 * lines for zombies, and the table a person reads. */
#include "testutil.h"

#include "image.h"
#include "verify.h"

START_TEST(port_from_label)
{
  ck_assert_int_eq(s2i_verify_port_from_label("8080:http"), 8080);
  ck_assert_int_eq(s2i_verify_port_from_label("8443/tcp:https,8080:http"),
                   8443);
  ck_assert_int_eq(s2i_verify_port_from_label("3000"), 3000);
  ck_assert_int_eq(s2i_verify_port_from_label(" 9000:web"), 9000);
  /* a bad or UDP first entry: the next one */
  ck_assert_int_eq(s2i_verify_port_from_label("http:8080,8081:http"), 8081);
  ck_assert_int_eq(s2i_verify_port_from_label("53/udp:dns,8080:http"), 8080);
  ck_assert_int_eq(s2i_verify_port_from_label("0:x"), 0);
  ck_assert_int_eq(s2i_verify_port_from_label("70000:x"), 0);
  ck_assert_int_eq(s2i_verify_port_from_label(""), 0);
  ck_assert_int_eq(s2i_verify_port_from_label(NULL), 0);
}
END_TEST

START_TEST(port_from_config)
{
  struct s2i_image *img = s2i_image_new_scratch();

  ck_assert_int_eq(s2i_verify_exposed_port(img), 0);
  s2i_image_expose(img, "53/udp");
  ck_assert_int_eq(s2i_verify_exposed_port(img), 0);
  s2i_image_expose(img, "9090/tcp");
  s2i_image_expose(img, "8080/tcp");
  ck_assert_int_eq(s2i_verify_exposed_port(img), 8080); /* lowest TCP */
  s2i_image_set_label(img, "io.openshift.expose-services", "9090:http");
  ck_assert_int_eq(s2i_verify_exposed_port(img), 9090); /* the label wins */
  s2i_image_free(img);
}
END_TEST

static const char stats[] = "1 (init) S 0 1 1 0 -1 4194560 1203 0 0 0\n"
                            "7 (httpd) S 1 1 1 0 -1 4194560 1203 0 0 0\n"
                            "12 (sleep) Z 1 12 12 0 -1 4194560 0 0 0 0\n"
                            "13 (odd) name)) Z 1 13 13 0 -1 0 0 0 0 0\n"
                            "garbage\n"
                            "14 (sh) R 0 14 14 0 -1 4194560 1096 0 0 0";

START_TEST(zombies_found)
{
  char *names = NULL, *pid1 = NULL;

  ck_assert_int_eq(s2i_verify_zombies(stats, &names, &pid1), 2);
  ck_assert_str_eq(names, "sleep (pid 12), odd) name) (pid 13)");
  ck_assert_str_eq(pid1, "init");
  free(names);
  free(pid1);
}
END_TEST

START_TEST(zombies_none)
{
  char *names = NULL, *pid1 = NULL;

  ck_assert_int_eq(
      s2i_verify_zombies("1 (httpd) S 0 1\n14 (sh) R 0\n", &names, &pid1), 0);
  ck_assert_ptr_null(names);
  ck_assert_str_eq(pid1, "httpd");
  free(pid1);
  ck_assert_int_eq(s2i_verify_zombies("", &names, &pid1), 0);
  ck_assert_ptr_null(pid1);
}
END_TEST

static struct s2i_verify_report *sample(void)
{
  struct s2i_verify_report *r = xcalloc(1, sizeof(*r));

  r->image = xstrdup("site.tar");
  r->user = xstrdup("1000650042:0");
  r->command = xstrdup("/init -- /run");
  r->rows[0] =
      (struct s2i_verify_row){"answers HTTP", S2I_VERIFY_PASS,
                              xstrdup("port 8080: GET / answered 200")};
  r->rows[1] = (struct s2i_verify_row){"PID 1 reaps orphans", S2I_VERIFY_FAIL,
                                       xstrdup("PID 1 (sleep) left 1 zombie")};
  r->rows[2] = (struct s2i_verify_row){"TMPDIR writable", S2I_VERIFY_SKIP,
                                       xstrdup("no sh in the image")};
  r->n_rows = 3;
  return r;
}

START_TEST(render_table)
{
  struct s2i_verify_report *r = sample();
  char *t = s2i_verify_render(r, 0);

  ck_assert_ptr_nonnull(strstr(t, "s2i verify site.tar\n"));
  ck_assert_ptr_nonnull(strstr(t, "  ran as 1000650042:0"));
  ck_assert_ptr_nonnull(strstr(t, "  command: /init -- /run\n"));
  /* columns line up: the widest check name sets the width */
  ck_assert_ptr_nonnull(strstr(t, "\n  CHECK                RESULT  DETAIL\n"));
  ck_assert_ptr_nonnull(strstr(
      t, "\n  answers HTTP         PASS    port 8080: GET / answered 200\n"));
  ck_assert_ptr_nonnull(strstr(
      t, "\n  PID 1 reaps orphans  FAIL    PID 1 (sleep) left 1 zombie\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "\n  TMPDIR writable      SKIP    no sh in the image\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "\nchecks passed 1 of 3 (failed 1, skipped 1)\n"));
  ck_assert(!s2i_verify_all_passed(r));
  free(t);
  s2i_verify_report_free(r);
}
END_TEST

START_TEST(render_quiet)
{
  struct s2i_verify_report *r = sample();
  char *t = s2i_verify_render(r, 1);

  ck_assert_str_eq(
      t, "  PID 1 reaps orphans  FAIL    PID 1 (sleep) left 1 zombie\n"
         "  TMPDIR writable      SKIP    no sh in the image\n");
  free(t);
  r->rows[1].result = S2I_VERIFY_PASS;
  r->rows[2].result = S2I_VERIFY_PASS;
  ck_assert(s2i_verify_all_passed(r));
  t = s2i_verify_render(r, 1);
  ck_assert_str_eq(t, "");
  free(t);
  s2i_verify_report_free(r);
}
END_TEST

static Suite *verify_suite(void)
{
  return tu_suite("verify", 0, NULL,
                  TU_TESTS(port_from_label, port_from_config, zombies_found,
                           zombies_none, render_table, render_quiet));
}

TU_MAIN(verify_suite)
