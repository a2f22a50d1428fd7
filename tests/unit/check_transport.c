/* Image references split into transport, path and selector as skopeo
 * spells them; an unknown transport is refused naming the known ones. */
#include "testutil.h"

#include "cleanup.h"
#include "transport.h"

static void parses(const char *ref, const char *transport, const char *path,
                   const char *sel)
{
  cleanup_imageref struct s2i_imageref *r = NULL;
  struct s2i_error *err = NULL;

  ck_assert_msg(s2i_transport_parse(&r, ref, &err) == 0, "%s: %s", ref,
                err ? err->msg : "?");
  if (transport)
    ck_assert_str_eq(r->transport, transport);
  else
    ck_assert_ptr_null(r->transport);
  ck_assert_str_eq(r->path, path);
  if (sel)
    ck_assert_str_eq(r->sel, sel);
  else
    ck_assert_ptr_null(r->sel);
}

START_TEST(transports)
{
  parses("docker-archive:/b/x.tar", "docker-archive", "/b/x.tar", NULL);
  parses("docker-archive:/b/x.tar:app:1", "docker-archive", "/b/x.tar",
         "app:1");
  parses("oci-archive:x.tar", "oci-archive", "x.tar", NULL);
  parses("oci:/store:python", "oci", "/store", "python");
  parses("oci:/store", "oci", "/store", NULL);
  parses("docker://quay.io/ns/img:1", "docker", "quay.io/ns/img:1", NULL);
  parses("builder.tar", NULL, "builder.tar", NULL);
}
END_TEST

START_TEST(unknown_transport_refused)
{
  struct s2i_imageref *r = NULL;
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_transport_parse(&r, "containers-storage:x", &err), &err,
                  "containers-storage:x");
  ck_assert_ptr_null(r);
}
END_TEST

static Suite *transport_suite(void)
{
  return tu_suite("transport", 0, NULL,
                  TU_TESTS(transports, unknown_transport_refused));
}

TU_MAIN(transport_suite)
