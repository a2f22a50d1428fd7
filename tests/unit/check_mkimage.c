/* s2i mkimage: an image from scratch (or --from) plus directory and tarball
 * layers, with its config fields, written where s2i_image_open reads it;
 * refusals that name the culprit and leave no output behind. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>

#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "log.h"
#include "mkimage.h"
#include "store.h"
#include "transport.h"

struct fx {
  char *dir;   /* holds everything below */
  char *cache; /* the store, independent of S2I_CACHE_DIR */
  char *tree;  /* a --layer dir */
  char *tar;   /* a --layer-tar */
  char *out;   /* the --output */
  struct s2i_store *store;
  struct s2i_mkimage_layer layers[4];
  struct s2i_mkimage_opts o;
};

/* An uncompressed (or gzip) layer tar with one file. */
static void write_tar(const char *path, const char *name, const char *text,
                      int gzip)
{
  struct archive *a = archive_write_new();
  struct archive_entry *e = archive_entry_new();
  size_t len = strlen(text);

  archive_write_set_format_pax_restricted(a);
  if (gzip)
    archive_write_add_filter_gzip(a);
  ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  archive_entry_set_mtime(e, 1600000000, 0);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  ck_assert_int_eq(archive_write_data(a, text, len), (la_ssize_t)len);
  ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
  archive_entry_free(e);
  archive_write_free(a);
}

static void fx_open(struct fx *f)
{
  struct s2i_error *err = NULL;

  memset(f, 0, sizeof(*f));
  f->dir = tu_tmpdir();
  f->cache = s2i_fs_join(f->dir, "cache");
  f->tree = s2i_fs_join(f->dir, "tree");
  f->tar = s2i_fs_join(f->dir, "layer.tar");
  f->out = s2i_fs_join(f->dir, "out/image.tar");
  tu_write(f->tree, "usr/libexec/s2i/run", "#!/bin/sh\n", 0755);
  tu_write(f->dir, "out/.keep", "", 0644);
  write_tar(f->tar, "etc/motd", "hello\n", 0);
  ck_assert_int_eq(s2i_store_open(&f->store, f->cache, &err), 0);
  f->layers[0] = (struct s2i_mkimage_layer){S2I_MKLAYER_DIR, f->tree, NULL};
  f->layers[1] = (struct s2i_mkimage_layer){S2I_MKLAYER_TAR, f->tar, NULL};
  f->o.layers = f->layers;
  f->o.n_layers = 2;
  f->o.tag = "example/builder:1";
  f->o.output = f->out;
  f->o.cache_dir = f->cache;
}

static void fx_close(struct fx *f)
{
  s2i_store_free(f->store);
  free(f->cache);
  free(f->tree);
  free(f->tar);
  free(f->out);
  tu_rmdir(f->dir);
}

static void mkimage_ok(const struct fx *f)
{
  struct s2i_error *err = NULL;
  int r = s2i_mkimage(tu_ctx(), &f->o, &err);

  ck_assert_msg(r == 0, "mkimage: %s", err ? err->msg : "?");
}

static struct s2i_image *open_out(const struct fx *f)
{
  struct s2i_error *err = NULL;
  struct s2i_image *img = NULL;
  int r = s2i_transport_open(tu_ctx(), &img, f->out, f->store, &err);

  ck_assert_msg(r == 0, "open %s: %s", f->out, err ? err->msg : "?");
  return img;
}

/* Names in out/ other than .keep: the output and any leftovers. */
static int out_entries(const struct fx *f)
{
  cleanup_free char *d = s2i_fs_join(f->dir, "out");
  cleanup_dir DIR *dp = opendir(d);
  struct dirent *de;
  int n = 0;

  ck_assert_ptr_nonnull(dp);
  while ((de = readdir(dp)) != NULL)
    n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
         strcmp(de->d_name, ".keep");
  return n;
}

static const char *cfg_str(const struct s2i_image *img, const char *key,
                           size_t i)
{
  json_t *v = json_object_get(json_object_get(img->config, "config"), key);

  return json_string_value(json_array_get(v, i));
}

static char *file_digest(const char *path)
{
  cleanup_free char *buf = NULL;
  struct s2i_error *err = NULL;
  char d[S2I_DIGEST_LEN + 1];
  size_t n;

  ck_assert_int_eq(s2i_fs_read_file(&buf, &n, path, &err), 0);
  s2i_digest_buffer(buf, n, d);
  return xstrdup(d);
}

START_TEST(scratch_with_config)
{
  struct fx f;
  struct s2i_strv env = S2I_STRV_INIT, labels = S2I_STRV_INIT;
  struct s2i_strv expose = S2I_STRV_INIT, cmd = S2I_STRV_INIT;
  struct s2i_strv ep = S2I_STRV_INIT, got_env = S2I_STRV_INIT;
  cleanup_free char *tar_digest = NULL;
  struct s2i_image *img;
  json_t *ports;

  fx_open(&f);
  s2i_strv_add(&env, "PATH=/usr/bin");
  s2i_strv_add(&env, "HOME=/opt/app-root");
  s2i_strv_add(&labels,
               "io.openshift.s2i.scripts-url=image:///usr/libexec/s2i");
  s2i_strv_add(&labels, "empty");
  s2i_strv_add(&labels, "k=v=w");
  s2i_strv_add(&expose, "8080");
  s2i_strv_add(&expose, "53/udp");
  s2i_strv_add(&cmd, "/usr/libexec/s2i/usage");
  s2i_strv_add(&ep, "/usr/bin/env");
  s2i_strv_add(&ep, "--");
  f.o.user = "1001";
  f.o.workdir = "/opt/app-root/src";
  f.o.env = &env;
  f.o.labels = &labels;
  f.o.expose = &expose;
  f.o.cmd = &cmd;
  f.o.entrypoint = &ep;
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  mkimage_ok(&f);
  unsetenv("SOURCE_DATE_EPOCH");

  img = open_out(&f);
  ck_assert_uint_eq(img->n_layers, 2);
  /* a layer tar is used byte for byte */
  tar_digest = file_digest(f.tar);
  ck_assert_str_eq(img->layers[1].digest, tar_digest);
  ck_assert_str_eq(img->layers[1].diff_id, tar_digest);
  ck_assert_str_eq(s2i_image_user(img), "1001");
  ck_assert_str_eq(s2i_image_workdir(img), "/opt/app-root/src");
  s2i_image_env(img, &got_env);
  ck_assert_uint_eq(got_env.n, 2);
  ck_assert_str_eq(got_env.v[0], "PATH=/usr/bin");
  ck_assert_str_eq(got_env.v[1], "HOME=/opt/app-root");
  ck_assert_str_eq(s2i_image_label(img, "io.openshift.s2i.scripts-url"),
                   "image:///usr/libexec/s2i");
  ck_assert_str_eq(s2i_image_label(img, "empty"), "");
  ck_assert_str_eq(s2i_image_label(img, "k"), "v=w");
  ports =
      json_object_get(json_object_get(img->config, "config"), "ExposedPorts");
  ck_assert_uint_eq(json_object_size(ports), 2);
  ck_assert_ptr_nonnull(json_object_get(ports, "8080/tcp"));
  ck_assert_ptr_nonnull(json_object_get(ports, "53/udp"));
  ck_assert_str_eq(cfg_str(img, "Cmd", 0), "/usr/libexec/s2i/usage");
  ck_assert_str_eq(cfg_str(img, "Entrypoint", 0), "/usr/bin/env");
  ck_assert_str_eq(cfg_str(img, "Entrypoint", 1), "--");
  ck_assert_str_eq(json_string_value(json_object_get(img->config, "created")),
                   "2023-11-14T22:13:20Z");
  ck_assert_uint_eq(json_array_size(json_object_get(img->config, "history")),
                    2);
  ck_assert_int_eq(out_entries(&f), 1);
  s2i_image_free(img);
  s2i_strv_free(&env);
  s2i_strv_free(&labels);
  s2i_strv_free(&expose);
  s2i_strv_free(&cmd);
  s2i_strv_free(&ep);
  s2i_strv_free(&got_env);
  fx_close(&f);
}
END_TEST

START_TEST(from_adds_a_layer)
{
  struct fx f;
  struct s2i_strv cmd = S2I_STRV_INIT;
  struct s2i_image *first, *second;
  cleanup_free char *more = NULL, *from = NULL;

  fx_open(&f);
  s2i_strv_add(&cmd, "/usr/libexec/s2i/run");
  f.o.cmd = &cmd;
  f.o.user = "1001";
  mkimage_ok(&f);
  first = open_out(&f);

  /* --from the output, written over it: one more layer, the rest kept */
  more = s2i_fs_join(f.dir, "more");
  tu_write(more, "opt/app-root/extra", "x", 0644);
  from = xasprintf("docker-archive:%s", f.out);
  f.layers[0] = (struct s2i_mkimage_layer){S2I_MKLAYER_DIR, more, NULL};
  f.o.n_layers = 1;
  f.o.from = from;
  f.o.cmd = NULL;
  f.o.user = NULL;
  f.o.workdir = "/opt/app-root";
  mkimage_ok(&f);
  second = open_out(&f);
  ck_assert_uint_eq(second->n_layers, 3);
  ck_assert_str_eq(second->layers[0].digest, first->layers[0].digest);
  ck_assert_str_eq(second->layers[1].digest, first->layers[1].digest);
  ck_assert_str_ne(second->layers[2].digest, first->layers[1].digest);
  /* what is not set again is the base's */
  ck_assert_str_eq(s2i_image_user(second), "1001");
  ck_assert_str_eq(cfg_str(second, "Cmd", 0), "/usr/libexec/s2i/run");
  ck_assert_str_eq(s2i_image_workdir(second), "/opt/app-root");
  ck_assert_int_eq(out_entries(&f), 1);
  s2i_image_free(first);
  s2i_image_free(second);
  s2i_strv_free(&cmd);
  fx_close(&f);
}
END_TEST

START_TEST(gzip_layer_refused)
{
  struct fx f;
  struct s2i_error *err = NULL;
  cleanup_free char *gz = NULL;

  fx_open(&f);
  gz = s2i_fs_join(f.dir, "layer.tar.gz");
  write_tar(gz, "etc/motd", "hello\n", 1);
  f.layers[1].path = gz;
  ck_assert_int_lt(s2i_mkimage(tu_ctx(), &f.o, &err), 0);
  ck_assert_msg(strstr(err->msg, gz) &&
                    strstr(err->msg, "compressed layer tarballs are not "
                                     "supported, give an uncompressed tar"),
                "%s", err->msg);
  s2i_error_free(err);
  ck_assert(!s2i_fs_exists(f.out));
  ck_assert_int_eq(out_entries(&f), 0);
  fx_close(&f);
}
END_TEST

START_TEST(missing_inputs_named)
{
  struct fx f;
  struct s2i_error *err = NULL;
  cleanup_free char *nodir = NULL, *notar = NULL, *before = NULL;
  cleanup_free char *after = NULL, *from = NULL;

  fx_open(&f);
  nodir = s2i_fs_join(f.dir, "no-such-dir");
  notar = s2i_fs_join(f.dir, "no-such.tar");
  f.layers[0].path = nodir;
  tu_assert_error(s2i_mkimage(tu_ctx(), &f.o, &err), &err, nodir);
  ck_assert_int_eq(out_entries(&f), 0);

  f.layers[0].path = f.tree;
  f.layers[1].path = notar;
  tu_assert_error(s2i_mkimage(tu_ctx(), &f.o, &err), &err, notar);
  ck_assert_int_eq(out_entries(&f), 0);

  /* a failed rebuild over an existing output leaves it as it was */
  f.layers[1].path = f.tar;
  mkimage_ok(&f);
  before = file_digest(f.out);
  from = xasprintf("docker-archive:%s", f.out);
  f.o.from = from;
  f.layers[0].path = nodir;
  tu_assert_error(s2i_mkimage(tu_ctx(), &f.o, &err), &err, nodir);
  after = file_digest(f.out);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(out_entries(&f), 1);

  /* a missing base image is named too */
  f.o.from = notar;
  f.layers[0].path = f.tree;
  tu_assert_error(s2i_mkimage(tu_ctx(), &f.o, &err), &err, notar);
  fx_close(&f);
}
END_TEST

static Suite *mkimage_suite(void)
{
  return tu_suite("mkimage", 30, NULL,
                  TU_TESTS(scratch_with_config, from_adds_a_layer,
                           gzip_layer_refused, missing_inputs_named));
}

TU_MAIN(mkimage_suite)
