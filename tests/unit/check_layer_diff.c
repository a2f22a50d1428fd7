/* The layer between two root file system tarballs: exactly what FULL added
 * or changed (with its parents), whiteouts for what it removed, hard link
 * targets carried along. */
#include <archive.h>
#include <archive_entry.h>

#include "tarread.h"
#include "testutil.h"

#include "cleanup.h"
#include "layer_diff.h"
#include "store.h"

#define T0 1600000000 /* every mtime in the input tars */

/* ---- writing the input tars ---------------------------------------------- */

static struct archive *tar_open(const char *path)
{
  struct archive *a = archive_write_new();

  archive_write_set_format_pax_restricted(a);
  ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
  return a;
}

static void tar_close(struct archive *a)
{
  ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

static void tar_add(struct archive *a, const char *path, mode_t type,
                    mode_t perm, int64_t uid, const char *text)
{
  struct archive_entry *e = archive_entry_new();
  size_t len = text ? strlen(text) : 0;

  archive_entry_set_pathname(e, path);
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, perm);
  archive_entry_set_uid(e, uid);
  archive_entry_set_gid(e, uid);
  archive_entry_set_mtime(e, T0, 0);
  archive_entry_set_size(e, (la_int64_t)len);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  if (len)
    ck_assert_int_eq(archive_write_data(a, text, len), (la_ssize_t)len);
  archive_entry_free(e);
}

static void tar_dir(struct archive *a, const char *path, mode_t perm,
                    int64_t uid)
{
  tar_add(a, path, AE_IFDIR, perm, uid, NULL);
}

static void tar_file(struct archive *a, const char *path, const char *text,
                     mode_t perm)
{
  tar_add(a, path, AE_IFREG, perm, 0, text);
}

static void tar_hardlink(struct archive *a, const char *path,
                         const char *target)
{
  struct archive_entry *e = archive_entry_new();

  archive_entry_set_pathname(e, path);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_hardlink(e, target);
  archive_entry_set_mtime(e, T0, 0);
  archive_entry_set_size(e, 0);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  archive_entry_free(e);
}

/* Entries both tarballs share, unchanged.  "./" prefixes as `tar -C root .`
 * writes them must not matter. */
static void common(struct archive *a)
{
  tar_dir(a, "./", 0755, 0);
  tar_dir(a, "./etc/", 0755, 0);
  tar_file(a, "./etc/same", "same\n", 0644);
  tar_dir(a, "./lib/", 0755, 0);
  tar_file(a, "./lib/target", "shared bytes\n", 0644);
  tar_dir(a, "./var/", 0750, 5);
  tar_file(a, "./var/keep", "k", 0644);
}

static void write_base(const char *path)
{
  struct archive *a = tar_open(path);

  common(a);
  tar_file(a, "./etc/content", "old\n", 0644);
  tar_file(a, "./etc/mode", "m\n", 0644);
  tar_file(a, "./var/gone", "g", 0644);
  tar_dir(a, "./olddir/", 0755, 0);
  tar_file(a, "./olddir/a", "a", 0644);
  tar_dir(a, "./olddir/sub/", 0755, 0);
  tar_file(a, "./olddir/sub/b", "b", 0644);
  tar_close(a);
}

static void write_full(const char *path)
{
  struct archive *a = tar_open(path);

  common(a);
  tar_file(a, "./etc/content", "new content\n", 0644);
  tar_file(a, "./etc/mode", "m\n", 0755);
  tar_dir(a, "./newdir/", 0700, 0);
  tar_dir(a, "./newdir/sub/", 0755, 0);
  tar_file(a, "./newdir/sub/file", "fresh\n", 0600);
  tar_hardlink(a, "./lib/newlink", "./lib/target");
  tar_close(a);
}

/* ---- reading the layer back ---------------------------------------------- */

static const struct rent *entry(const struct rtar *t, const char *name)
{
  const struct rent *r = find_entry(t, name);

  ck_assert_msg(r != NULL, "no entry %s in the layer", name);
  return r;
}

struct fx {
  char *dir;
  char *base, *full;
  struct s2i_store *store;
  struct s2i_layer layer;
  struct rtar t;
};

static void fx_diff(struct fx *f)
{
  struct s2i_error *err = NULL;
  cleanup_free char *root = NULL;
  int r;

  memset(f, 0, sizeof(*f));
  f->dir = tu_tmpdir();
  root = s2i_fs_join(f->dir, "store");
  f->base = s2i_fs_join(f->dir, "BASE.tar");
  f->full = s2i_fs_join(f->dir, "FULL.tar");
  write_base(f->base);
  write_full(f->full);
  ck_assert_int_eq(s2i_store_open(&f->store, root, &err), 0);
  r = s2i_layer_diff(tu_ctx(), &f->layer, f->base, f->full, f->store, &err);
  ck_assert_msg(r == 0, "layer diff: %s", err ? err->msg : "?");
  ck_assert_str_eq(f->layer.media_type, S2I_MEDIA_OCI_LAYER);
  ck_assert_str_eq(f->layer.digest, f->layer.diff_id);
  ck_assert(s2i_store_has_blob(f->store, f->layer.digest));
  read_tar(&f->t, f->store, f->layer.digest);
}

static void fx_close(struct fx *f)
{
  free_tar(&f->t);
  free(f->layer.media_type);
  s2i_store_free(f->store);
  free(f->base);
  free(f->full);
  tu_rmdir(f->dir);
}

/* ---- tests ----------------------------------------------------------------
 */

START_TEST(exactly_the_changes)
{
  static const char *const want[] = {
      ".wh.olddir",      "etc/",    "etc/content",
      "etc/mode",        "lib/",    "lib/newlink",
      "lib/target",      "newdir/", "newdir/sub/",
      "newdir/sub/file", "var/",    "var/.wh.gone",
  };
  size_t n = sizeof(want) / sizeof(want[0]);
  struct fx f;

  fx_diff(&f);
  for (size_t i = 0; i < f.t.n; i++) {
    int known = 0;
    for (size_t j = 0; j < n; j++)
      known |= strcmp(f.t.e[i].name, want[j]) == 0;
    ck_assert_msg(known, "unexpected entry %s", f.t.e[i].name);
  }
  for (size_t j = 0; j < n; j++)
    entry(&f.t, want[j]);
  ck_assert_uint_eq(f.t.n, n);
  fx_close(&f);
}
END_TEST

START_TEST(entries_carry_full_attributes)
{
  struct fx f;
  const struct rent *r;

  fx_diff(&f);
  r = entry(&f.t, "etc/content");
  ck_assert_str_eq(r->data, "new content\n");
  ck_assert_int_eq(r->mtime, T0);
  r = entry(&f.t, "etc/mode");
  ck_assert_int_eq(r->perm, 0755);
  ck_assert_str_eq(r->data, "m\n");
  r = entry(&f.t, "newdir/");
  ck_assert_int_eq(r->type, AE_IFDIR);
  ck_assert_int_eq(r->perm, 0700);
  ck_assert_int_eq(r->mtime, T0);
  r = entry(&f.t, "newdir/sub/file");
  ck_assert_int_eq(r->perm, 0600);
  ck_assert_str_eq(r->data, "fresh\n");
  r = entry(&f.t, "etc/");
  ck_assert_int_eq(r->perm, 0755);
  ck_assert_int_eq(r->mtime, T0);
  fx_close(&f);
}
END_TEST

START_TEST(whiteouts_for_deletions)
{
  struct fx f;
  const struct rent *r;

  fx_diff(&f);
  r = entry(&f.t, "var/.wh.gone");
  ck_assert_int_eq(r->type, AE_IFREG);
  ck_assert_str_eq(r->data, "");
  entry(&f.t, ".wh.olddir"); /* the deleted dir, not what was inside */
  /* the parent of a whiteout keeps FULL's mode and owner: applying the layer
   * must not turn /var into a root-owned 0755 dir */
  r = entry(&f.t, "var/");
  ck_assert_int_eq(r->perm, 0750);
  ck_assert_int_eq(r->uid, 5);
  ck_assert_int_eq(r->mtime, T0);
  fx_close(&f);
}
END_TEST

START_TEST(hard_link_brings_its_target)
{
  struct fx f;
  const struct rent *link, *target;

  fx_diff(&f);
  link = entry(&f.t, "lib/newlink");
  target = entry(&f.t, "lib/target");
  /* one of the two holds the bytes, the other links to it */
  if (link->hardlink != NULL) {
    ck_assert_str_eq(link->hardlink, "lib/target");
    ck_assert_str_eq(target->data, "shared bytes\n");
  } else {
    ck_assert_ptr_nonnull(target->hardlink);
    ck_assert_str_eq(target->hardlink, "lib/newlink");
    ck_assert_str_eq(link->data, "shared bytes\n");
  }
  fx_close(&f);
}
END_TEST

START_TEST(same_input_same_digest)
{
  struct fx a, b;

  fx_diff(&a);
  tu_next_second(); /* a timestamp taken from the clock would now differ */
  fx_diff(&b);
  ck_assert_str_eq(a.layer.digest, b.layer.digest);
  fx_close(&a);
  fx_close(&b);
}
END_TEST

static void tar_symlink(struct archive *a, const char *path, const char *target)
{
  struct archive_entry *e = archive_entry_new();

  archive_entry_set_pathname(e, path);
  archive_entry_set_filetype(e, AE_IFLNK);
  archive_entry_set_perm(e, 0777);
  archive_entry_set_symlink(e, target);
  archive_entry_set_mtime(e, T0, 0);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  archive_entry_free(e);
}

/* A directory replaced by a symlink: the symlink hides what was below, and
 * no whiteout is made through it (it may point anywhere on the host). */
START_TEST(dir_replaced_by_symlink)
{
  char *dir = tu_tmpdir();
  cleanup_free char *root = s2i_fs_join(dir, "store");
  cleanup_free char *base = s2i_fs_join(dir, "BASE.tar");
  cleanup_free char *full = s2i_fs_join(dir, "FULL.tar");
  cleanup_free char *outside = s2i_fs_join(dir, "outside");
  cleanup_free char *escaped = s2i_fs_join(outside, "x");
  struct s2i_error *err = NULL;
  struct s2i_store *store = NULL;
  struct s2i_layer l = {0};
  struct archive *a;
  struct rtar t;
  int r;

  ck_assert_int_eq(mkdir(outside, 0755), 0);
  a = tar_open(base);
  tar_dir(a, "conf/", 0755, 0);
  tar_file(a, "conf/x", "x", 0644);
  tar_close(a);
  a = tar_open(full);
  tar_symlink(a, "conf", outside);
  tar_close(a);
  ck_assert_int_eq(s2i_store_open(&store, root, &err), 0);
  r = s2i_layer_diff(tu_ctx(), &l, base, full, store, &err);
  ck_assert_msg(r == 0, "layer diff: %s", err ? err->msg : "?");
  ck_assert(!s2i_fs_exists(escaped));
  read_tar(&t, store, l.digest);
  ck_assert_uint_eq(t.n, 1);
  ck_assert_str_eq(t.e[0].name, "conf");
  ck_assert_int_eq(t.e[0].type, AE_IFLNK);
  free_tar(&t);
  free(l.media_type);
  s2i_store_free(store);
  tu_rmdir(dir);
}
END_TEST

START_TEST(missing_input_named)
{
  char *dir = tu_tmpdir();
  cleanup_free char *root = s2i_fs_join(dir, "store");
  cleanup_free char *tar = s2i_fs_join(dir, "BASE.tar");
  cleanup_free char *missing = s2i_fs_join(dir, "missing.tar");
  struct s2i_error *err = NULL;
  struct s2i_store *store = NULL;
  struct s2i_layer l = {0};

  write_base(tar);
  ck_assert_int_eq(s2i_store_open(&store, root, &err), 0);
  tu_assert_error(s2i_layer_diff(tu_ctx(), &l, missing, tar, store, &err), &err,
                  missing);
  tu_assert_error(s2i_layer_diff(tu_ctx(), &l, tar, missing, store, &err), &err,
                  missing);
  ck_assert_ptr_null(l.media_type);
  s2i_store_free(store);
  tu_rmdir(dir);
}
END_TEST

static Suite *layer_diff_suite(void)
{
  return tu_suite("layer_diff", 30, NULL,
                  TU_TESTS(exactly_the_changes, entries_carry_full_attributes,
                           whiteouts_for_deletions, hard_link_brings_its_target,
                           same_input_same_digest, dir_replaced_by_symlink,
                           missing_input_named));
}

TU_MAIN(layer_diff_suite)
