#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "testutil.h"

#include "image.h"
#include "layer_writer.h"
#include "layers.h"
#include "overlay.h"
#include "rootpath.h"
#include "store.h"
#include "strv.h"

START_TEST(options_top_first)
{
  struct s2i_strv l = S2I_STRV_INIT;
  char *o;

  s2i_strv_add(&l, "/s/bottom");
  s2i_strv_add(&l, "/s/mid");
  s2i_strv_add(&l, "/s/top");
  o = s2i_overlay_options(&l, "/u", "/w", 0);
  ck_assert_str_eq(o,
                   "lowerdir=/s/top:/s/mid:/s/bottom,upperdir=/u,workdir=/w");
  free(o);
  o = s2i_overlay_options(&l, "/u", "/w", 1);
  ck_assert_str_eq(o, "lowerdir=/s/top:/s/mid:/s/bottom,upperdir=/u,"
                      "workdir=/w,userxattr");
  free(o);
  o = s2i_overlay_options(&l, NULL, NULL, 0);
  ck_assert_str_eq(o, "lowerdir=/s/top:/s/mid:/s/bottom");
  free(o);
  s2i_strv_free(&l);
}
END_TEST

START_TEST(options_escape_separators)
{
  struct s2i_strv l = S2I_STRV_INIT;
  char *o;

  s2i_strv_add(&l, "/a:b");
  s2i_strv_add(&l, "/c,d");
  o = s2i_overlay_options(&l, "/u\\x", "/w", 0);
  ck_assert_str_eq(o, "lowerdir=/c\\,d:/a\\:b,upperdir=/u\\\\x,workdir=/w");
  free(o);
  s2i_strv_free(&l);
}
END_TEST

START_TEST(too_many_layers_said_clearly)
{
  struct s2i_strv l = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  for (int i = 0; i < 100; i++)
    s2i_strv_addf(&l, "/var/cache/s2i/layers/%064d", i);
  ck_assert_int_lt(s2i_overlay_mount(&l, "/u", "/w", "/mnt/target", &err), 0);
  ck_assert_msg(strstr(err->msg, "/mnt/target") && strstr(err->msg, "100") &&
                    strstr(err->msg, "limit"),
                "%s", err->msg);
  s2i_error_free(err);
  s2i_strv_free(&l);
}
END_TEST

START_TEST(recognise_whiteout_and_opaque)
{
  char *dir = tu_tmpdir();
  char *wh = s2i_fs_join(dir, "wh"), *dev = s2i_fs_join(dir, "dev");
  char *d1 = s2i_fs_join(dir, "d1"), *d2 = s2i_fs_join(dir, "d2");
  struct stat st;

  ck_assert_int_eq(mknod(wh, S_IFCHR, makedev(0, 0)), 0);
  ck_assert_int_eq(mknod(dev, S_IFCHR, makedev(1, 3)), 0);
  ck_assert_int_eq(lstat(wh, &st), 0);
  ck_assert(s2i_overlay_is_whiteout(&st));
  ck_assert_int_eq(lstat(dev, &st), 0);
  ck_assert(!s2i_overlay_is_whiteout(&st));
  ck_assert_int_eq(lstat(dir, &st), 0);
  ck_assert(!s2i_overlay_is_whiteout(&st));
  ck_assert_int_eq(mkdir(d1, 0755), 0);
  ck_assert_int_eq(mkdir(d2, 0755), 0);
  ck_assert(!s2i_overlay_is_opaque(d1));
  ck_assert_int_eq(setxattr(d1, "trusted.overlay.opaque", "y", 1, 0), 0);
  ck_assert(s2i_overlay_is_opaque(d1));
  /* user.* xattrs need kernel support on this file system */
  if (setxattr(d2, "user.overlay.opaque", "y", 1, 0) == 0)
    ck_assert(s2i_overlay_is_opaque(d2));
  free(wh);
  free(dev);
  free(d1);
  free(d2);
  tu_rmdir(dir);
}
END_TEST

/* ---- the whole path: unpacked layers, overlay, upper dir, new layer ---- */

struct world {
  char *dir;
  struct s2i_store *store;
  struct s2i_layer layers[3];
  struct s2i_image img;
};

static char *sub(const struct world *w, const char *rel)
{
  return s2i_fs_join(w->dir, rel);
}

/* Mounts made here die with this (forked) test process. */
static void private_mounts(void)
{
  ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
  ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
}

static void layer_from_tree(struct world *w, int i, const char *tree, int upper)
{
  struct s2i_layer_write_opts o = S2I_LAYER_WRITE_OPTS_INIT;
  struct s2i_error *err = NULL;
  char *root = sub(w, tree);
  int r;

  o.from_overlay_upper = upper;
  r = s2i_layer_write(tu_ctx(), &w->layers[i], root, &o, w->store, &err);
  ck_assert_msg(r == 0, "%s", err ? err->msg : "");
  free(w->layers[i].media_type);
  w->layers[i].media_type = NULL;
  free(root);
}

static void world_open(struct world *w)
{
  struct s2i_error *err = NULL;
  char *p;

  memset(w, 0, sizeof(*w));
  w->dir = tu_tmpdir();
  p = sub(w, "store");
  ck_assert_int_eq(s2i_store_open(&w->store, p, &err), 0);
  free(p);
  tu_write(w->dir, "t0/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
  tu_write(w->dir, "t0/etc/deleteme", "x", 0644);
  tu_write(w->dir, "t0/var/lib/old/1", "1", 0644);
  tu_write(w->dir, "t0/var/lib/old/2", "2", 0644);
  tu_write(w->dir, "t0/usr/share/doc/x", "x", 0644);
  tu_write(w->dir, "t1/etc/hosts", "127.0.0.1 localhost\n", 0644);
  tu_write(w->dir, "t1/usr/share/doc/x", "x", 0644);
  p = sub(w, "t1/usr/share/doc/x");
  ck_assert_int_eq(unlink(p), 0);
  ck_assert_int_eq(mknod(p, S_IFCHR, makedev(0, 0)), 0); /* a deletion */
  free(p);
  layer_from_tree(w, 0, "t0", 0);
  layer_from_tree(w, 1, "t1", 1);
  w->img.layers = w->layers;
  w->img.n_layers = 2;
}

static void world_close(struct world *w)
{
  s2i_store_free(w->store);
  tu_rmdir(w->dir);
}

static void mkdirs(const struct world *w, const char *const *rels)
{
  for (; *rels; rels++) {
    char *p = sub(w, *rels);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    free(p);
  }
}

static int exists_in(const char *root, const char *rel)
{
  char *p = s2i_fs_join(root, rel);
  int r = s2i_fs_exists(p);

  free(p);
  return r;
}

/* What a build step does in the merged root. */
static void change_merged(const char *m)
{
  struct s2i_error *err = NULL;
  char *p;

  tu_write(m, "app/new.txt", "new", 0644);
  p = s2i_fs_join(m, "etc/deleteme");
  ck_assert_int_eq(unlink(p), 0);
  free(p);
  p = s2i_fs_join(m, "var/lib/old");
  ck_assert_int_eq(s2i_fs_rm_rf(p, &err), 0);
  ck_assert_int_eq(mkdir(p, 0755), 0); /* becomes an opaque dir */
  free(p);
  tu_write(m, "var/lib/old/fresh", "fresh", 0644);
}

static void assert_upper_tar(struct s2i_store *st, const char *digest)
{
  static const char *const want[] = {"app/",
                                     "app/new.txt",
                                     "etc/",
                                     "etc/.wh.deleteme",
                                     "var/",
                                     "var/lib/",
                                     "var/lib/old/",
                                     "var/lib/old/.wh..wh..opq",
                                     "var/lib/old/fresh",
                                     NULL};
  char *blob = s2i_store_blob_path(st, digest);
  struct archive *a = archive_read_new();
  struct archive_entry *e;
  size_t i = 0;

  archive_read_support_format_tar(a);
  ck_assert_int_eq(archive_read_open_filename(a, blob, 10240), ARCHIVE_OK);
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    const char *name = archive_entry_pathname(e);
    ck_assert_msg(want[i] != NULL, "unexpected entry %s", name);
    ck_assert_str_eq(name, want[i]);
    ck_assert_uint_ne(archive_entry_filetype(e), AE_IFCHR);
    if (strstr(name, ".wh."))
      ck_assert(archive_entry_perm(e) == 0 && archive_entry_size(e) == 0);
    i++;
  }
  ck_assert_ptr_null(want[i]);
  archive_read_free(a);
  free(blob);
}

/* s2i_rootpath_find sees what the kernel showed in the merged view. */
static void assert_find_agrees(const struct s2i_strv *lowers)
{
  char *f = s2i_rootpath_find(lowers, "/var/lib/old/fresh");

  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_null(s2i_rootpath_find(lowers, "/var/lib/old/1"));
  ck_assert_ptr_null(s2i_rootpath_find(lowers, "/etc/deleteme"));
  free(f);
}

START_TEST(build_step_round_trip)
{
  static const char *const dirs[] = {"upper", "work", "merged", "view", NULL};
  struct world w;
  struct s2i_error *err = NULL;
  struct s2i_strv lowers = S2I_STRV_INIT;
  char *upper, *work, *merged, *view;

  private_mounts();
  world_open(&w);
  mkdirs(&w, dirs);
  upper = sub(&w, "upper");
  work = sub(&w, "work");
  merged = sub(&w, "merged");
  view = sub(&w, "view");
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &lowers, &w.img, w.store, &err),
                   0);
  ck_assert_int_eq(s2i_overlay_mount(&lowers, upper, work, merged, &err), 0);
  ck_assert(exists_in(merged, "etc/passwd") && exists_in(merged, "etc/hosts"));
  ck_assert(!exists_in(merged, "usr/share/doc/x")); /* layer 1's whiteout */
  change_merged(merged);
  ck_assert_int_eq(umount2(merged, 0), 0);

  layer_from_tree(&w, 2, "upper", 1);
  assert_upper_tar(w.store, w.layers[2].digest);

  /* the new layer on top of the old ones shows what the step left */
  w.img.n_layers = 3;
  s2i_strv_free(&lowers);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &lowers, &w.img, w.store, &err),
                   0);
  ck_assert_int_eq(s2i_overlay_mount(&lowers, NULL, NULL, view, &err), 0);
  ck_assert(exists_in(view, "app/new.txt") && exists_in(view, "etc/passwd"));
  ck_assert(!exists_in(view, "etc/deleteme"));
  ck_assert(!exists_in(view, "var/lib/old/1"));
  ck_assert(exists_in(view, "var/lib/old/fresh"));
  ck_assert_int_eq(umount2(view, 0), 0);
  assert_find_agrees(&lowers);
  s2i_strv_free(&lowers);
  free(upper);
  free(work);
  free(merged);
  free(view);
  world_close(&w);
}
END_TEST

START_TEST(mount_error_names_target)
{
  struct s2i_strv l = S2I_STRV_INIT;
  struct s2i_error *err = NULL;

  private_mounts();
  s2i_strv_add(&l, "/nonexistent/lower");
  tu_assert_error(s2i_overlay_mount(&l, "/nonexistent/u", "/nonexistent/w",
                                    "/nonexistent/target", &err),
                  &err, "/nonexistent/target");
  s2i_strv_free(&l);
}
END_TEST

static Suite *overlay_suite(void)
{
  return tu_suite("overlay", 30, NULL,
                  TU_TESTS(options_top_first, options_escape_separators,
                           too_many_layers_said_clearly,
                           recognise_whiteout_and_opaque, build_step_round_trip,
                           mount_error_names_target));
}

TU_MAIN(overlay_suite)
