#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>

#include "tarread.h"
#include "testutil.h"

#include "image.h"
#include "layer_writer.h"
#include "layers.h"
#include "overlay.h"
#include "store.h"
#include "strv.h"

/* The entry called name, or NULL. */
static const struct rent *entry(const struct rtar *t, const char *name)
{
  return find_entry(t, name);
}

struct fx {
  char *dir; /* holds store/ and tree/ */
  char *tree;
  struct s2i_store *store;
};

static void fx_open(struct fx *f)
{
  struct s2i_error *err = NULL;
  char *sp;

  f->dir = tu_tmpdir();
  f->tree = s2i_fs_join(f->dir, "tree");
  sp = s2i_fs_join(f->dir, "store");
  ck_assert_int_eq(mkdir(f->tree, 0755), 0);
  ck_assert_int_eq(s2i_store_open(&f->store, sp, &err), 0);
  free(sp);
}

static void fx_close(struct fx *f)
{
  s2i_store_free(f->store);
  free(f->tree);
  tu_rmdir(f->dir);
}

static void write_layer(struct s2i_layer *l, struct fx *f,
                        const struct s2i_layer_write_opts *o)
{
  struct s2i_error *err = NULL;
  int r = s2i_layer_write(tu_ctx(), l, f->tree, o, f->store, &err);

  ck_assert_msg(r == 0, "layer write: %s", err ? err->msg : "?");
  ck_assert_str_eq(l->digest, l->diff_id);
  ck_assert_str_eq(l->media_type, S2I_MEDIA_OCI_LAYER);
  ck_assert_int_gt(l->size, 0);
}

static char *tp(const struct fx *f, const char *rel)
{
  return s2i_fs_join(f->tree, rel);
}

static void set_mtime(const struct fx *f, const char *rel, time_t t)
{
  char *p = tp(f, rel);
  struct timespec ts[2] = {{t, 0}, {t, 0}};

  ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
  free(p);
}

START_TEST(sorted_and_normalised)
{
  static const char *const want[] = {"B", "_x", "a", "b/", "b/a", "b/c"};
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  char *p;

  fx_open(&f);
  tu_write(f.tree, "b/c", "c", 0644);
  tu_write(f.tree, "a", "a", 0640);
  tu_write(f.tree, "B", "B", 0644);
  tu_write(f.tree, "_x", "x", 0644);
  tu_write(f.tree, "b/a", "a", 0644);
  p = tp(&f, "a");
  ck_assert_int_eq(chown(p, 1000, 1001), 0);
  free(p);
  write_layer(&l, &f, NULL);
  read_tar(&t, f.store, l.digest);
  ck_assert_uint_eq(t.n, 6);
  for (size_t i = 0; i < t.n; i++) {
    ck_assert_str_eq(t.e[i].name, want[i]);
    ck_assert(!t.e[i].atime_set && !t.e[i].ctime_set && !t.e[i].uname_set);
  }
  ck_assert_int_eq(entry(&t, "a")->uid, 1000);
  ck_assert_int_eq(entry(&t, "a")->gid, 1001);
  ck_assert_int_eq(entry(&t, "a")->perm, 0640);
  ck_assert_int_eq(entry(&t, "a")->size, 1);
  free_tar(&t);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

START_TEST(exclude_subtrees)
{
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  struct s2i_strv ex = S2I_STRV_INIT;
  struct s2i_layer_write_opts o = S2I_LAYER_WRITE_OPTS_INIT;

  fx_open(&f);
  tu_write(f.tree, "tmp/src/app.py", "x", 0644);
  tu_write(f.tree, "tmp/other", "x", 0644);
  tu_write(f.tree, "skip/deep/f", "x", 0644);
  tu_write(f.tree, "keep", "x", 0644);
  s2i_strv_add(&ex, "tmp/src");
  s2i_strv_add(&ex, "./skip/");
  o.exclude = &ex;
  write_layer(&l, &f, &o);
  read_tar(&t, f.store, l.digest);
  ck_assert_ptr_nonnull(entry(&t, "tmp/"));
  ck_assert_ptr_nonnull(entry(&t, "tmp/other"));
  ck_assert_ptr_nonnull(entry(&t, "keep"));
  ck_assert_ptr_null(entry(&t, "tmp/src/"));
  ck_assert_ptr_null(entry(&t, "tmp/src/app.py"));
  ck_assert_ptr_null(entry(&t, "skip/"));
  ck_assert_ptr_null(entry(&t, "skip/deep/f"));
  ck_assert_uint_eq(t.n, 3);
  free_tar(&t);
  free(l.media_type);
  s2i_strv_free(&ex);
  fx_close(&f);
}
END_TEST

START_TEST(source_date_epoch_clamps)
{
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  struct s2i_layer_write_opts o = S2I_LAYER_WRITE_OPTS_INIT;

  fx_open(&f);
  tu_write(f.tree, "new", "x", 0644);
  tu_write(f.tree, "old", "x", 0644);
  set_mtime(&f, "new", 2000000000);
  set_mtime(&f, "old", 100);
  o.source_date_epoch = 1000;
  write_layer(&l, &f, &o);
  read_tar(&t, f.store, l.digest);
  ck_assert_int_eq(entry(&t, "new")->mtime, 1000);
  ck_assert_int_eq(entry(&t, "old")->mtime, 100);
  free_tar(&t);
  free(l.media_type);
  o.source_date_epoch = -1;
  write_layer(&l, &f, &o);
  read_tar(&t, f.store, l.digest);
  ck_assert_int_eq(entry(&t, "new")->mtime, 2000000000);
  free_tar(&t);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

/* A tree with every kind of entry the writer handles. */
static void make_rich_tree(const struct fx *f)
{
  char long_name[300];
  char *p, *q;

  tu_write(f->tree, "bin/tool", "#!/bin/sh\necho hi\n", 04755);
  tu_write(f->tree, "data/file", "content", 0600);
  p = tp(f, "data/file");
  q = tp(f, "data/hardlink");
  ck_assert_int_eq(link(p, q), 0);
  ck_assert_int_eq(chown(p, 123456, 0), 0);
  free(q);
  q = tp(f, "data/sym");
  ck_assert_int_eq(symlink("../bin/tool", q), 0);
  free(q);
  q = tp(f, "data/fifo");
  ck_assert_int_eq(mkfifo(q, 0640), 0);
  free(q);
  q = tp(f, "data/null");
  ck_assert_int_eq(mknod(q, S_IFCHR | 0666, makedev(1, 3)), 0);
  free(q);
  q = tp(f, "data/private");
  ck_assert_int_eq(mkdir(q, 0750), 0);
  free(q);
  memset(long_name, 'n', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  memcpy(long_name, "long/", 5);
  long_name[200] = '/';
  tu_write(f->tree, long_name, "long", 0644);
  free(p);
}

START_TEST(same_tree_same_digest)
{
  struct fx f;
  struct s2i_layer a, b;
  char *p;

  fx_open(&f);
  make_rich_tree(&f);
  write_layer(&a, &f, NULL);
  /* atime and ctime change; the layer must not */
  tu_next_second();
  p = tp(&f, "data/file");
  ck_assert_int_eq(chmod(p, 0600), 0);
  free(p);
  write_layer(&b, &f, NULL);
  ck_assert_str_eq(a.digest, b.digest);
  ck_assert_int_eq(a.size, b.size);
  free(a.media_type);
  free(b.media_type);
  fx_close(&f);
}
END_TEST

START_TEST(hardlinks_and_specials)
{
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  const struct rent *r;

  fx_open(&f);
  make_rich_tree(&f);
  write_layer(&l, &f, NULL);
  read_tar(&t, f.store, l.digest);
  r = entry(&t, "data/file");
  ck_assert_int_eq(r->size, 7);
  ck_assert_ptr_null(r->hardlink);
  r = entry(&t, "data/hardlink");
  ck_assert_str_eq(r->hardlink, "data/file");
  ck_assert_int_eq(r->size, 0);
  ck_assert_str_eq(entry(&t, "data/sym")->symlink, "../bin/tool");
  ck_assert_uint_eq(entry(&t, "data/fifo")->type, AE_IFIFO);
  ck_assert_uint_eq(entry(&t, "data/null")->type, AE_IFCHR);
  ck_assert_uint_eq(entry(&t, "bin/tool")->perm, 04755);
  ck_assert_int_eq(entry(&t, "data/file")->uid, 123456);
  free_tar(&t);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

/* Compare two trees: types, modes, owners, mtimes, contents, link targets
 * and which names share an inode. */
static void compare_trees(const char *a, const char *b, const char *rel);

static void compare_node(const char *a, const char *b, const char *rel)
{
  struct stat sa, sb;
  char la[256] = {0}, lb[256] = {0};

  ck_assert_msg(lstat(a, &sa) == 0 && lstat(b, &sb) == 0, "missing %s", rel);
  ck_assert_msg(sa.st_mode == sb.st_mode, "%s: mode %o != %o", rel, sa.st_mode,
                sb.st_mode);
  ck_assert_msg(sa.st_uid == sb.st_uid && sa.st_gid == sb.st_gid, "%s: owner",
                rel);
  ck_assert_msg(sa.st_nlink == sb.st_nlink, "%s: nlink", rel);
  ck_assert_msg(sa.st_mtime == sb.st_mtime, "%s: mtime", rel);
  if (S_ISREG(sa.st_mode)) {
    char *ca = NULL, *cb = NULL;
    struct s2i_error *err = NULL;
    ck_assert_int_eq(s2i_fs_read_file(&ca, NULL, a, &err), 0);
    ck_assert_int_eq(s2i_fs_read_file(&cb, NULL, b, &err), 0);
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
  } else if (S_ISLNK(sa.st_mode)) {
    ck_assert_int_gt(readlink(a, la, sizeof(la) - 1), 0);
    ck_assert_int_gt(readlink(b, lb, sizeof(lb) - 1), 0);
    ck_assert_str_eq(la, lb);
  } else if (S_ISCHR(sa.st_mode)) {
    ck_assert(sa.st_rdev == sb.st_rdev);
  } else if (S_ISDIR(sa.st_mode)) {
    compare_trees(a, b, rel);
  }
}

static void compare_trees(const char *a, const char *b, const char *rel)
{
  DIR *d = opendir(a);
  struct dirent *de;
  size_t na = 0, nb = 0;

  ck_assert_ptr_nonnull(d);
  while ((de = readdir(d)) != NULL) {
    char *pa, *pb, *r;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    na++;
    pa = s2i_fs_join(a, de->d_name);
    pb = s2i_fs_join(b, de->d_name);
    r = xasprintf("%s/%s", rel, de->d_name);
    compare_node(pa, pb, r);
    free(pa);
    free(pb);
    free(r);
  }
  closedir(d);
  d = opendir(b);
  while ((de = readdir(d)) != NULL)
    nb += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  closedir(d);
  ck_assert_msg(na == nb, "%s: %zu entries vs %zu", rel, na, nb);
}

START_TEST(round_trip)
{
  struct fx f;
  struct s2i_layer l;
  struct s2i_error *err = NULL;
  char *blob, *out, *dev;

  fx_open(&f);
  make_rich_tree(&f);
  set_mtime(&f, "data/sym", 12345);
  write_layer(&l, &f, NULL);
  blob = s2i_store_blob_path(f.store, l.digest);
  out = s2i_fs_join(f.dir, "out");
  ck_assert_int_eq(mkdir(out, 0755), 0);
  ck_assert_int_eq(s2i_layers_unpack_blob(tu_ctx(), blob, out, &err), 0);
  /* unpacking drops device nodes (a layer's device would be a host one) */
  dev = s2i_fs_join(out, "data/null");
  ck_assert(!s2i_fs_exists(dev));
  free(dev);
  dev = tp(&f, "data/null");
  ck_assert_int_eq(unlink(dev), 0);
  compare_trees(f.tree, out, "");
  free(dev);
  free(out);
  free(blob);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

/* Outside an overlay upper dir a 0/0 device is just a device. */
START_TEST(plain_tree_keeps_devices)
{
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  char *p;

  fx_open(&f);
  p = tp(&f, "zero");
  ck_assert_int_eq(mknod(p, S_IFCHR | 0600, makedev(0, 0)), 0);
  free(p);
  write_layer(&l, &f, NULL);
  read_tar(&t, f.store, l.digest);
  ck_assert_uint_eq(t.n, 1);
  ck_assert_str_eq(t.e[0].name, "zero");
  ck_assert_uint_eq(t.e[0].type, AE_IFCHR);
  free_tar(&t);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

START_TEST(upper_markers_without_mount)
{
  struct fx f;
  struct s2i_layer l;
  struct rtar t;
  struct s2i_layer_write_opts o = S2I_LAYER_WRITE_OPTS_INIT;
  const struct rent *r;
  char *p;

  fx_open(&f);
  tu_write(f.tree, "etc/app.conf", "x", 0644);
  p = tp(&f, "etc/gone");
  ck_assert_int_eq(mknod(p, S_IFCHR, makedev(0, 0)), 0);
  free(p);
  p = tp(&f, "var");
  ck_assert_int_eq(mkdir(p, 0755), 0);
  ck_assert_int_eq(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
  free(p);
  o.from_overlay_upper = 1;
  write_layer(&l, &f, &o);
  read_tar(&t, f.store, l.digest);
  ck_assert_uint_eq(t.n, 5);
  ck_assert_str_eq(t.e[0].name, "etc/");
  ck_assert_str_eq(t.e[1].name, "etc/.wh.gone");
  ck_assert_str_eq(t.e[2].name, "etc/app.conf");
  ck_assert_str_eq(t.e[3].name, "var/");
  ck_assert_str_eq(t.e[4].name, "var/.wh..wh..opq");
  r = &t.e[1];
  ck_assert(r->type == AE_IFREG && r->perm == 0 && r->size == 0);
  ck_assert(r->uid == 0 && r->gid == 0);
  free_tar(&t);
  free(l.media_type);
  fx_close(&f);
}
END_TEST

START_TEST(interrupt_aborts_blob)
{
  struct fx f;
  struct s2i_layer l;
  struct s2i_error *err = NULL;
  char *tmp;

  fx_open(&f);
  tu_write(f.tree, "a", "a", 0644);
  tu_interrupted = 15;
  ck_assert_int_lt(s2i_layer_write(tu_ctx(), &l, f.tree, NULL, f.store, &err),
                   0);
  tu_interrupted = 0;
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  s2i_error_free(err);
  tmp = s2i_store_tmp_dir(f.store);
  ck_assert_int_eq(rmdir(tmp), 0); /* the temp blob is gone */
  free(tmp);
  fx_close(&f);
}
END_TEST

START_TEST(errors_name_the_root)
{
  struct fx f;
  struct s2i_layer l;
  struct s2i_error *err = NULL;
  char *missing;

  fx_open(&f);
  missing = s2i_fs_join(f.dir, "missing");
  tu_assert_error(s2i_layer_write(tu_ctx(), &l, missing, NULL, f.store, &err),
                  &err, missing);
  free(missing);
  fx_close(&f);
}
END_TEST

static Suite *layer_writer_suite(void)
{
  return tu_suite("layer_writer", 30, NULL,
                  TU_TESTS(sorted_and_normalised, exclude_subtrees,
                           source_date_epoch_clamps, same_tree_same_digest,
                           hardlinks_and_specials, round_trip,
                           plain_tree_keeps_devices,
                           upper_markers_without_mount, errors_name_the_root,
                           interrupt_aborts_blob));
}

TU_MAIN(layer_writer_suite)
