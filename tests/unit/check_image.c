/* The image model: scratch config, accessors and setters on config.config,
 * layers kept consistent with rootfs.diff_ids and history, and opening by
 * reference (transport parsing and its errors). */
#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "transport.h"
#include "writer.h"

START_TEST(scratch_config)
{
  struct s2i_image *img = s2i_image_new_scratch();
  cleanup_free char *json = s2i_writer_config_json(img);

  ck_assert_str_eq(json, "{\"architecture\":\"amd64\",\"config\":{},"
                         "\"history\":[],\"os\":\"linux\",\"rootfs\":"
                         "{\"diff_ids\":[],\"type\":\"layers\"}}");
  ck_assert_uint_eq(img->n_layers, 0);
  ck_assert_ptr_null(s2i_image_user(img));
  ck_assert_ptr_null(s2i_image_label(img, "x"));
  s2i_image_free(img);
}
END_TEST

START_TEST(setters_and_getters)
{
  struct s2i_image *img = s2i_image_new_scratch();
  const char *cmd[] = {"/usr/libexec/s2i/run", NULL};
  const char *ep[] = {"/usr/bin/tini", "--", NULL};
  json_t *cc;
  struct s2i_strv env = S2I_STRV_INIT;

  s2i_image_set_user(img, "1001");
  s2i_image_set_workdir(img, "/opt/app-root/src");
  s2i_image_set_label(img, "io.openshift.s2i.scripts-url",
                      "image:///usr/libexec/s2i");
  s2i_image_set_env(img, "PATH=/usr/bin");
  s2i_image_set_env(img, "HOME=/opt/app-root");
  s2i_image_set_env(img, "PATH=/opt/app-root/bin:/usr/bin");
  s2i_image_set_cmd(img, cmd);
  s2i_image_set_entrypoint(img, ep);
  s2i_image_expose(img, "8080");
  s2i_image_expose(img, "53/udp");
  ck_assert_str_eq(s2i_image_user(img), "1001");
  ck_assert_str_eq(s2i_image_workdir(img), "/opt/app-root/src");
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.scripts-url"),
                   "image:///usr/libexec/s2i");
  s2i_image_env(img, &env);
  ck_assert_uint_eq(env.n, 2);
  ck_assert_str_eq(env.v[0], "PATH=/opt/app-root/bin:/usr/bin");
  ck_assert_str_eq(env.v[1], "HOME=/opt/app-root");
  s2i_strv_free(&env);
  cc = json_object_get(img->config, "config");
  ck_assert_str_eq(
      json_string_value(json_array_get(json_object_get(cc, "Cmd"), 0)),
      "/usr/libexec/s2i/run");
  ck_assert_uint_eq(json_array_size(json_object_get(cc, "Entrypoint")), 2);
  ck_assert_ptr_nonnull(
      json_object_get(json_object_get(cc, "ExposedPorts"), "8080/tcp"));
  ck_assert_ptr_nonnull(
      json_object_get(json_object_get(cc, "ExposedPorts"), "53/udp"));
  s2i_image_set_user(img, NULL);
  ck_assert_ptr_null(s2i_image_user(img));
  s2i_image_free(img);
}
END_TEST

START_TEST(layers_stay_consistent)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_layer l = {.size = 3};
  json_t *ids, *hist;

  s2i_digest_buffer("abc", 3, l.digest);
  memcpy(l.diff_id, l.digest, sizeof(l.digest));
  s2i_image_set_created(img, 0);
  s2i_image_add_layer(img, &l, "first");
  s2i_image_set_created(img, 1700000000);
  s2i_image_add_layer(img, &l, NULL);
  ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
  hist = json_object_get(img->config, "history");
  ck_assert_uint_eq(img->n_layers, 2);
  ck_assert_uint_eq(json_array_size(ids), 2);
  ck_assert_uint_eq(json_array_size(hist), 2);
  ck_assert_str_eq(json_string_value(json_array_get(ids, 1)), l.diff_id);
  ck_assert_str_eq(img->layers[0].media_type, S2I_MEDIA_OCI_LAYER);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(hist, 0), "created")),
      "1970-01-01T00:00:00Z");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(hist, 1), "created")),
      "2023-11-14T22:13:20Z");
  ck_assert_str_eq(json_string_value(json_object_get(img->config, "created")),
                   "2023-11-14T22:13:20Z");
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(hist, 0), "created_by")),
      "first");
  s2i_image_free(img);
}
END_TEST

START_TEST(open_errors)
{
  char *dir = tu_tmpdir();
  cleanup_free char *root = s2i_fs_join(dir, "store");
  cleanup_free char *missing = s2i_fs_join(dir, "missing.tar");
  cleanup_free char *oci_ref = xasprintf("oci:%s/layout:app:1", dir);
  struct s2i_error *err = NULL;
  struct s2i_store *store = NULL;
  struct s2i_image *img = NULL;

  ck_assert_int_eq(s2i_store_open(&store, root, &err), 0);
  tu_assert_error(
      s2i_transport_open(tu_ctx(), &img, "docker://quay.io/x/Y:1", store, &err),
      &err, "invalid image reference \"quay.io/x/Y:1\"");
  tu_assert_error(
      s2i_transport_open(tu_ctx(), &img, "containers-storage:x", store, &err),
      &err, "unknown transport \"containers-storage\"");
  tu_assert_error(s2i_transport_open(tu_ctx(), &img, missing, store, &err),
                  &err, missing);
  /* oci:DIR:REF: the ref is split off, the error names the directory */
  ck_assert_int_lt(s2i_transport_open(tu_ctx(), &img, oci_ref, store, &err), 0);
  ck_assert_msg(strstr(err->msg, "/layout:") && !strstr(err->msg, "app:1"),
                "%s", err->msg);
  s2i_error_free(err);
  ck_assert_ptr_null(img);
  s2i_store_free(store);
  tu_rmdir(dir);
}
END_TEST

/* The typed cleanups free on every return; s2i_steal hands a value out. */
static struct s2i_image *image_with_layers(size_t n)
{
  cleanup_image struct s2i_image *img = s2i_image_new_scratch();
  cleanup_layer_set struct s2i_layer_set *set = s2i_layer_set_new(n);

  for (size_t i = 0; i < set->n; i++) {
    ck_assert_int_eq(set->v[i].size, -1);
    set->v[i].media_type = xstrdup(S2I_MEDIA_OCI_LAYER);
    s2i_image_add_layer(img, &set->v[i], "test");
  }
  return s2i_steal(img);
}

START_TEST(typed_cleanups)
{
  cleanup_image struct s2i_image *img = image_with_layers(3);
  cleanup_imageref struct s2i_imageref *r = NULL;
  struct s2i_error *err = NULL;

  ck_assert_uint_eq(img->n_layers, 3);
  ck_assert_int_eq(s2i_transport_parse(&r, "oci:/x/layout:app:1", &err), 0);
  ck_assert_str_eq(r->transport, "oci");
  ck_assert_str_eq(r->path, "/x/layout");
  ck_assert_str_eq(r->sel, "app:1");
}
END_TEST

static Suite *image_suite(void)
{
  return tu_suite("image", 0, NULL,
                  TU_TESTS(scratch_config, setters_and_getters,
                           layers_stay_consistent, open_errors,
                           typed_cleanups));
}

TU_MAIN(image_suite)
