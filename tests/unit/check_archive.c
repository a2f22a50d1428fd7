/* Image archives: our writer's output read back through every transport,
 * read by the real consumers (skopeo, podman), archives written by skopeo
 * read by us, and broken archives refused with a message naming them. */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>

#include "testutil.h"

#include "archive.h"
#include "cleanup.h"
#include "image.h"
#include "store.h"
#include "transport.h"
#include "writer.h"

static char *dir;
static struct s2i_store *store;
static struct s2i_image *img;
static char *ours; /* the archive our writer made */
static char manifest_digest[S2I_DIGEST_LEN + 1];

/* ---- fixtures --------------------------------------------------------- */

/* A one-file layer tar, optionally gzip-compressed, in memory. */
static char *layer_tar(size_t *len, int gzip)
{
  static const char text[] = "hello-s2i-content\n";
  size_t cap = 1 << 16;
  char *buf = xmalloc(cap);
  struct archive *a = archive_write_new();
  struct archive_entry *e = archive_entry_new();

  archive_write_set_format_pax_restricted(a);
  if (gzip)
    archive_write_add_filter_gzip(a);
  ck_assert_int_eq(archive_write_open_memory(a, buf, cap, len), ARCHIVE_OK);
  archive_entry_set_pathname(e, "etc/hello");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, sizeof(text) - 1);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  archive_write_data(a, text, sizeof(text) - 1);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return buf;
}

static void make_layer(struct s2i_layer *l, struct s2i_store *s, int gzip)
{
  struct s2i_error *err = NULL;
  size_t n;
  cleanup_free char *plain = layer_tar(&n, 0);
  cleanup_free char *blob = NULL;

  memset(l, 0, sizeof(*l));
  s2i_digest_buffer(plain, n, l->diff_id);
  blob = gzip ? layer_tar(&n, 1) : xstrndup(plain, n);
  if (gzip)
    ck_assert_int_eq(s2i_store_put(s, blob, n, l->digest, &err), 0);
  else
    ck_assert_int_eq(s2i_store_put(s, plain, n, l->digest, &err), 0);
  l->size = (int64_t)n;
  l->media_type = gzip ? S2I_MEDIA_OCI_LAYER_GZIP : S2I_MEDIA_OCI_LAYER;
}

static struct s2i_image *test_image(struct s2i_store *s, int gzip)
{
  struct s2i_image *i = s2i_image_new_scratch();
  const char *cmd[] = {"/usr/libexec/s2i/run", NULL};
  struct s2i_layer l;

  s2i_image_set_created(i, 1700000000);
  s2i_image_set_label(i, "io.k8s.display-name", "unit-test");
  s2i_image_set_user(i, "1001");
  s2i_image_set_cmd(i, cmd);
  s2i_image_expose(i, "8080");
  make_layer(&l, s, gzip);
  s2i_image_add_layer(i, &l, "unit test layer");
  return i;
}

static char *tag(void)
{
  return xasprintf("localhost/s2i-unit-archive-%d:1", (int)getpid());
}

static void setup(void)
{
  struct s2i_error *err = NULL;
  cleanup_free char *root = NULL;
  cleanup_free char *t = tag();

  dir = tu_tmpdir();
  root = s2i_fs_join(dir, "store");
  ck_assert_int_eq(s2i_store_open(&store, root, &err), 0);
  img = test_image(store, 0);
  ours = s2i_fs_join(dir, "ours.tar");
  ck_assert_int_eq(s2i_writer_write_archive(tu_ctx(), img, store, t, ours,
                                            manifest_digest, &err),
                   0);
}

static void teardown(void)
{
  s2i_image_free(img);
  s2i_store_free(store);
  free(ours);
  tu_rmdir(dir);
}

/* ---- helpers ---------------------------------------------------------- */

static struct s2i_store *fresh_store(const char *name)
{
  struct s2i_error *err = NULL;
  struct s2i_store *s;
  cleanup_free char *root = s2i_fs_join(dir, name);

  ck_assert_int_eq(s2i_store_open(&s, root, &err), 0);
  return s;
}

static int have(const char *bin)
{
  cleanup_free char *cmd = xasprintf("command -v %s >/dev/null 2>&1", bin);

  return system(cmd) == 0;
}

/* Run a shell command, return its stdout; *status gets the exit status. */
static char *run(int *status, const char *fmt, ...)
{
  va_list ap;
  cleanup_free char *cmd = NULL;
  char *out = xstrdup("");
  char buf[4096];
  size_t n;
  FILE *f;

  va_start(ap, fmt);
  cmd = xvasprintf(fmt, ap);
  va_end(ap);
  f = popen(cmd, "r");
  ck_assert_ptr_nonnull(f);
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
    char *more = xasprintf("%s%.*s", out, (int)n, buf);
    free(out);
    out = more;
  }
  *status = pclose(f);
  return out;
}

static void assert_same_image(const struct s2i_image *a,
                              const struct s2i_image *b, int same_blobs)
{
  ck_assert_uint_eq(a->n_layers, b->n_layers);
  for (size_t i = 0; i < a->n_layers; i++) {
    ck_assert_str_eq(a->layers[i].diff_id, b->layers[i].diff_id);
    if (!same_blobs)
      continue;
    ck_assert_str_eq(a->layers[i].digest, b->layers[i].digest);
    ck_assert_str_eq(a->layers[i].media_type, b->layers[i].media_type);
    ck_assert_int_eq(a->layers[i].size, b->layers[i].size);
  }
  ck_assert_str_eq(s2i_image_label(b, "io.k8s.display-name"), "unit-test");
  ck_assert_str_eq(s2i_image_user(b), "1001");
}

static struct s2i_image *open_ok(const char *ref, struct s2i_store *s)
{
  struct s2i_error *err = NULL;
  struct s2i_image *got = NULL;

  ck_assert_msg(s2i_transport_open(tu_ctx(), &got, ref, s, &err) == 0, "%s: %s",
                ref, err ? err->msg : "");
  return got;
}

/* ---- our archive, read back ------------------------------------------- */

START_TEST(read_back_every_transport)
{
  cleanup_free char *t = tag();
  cleanup_free char *layout = s2i_fs_join(dir, "layout");
  char *refs[5];
  int st;

  refs[0] = xstrdup(ours);
  refs[1] = xasprintf("docker-archive:%s", ours);
  refs[2] = xasprintf("oci-archive:%s", ours);
  refs[3] = xasprintf("oci-archive:%s:%s", ours, t);
  refs[4] = xasprintf("oci:%s", layout);
  free(run(&st, "mkdir -p %s && tar -xf %s -C %s", layout, ours, layout));
  ck_assert_int_eq(st, 0);
  for (int i = 0; i < 5; i++) {
    struct s2i_store *s = fresh_store(i % 2 ? "s1" : "s2");
    struct s2i_image *got = open_ok(refs[i], s);
    assert_same_image(img, got, 1);
    ck_assert(json_equal(img->config, got->config));
    ck_assert(s2i_store_has_blob(s, got->layers[0].digest));
    s2i_image_free(got);
    s2i_store_free(s);
    free(refs[i]);
  }
}
END_TEST

START_TEST(gzip_layer_round_trip)
{
  struct s2i_error *err = NULL;
  struct s2i_image *gz = test_image(store, 1);
  struct s2i_image *got = NULL;
  cleanup_free char *path = s2i_fs_join(dir, "gz.tar");
  struct s2i_store *s = fresh_store("s3");

  ck_assert_int_eq(
      s2i_writer_write_archive(tu_ctx(), gz, store, "gz", path, NULL, &err), 0);
  ck_assert_int_eq(
      s2i_archive_read(tu_ctx(), &got, "docker-archive", path, NULL, s, &err),
      0);
  assert_same_image(gz, got, 1);
  ck_assert_str_eq(got->layers[0].media_type, S2I_MEDIA_OCI_LAYER_GZIP);
  ck_assert_str_ne(got->layers[0].digest, got->layers[0].diff_id);
  s2i_image_free(got);
  s2i_image_free(gz);
  s2i_store_free(s);
}
END_TEST

/* ---- real consumers --------------------------------------------------- */

START_TEST(skopeo_inspects_ours)
{
  const char *transports[] = {"docker-archive", "oci-archive"};
  int st;

  if (!have("skopeo"))
    tu_skip("skopeo is not installed");
  for (int i = 0; i < 2; i++) {
    cleanup_free char *out =
        run(&st, "skopeo inspect %s:%s 2>&1", transports[i], ours);
    ck_assert_msg(st == 0, "skopeo inspect %s: %s", transports[i], out);
    ck_assert_ptr_nonnull(
        strstr(out, "\"io.k8s.display-name\": \"unit-test\""));
    ck_assert_ptr_nonnull(strstr(out, img->layers[0].digest));
    if (i == 1)
      ck_assert_msg(strstr(out, manifest_digest), "%s", out);
  }
}
END_TEST

START_TEST(podman_loads_ours)
{
  cleanup_free char *t = tag();
  cleanup_free char *out = NULL;
  cleanup_free char *id = NULL;
  char cfg[S2I_DIGEST_LEN + 1];
  cleanup_free char *json = s2i_writer_config_json(img);
  int st;

  if (!have("podman"))
    tu_skip("podman is not installed");
  if (access("tests/containers.conf", R_OK) == 0)
    setenv("CONTAINERS_CONF", "tests/containers.conf", 0);
  out = run(&st, "podman load -i %s 2>&1", ours);
  ck_assert_msg(st == 0, "podman load: %s", out);
  id = run(&st, "podman image inspect --format '{{.Id}}' %s 2>&1", t);
  free(run(&st, "podman rmi -f %s >/dev/null 2>&1", t));
  s2i_digest_buffer(json, strlen(json), cfg);
  ck_assert_msg(strncmp(id, s2i_digest_hex(cfg), 64) == 0,
                "podman image %s has id %s, want %s (load said: %s)", t, id,
                cfg, out);
}
END_TEST

/* skopeo writes each shape (and compresses layers for oci:); all must read
 * back with the same file system, i.e. the same diff_ids. */
START_TEST(reads_what_skopeo_writes)
{
  const char *dests[][2] = {
      {"oci-archive:%s/theirs.tar", "oci-archive:%s/theirs.tar"},
      {"docker-archive:%s/legacy.tar", "docker-archive:%s/legacy.tar"},
      {"oci:%s/dir1", "oci:%s/dir1"},
      {"--dest-oci-accept-uncompressed-layers oci:%s/dir2", "oci:%s/dir2"},
  };
  int st;

  if (!have("skopeo"))
    tu_skip("skopeo is not installed");
  for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
    cleanup_free char *dest = xasprintf(dests[i][0], dir);
    cleanup_free char *ref = xasprintf(dests[i][1], dir);
    cleanup_free char *out = run(&st,
                                 "skopeo copy -q docker-archive:%s %s "
                                 "2>&1",
                                 ours, dest);
    struct s2i_store *s = fresh_store("theirs");
    struct s2i_image *got;

    ck_assert_msg(st == 0, "skopeo copy to %s: %s", dest, out);
    got = open_ok(ref, s);
    assert_same_image(img, got, 0);
    if (i == 2)
      ck_assert_str_eq(got->layers[0].media_type, S2I_MEDIA_OCI_LAYER_GZIP);
    s2i_image_free(got);
    s2i_store_free(s);
  }
}
END_TEST

/* ---- broken archives -------------------------------------------------- */

/* Copy a tar, dropping the entry `skip` and replacing `swap` with text. */
static char *rewrite_tar(const char *name, const char *skip, const char *swap,
                         const char *text)
{
  char *path = s2i_fs_join(dir, name);
  struct archive *in = archive_read_new(), *out = archive_write_new();
  struct archive_entry *e;
  char buf[8192];
  la_ssize_t n;

  archive_read_support_format_tar(in);
  ck_assert_int_eq(archive_read_open_filename(in, ours, 8192), ARCHIVE_OK);
  archive_write_set_format_pax_restricted(out);
  ck_assert_int_eq(archive_write_open_filename(out, path), ARCHIVE_OK);
  while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
    const char *p = archive_entry_pathname(e);
    if (skip && strcmp(p, skip) == 0)
      continue;
    if (swap && strcmp(p, swap) == 0) {
      archive_entry_set_size(e, (la_int64_t)strlen(text));
      archive_write_header(out, e);
      archive_write_data(out, text, strlen(text));
      continue;
    }
    archive_write_header(out, e);
    while ((n = archive_read_data(in, buf, sizeof(buf))) > 0)
      archive_write_data(out, buf, (size_t)n);
  }
  archive_read_free(in);
  archive_write_free(out);
  return path;
}

static void assert_read_fails(const char *transport, const char *path,
                              const char *needle)
{
  struct s2i_error *err = NULL;
  struct s2i_image *got = NULL;
  struct s2i_store *s = fresh_store("broken");

  ck_assert_int_lt(
      s2i_archive_read(tu_ctx(), &got, transport, path, NULL, s, &err), 0);
  ck_assert_ptr_null(got);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err->msg, path) && strstr(err->msg, needle),
                "'%s' lacks '%s' or '%s'", err->msg, path, needle);
  s2i_error_free(err);
  s2i_store_free(s);
}

START_TEST(missing_file)
{
  cleanup_free char *p = s2i_fs_join(dir, "nope.tar");

  assert_read_fails("docker-archive", p, "No such file");
  assert_read_fails("oci", p, "No such file");
}
END_TEST

START_TEST(not_a_tar)
{
  tu_write(dir, "text.tar", "this is not a tarball, not even close\n", 0644);
  {
    cleanup_free char *p = s2i_fs_join(dir, "text.tar");
    assert_read_fails("docker-archive", p, "tar");
  }
}
END_TEST

START_TEST(truncated_tar)
{
  cleanup_free char *p = s2i_fs_join(dir, "cut.tar");
  struct stat st;
  int rc;

  ck_assert_int_eq(stat(ours, &st), 0);
  free(run(&rc, "head -c %lld %s > %s", (long long)st.st_size / 3, ours, p));
  assert_read_fails("docker-archive", p, "runcated");
}
END_TEST

START_TEST(tampered_blob)
{
  cleanup_free char *p = s2i_fs_join(dir, "tampered.tar");
  int rc;

  /* Same length, so the tar stays well-formed: only the digest breaks. */
  free(run(&rc, "sed 's/hello-s2i-content/HELLO-s2i-content/' %s > %s", ours,
           p));
  ck_assert_int_eq(rc, 0);
  assert_read_fails("oci-archive", p, "digest mismatch");
  assert_read_fails("docker-archive", p, s2i_digest_hex(img->layers[0].digest));
}
END_TEST

START_TEST(missing_blob)
{
  cleanup_free char *name =
      xasprintf("blobs/sha256/%s", s2i_digest_hex(img->layers[0].digest));
  cleanup_free char *p = rewrite_tar("noblob.tar", name, NULL, NULL);

  assert_read_fails("docker-archive", p, "not in the archive");
  assert_read_fails("oci-archive", p, "missing");
}
END_TEST

START_TEST(bad_json_and_no_manifest)
{
  cleanup_free char *bad =
      rewrite_tar("badjson.tar", NULL, "manifest.json", "[{\"Config\": ");
  cleanup_free char *none =
      rewrite_tar("noman.tar", "manifest.json", NULL, NULL);

  assert_read_fails("docker-archive", bad, "manifest.json: invalid JSON");
  assert_read_fails("docker-archive", none, "no manifest.json");
}
END_TEST

static Suite *archive_suite(void)
{
  TCase *tc;
  Suite *s = tu_suite("archive", 120, &tc,
                      TU_TESTS(read_back_every_transport, gzip_layer_round_trip,
                               skopeo_inspects_ours, podman_loads_ours,
                               reads_what_skopeo_writes, missing_file,
                               not_a_tar, truncated_tar, tampered_blob,
                               missing_blob, bad_json_and_no_manifest));

  tcase_add_checked_fixture(tc, setup, teardown);
  return s;
}

TU_MAIN(archive_suite)
