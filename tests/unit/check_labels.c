/* The labels a build puts on its image, and the ones assemble asks for in
 * .s2i/image_metadata.json. */
#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "labels.h"

static size_t n_labels(const struct s2i_image *img)
{
  return json_object_size(
      json_object_get(json_object_get(img->config, "config"), "Labels"));
}

START_TEST(apply_git_build)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_commit_info c = {
      .id = "0123456789abcdef0123456789abcdef01234567",
      .ref = "main",
      .author = "A U Thor <a@example.com>",
      .date = "Mon Jan 2 15:04:05 2006 -0700",
      .message = "Fix the thing",
  };
  struct s2i_label_facts f = {
      .builder = "docker-archive:builder.tar",
      .location = "https://example.com/app.git",
      .context_dir = "web",
      .commit = &c,
      .tag = "app:1",
  };

  s2i_labels_apply(img, &f);
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.image"),
                   "docker-archive:builder.tar");
  ck_assert_str_eq(
      s2i_image_label(img, "io.openshift.s2i.build.source-location"),
      "https://example.com/app.git");
  ck_assert_str_eq(
      s2i_image_label(img, "io.openshift.s2i.build.source-context-dir"), "web");
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.commit.id"),
                   c.id);
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.commit.ref"),
                   "main");
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.commit.author"),
                   "A U Thor <a@example.com>");
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.commit.date"),
                   "Mon Jan 2 15:04:05 2006 -0700");
  ck_assert_str_eq(
      s2i_image_label(img, "io.openshift.s2i.build.commit.message"),
      "Fix the thing");
  ck_assert_str_eq(s2i_image_label(img, "io.k8s.display-name"), "app:1");
  ck_assert_uint_eq(n_labels(img), 9);
  s2i_image_free(img);
}
END_TEST

START_TEST(apply_plain_dir_no_context)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_label_facts f = {
      .builder = "builder.tar",
      .location = "/src/app",
      .context_dir = "",
      .commit = NULL,
      .tag = "app:latest",
  };

  s2i_labels_apply(img, &f);
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.build.image"),
                   "builder.tar");
  ck_assert_str_eq(
      s2i_image_label(img, "io.openshift.s2i.build.source-location"),
      "/src/app");
  ck_assert_str_eq(s2i_image_label(img, "io.k8s.display-name"), "app:latest");
  ck_assert_ptr_null(
      s2i_image_label(img, "io.openshift.s2i.build.source-context-dir"));
  ck_assert_ptr_null(s2i_image_label(img, "io.openshift.s2i.build.commit.id"));
  ck_assert_ptr_null(
      s2i_image_label(img, "io.openshift.s2i.build.commit.message"));
  ck_assert_uint_eq(n_labels(img), 3);

  /* NULL context dir: omitted as well */
  f.context_dir = NULL;
  s2i_image_free(img);
  img = s2i_image_new_scratch();
  s2i_labels_apply(img, &f);
  ck_assert_ptr_null(
      s2i_image_label(img, "io.openshift.s2i.build.source-context-dir"));
  ck_assert_uint_eq(n_labels(img), 3);
  s2i_image_free(img);
}
END_TEST

START_TEST(metadata_good_file)
{
  char *dir = tu_tmpdir();
  cleanup_free char *p = s2i_fs_join(dir, "image_metadata.json");
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_error *err = NULL;

  s2i_image_set_label(img, "keep", "me");
  s2i_image_set_label(img, "replace", "old");
  tu_write(dir, "image_metadata.json",
           "{\"labels\": [{\"a\": \"1\"}, {\"b\": \"two\", \"replace\": "
           "\"new\"}]}\n",
           0644);
  ck_assert_int_eq(s2i_labels_load_metadata(img, p, &err), 0);
  ck_assert_ptr_null(err);
  ck_assert_str_eq(s2i_image_label(img, "a"), "1");
  ck_assert_str_eq(s2i_image_label(img, "b"), "two");
  ck_assert_str_eq(s2i_image_label(img, "replace"), "new");
  ck_assert_str_eq(s2i_image_label(img, "keep"), "me");
  ck_assert_uint_eq(n_labels(img), 4);

  /* no "labels" key at all: nothing added */
  tu_write(dir, "image_metadata.json", "{\"other\": 1}", 0644);
  ck_assert_int_eq(s2i_labels_load_metadata(img, p, &err), 0);
  ck_assert_uint_eq(n_labels(img), 4);
  s2i_image_free(img);
  tu_rmdir(dir);
}
END_TEST

START_TEST(metadata_missing_is_noop)
{
  char *dir = tu_tmpdir();
  cleanup_free char *p = s2i_fs_join(dir, "nope/image_metadata.json");
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_labels_load_metadata(img, p, &err), 0);
  ck_assert_ptr_null(err);
  ck_assert_uint_eq(n_labels(img), 0);
  s2i_image_free(img);
  tu_rmdir(dir);
}
END_TEST

START_TEST(metadata_errors_name_file)
{
  char *dir = tu_tmpdir();
  cleanup_free char *p = s2i_fs_join(dir, "image_metadata.json");
  cleanup_free char *at_line = NULL;
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_error *err = NULL;

  tu_write(dir, "image_metadata.json", "{\n\"labels\": [\n{\"a\": }\n]}\n",
           0644);
  at_line = xasprintf("%s: invalid JSON at line 3", p);
  tu_assert_error(s2i_labels_load_metadata(img, p, &err), &err, at_line);

  tu_write(dir, "image_metadata.json", "{\"labels\": {\"a\": \"1\"}}", 0644);
  tu_assert_error(s2i_labels_load_metadata(img, p, &err), &err, p);
  tu_write(dir, "image_metadata.json", "{\"labels\": {\"a\": \"1\"}}", 0644);
  tu_assert_error(s2i_labels_load_metadata(img, p, &err), &err,
                  "\"labels\" must be an array");

  tu_write(dir, "image_metadata.json", "{\"labels\": [\"a=1\"]}", 0644);
  tu_assert_error(s2i_labels_load_metadata(img, p, &err), &err,
                  "items must be objects");

  tu_write(dir, "image_metadata.json", "{\"labels\": [{\"port\": 8080}]}",
           0644);
  ck_assert_int_lt(s2i_labels_load_metadata(img, p, &err), 0);
  ck_assert_ptr_nonnull(strstr(err->msg, p));
  ck_assert_ptr_nonnull(strstr(err->msg, "label \"port\" must be a string"));
  s2i_error_free(err);
  err = NULL;
  ck_assert_ptr_null(s2i_image_label(img, "port"));
  s2i_image_free(img);
  tu_rmdir(dir);
}
END_TEST

static Suite *labels_suite(void)
{
  return tu_suite("labels", 0, NULL,
                  TU_TESTS(apply_git_build, apply_plain_dir_no_context,
                           metadata_good_file, metadata_missing_is_noop,
                           metadata_errors_name_file));
}

TU_MAIN(labels_suite)
