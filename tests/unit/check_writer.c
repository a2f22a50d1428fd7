/* The image writer: layout and order of the tarball, reproducible bytes,
 * tag rules, and nothing left at PATH when a write fails. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <signal.h>

#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "store.h"
#include "writer.h"

static char *dir;
static struct s2i_store *store;
static struct s2i_image *img;

static void setup(void)
{
  static const char layer[] = "not really a tar, but bytes are bytes";
  struct s2i_error *err = NULL;
  cleanup_free char *root = NULL;
  struct s2i_layer l = {.media_type = S2I_MEDIA_OCI_LAYER};

  dir = tu_tmpdir();
  root = s2i_fs_join(dir, "store");
  ck_assert_int_eq(s2i_store_open(&store, root, &err), 0);
  ck_assert_int_eq(
      s2i_store_put(store, layer, sizeof(layer) - 1, l.digest, &err), 0);
  memcpy(l.diff_id, l.digest, sizeof(l.digest));
  l.size = sizeof(layer) - 1;
  img = s2i_image_new_scratch();
  s2i_image_set_label(img, "b", "2");
  s2i_image_set_label(img, "a", "1");
  s2i_image_add_layer(img, &l, "layer one");
}

static void teardown(void)
{
  s2i_image_free(img);
  s2i_store_free(store);
  tu_rmdir(dir);
}

/* Every entry of a tarball, "name\n" each, plus checks on each header. */
static char *list_tar(const char *path, char **index, char **docker)
{
  struct archive *a = archive_read_new();
  struct archive_entry *e;
  char *names = xstrdup("");

  archive_read_support_format_tar(a);
  ck_assert_int_eq(archive_read_open_filename(a, path, 8192), ARCHIVE_OK);
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    const char *n = archive_entry_pathname(e);
    char *more = xasprintf("%s%s\n", names, n);
    char **keep = strcmp(n, "index.json") == 0      ? index
                  : strcmp(n, "manifest.json") == 0 ? docker
                                                    : NULL;
    free(names);
    names = more;
    ck_assert_int_eq(archive_entry_mtime(e), 0);
    ck_assert_int_eq(archive_entry_uid(e), 0);
    ck_assert(archive_entry_uname(e) == NULL || !*archive_entry_uname(e));
    ck_assert(archive_entry_gname(e) == NULL || !*archive_entry_gname(e));
    if (keep) {
      *keep = xcalloc(1, (size_t)archive_entry_size(e) + 1);
      archive_read_data(a, *keep, (size_t)archive_entry_size(e));
    }
  }
  archive_read_free(a);
  return names;
}

START_TEST(layout_in_order)
{
  struct s2i_error *err = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "img.tar");
  cleanup_free char *index = NULL, *docker = NULL, *names = NULL;
  cleanup_free char *cfg = s2i_writer_config_json(img);
  cleanup_free char *want = NULL;
  char md[S2I_DIGEST_LEN + 1], cd[S2I_DIGEST_LEN + 1];

  ck_assert_int_eq(s2i_writer_write_archive(tu_ctx(), img, store, "example/app",
                                            path, md, &err),
                   0);
  s2i_digest_buffer(cfg, strlen(cfg), cd);
  names = list_tar(path, &index, &docker);
  want = xasprintf("oci-layout\nblobs/\nblobs/sha256/\nblobs/sha256/%s\n"
                   "blobs/sha256/%s\nblobs/sha256/%s\nindex.json\n"
                   "manifest.json\n",
                   s2i_digest_hex(img->layers[0].digest), s2i_digest_hex(cd),
                   s2i_digest_hex(md));
  ck_assert_str_eq(names, want);
  ck_assert_ptr_nonnull(
      strstr(docker, "\"RepoTags\":[\"example/app:latest\"]"));
  ck_assert_ptr_nonnull(
      strstr(index, "\"io.containerd.image.name\":\"example/app:latest\""));
  ck_assert_ptr_nonnull(strstr(
      index, "\"org.opencontainers.image.ref.name\":\"example/app:latest\""));
  ck_assert_ptr_nonnull(strstr(index, md));
  /* canonical config: sorted keys, compact */
  ck_assert_ptr_nonnull(strstr(cfg, "\"Labels\":{\"a\":\"1\",\"b\":\"2\"}"));
}
END_TEST

START_TEST(reproducible)
{
  struct s2i_error *err = NULL;
  cleanup_free char *p1 = s2i_fs_join(dir, "one.tar");
  cleanup_free char *p2 = s2i_fs_join(dir, "two.tar");
  cleanup_free char *b1 = NULL, *b2 = NULL;
  size_t n1, n2;

  ck_assert_int_eq(
      s2i_writer_write_archive(tu_ctx(), img, store, "r:1", p1, NULL, &err), 0);
  tu_next_second(); /* a wall-clock time leaking into the bytes would show */
  ck_assert_int_eq(
      s2i_writer_write_archive(tu_ctx(), img, store, "r:1", p2, NULL, &err), 0);
  ck_assert_int_eq(s2i_fs_read_file(&b1, &n1, p1, &err), 0);
  ck_assert_int_eq(s2i_fs_read_file(&b2, &n2, p2, &err), 0);
  ck_assert_uint_eq(n1, n2);
  ck_assert(memcmp(b1, b2, n1) == 0);
}
END_TEST

static int leftovers(void)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;

  while ((de = readdir(d)) != NULL)
    if (strstr(de->d_name, ".tmp-") || strcmp(de->d_name, "out.tar") == 0)
      n++;
  return n;
}

START_TEST(missing_layer_leaves_nothing)
{
  struct s2i_error *err = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "out.tar");
  struct s2i_layer l = {.media_type = S2I_MEDIA_OCI_LAYER, .size = 3};

  s2i_digest_buffer("abc", 3, l.digest);
  memcpy(l.diff_id, l.digest, sizeof(l.digest));
  s2i_image_add_layer(img, &l, "not stored");
  ck_assert_int_lt(
      s2i_writer_write_archive(tu_ctx(), img, store, "x", path, NULL, &err), 0);
  ck_assert_ptr_nonnull(strstr(err->msg, path));
  ck_assert_ptr_nonnull(strstr(err->msg, l.digest));
  s2i_error_free(err);
  ck_assert_int_eq(leftovers(), 0);
}
END_TEST

START_TEST(interrupt_leaves_nothing)
{
  struct s2i_error *err = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "out.tar");

  tu_interrupted = SIGINT;
  ck_assert_int_lt(
      s2i_writer_write_archive(tu_ctx(), img, store, "x", path, NULL, &err), 0);
  tu_interrupted = 0;
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  s2i_error_free(err);
  ck_assert_int_eq(leftovers(), 0);
}
END_TEST

START_TEST(inconsistent_config_refused)
{
  struct s2i_error *err = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "out.tar");
  json_t *ids =
      json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");

  json_array_clear(ids);
  tu_assert_error(
      s2i_writer_write_archive(tu_ctx(), img, store, "x", path, NULL, &err),
      &err, "diff_ids");
  ck_assert_int_eq(leftovers(), 0);
}
END_TEST

START_TEST(tags)
{
  static const char *const good[] = {"a",
                                     "a:1",
                                     "my-site:1.0_rc",
                                     "localhost/x:latest",
                                     "localhost:5000/team/app__x:v2",
                                     "registry.example.com/a/b.c-d"};
  static const char *const bad[] = {
      "",   "App:1", "a:",    "a:-x",        "a@sha256:00",
      "-a", "a//b",  "a:b/c", "host:port/x", "a..b"};
  struct s2i_error *err = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "t.tar");

  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    ck_assert_msg(s2i_writer_write_archive(tu_ctx(), img, store, good[i], path,
                                           NULL, &err) == 0,
                  "%s: %s", good[i], err ? err->msg : "");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_int_lt(s2i_writer_write_archive(tu_ctx(), img, store, bad[i],
                                              path, NULL, &err),
                     0);
    ck_assert_msg(strstr(err->msg, "invalid tag"), "%s: %s", bad[i], err->msg);
    s2i_error_free(err);
    err = NULL;
  }
}
END_TEST

static Suite *writer_suite(void)
{
  TCase *tc;
  Suite *s = tu_suite(
      "writer", 0, &tc,
      TU_TESTS(layout_in_order, reproducible, missing_layer_leaves_nothing,
               interrupt_leaves_nothing, inconsistent_config_refused, tags));

  tcase_add_checked_fixture(tc, setup, teardown);
  return s;
}

TU_MAIN(writer_suite)
