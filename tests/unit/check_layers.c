#include <archive.h>
#include <archive_entry.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "testutil.h"

#include "digest.h"
#include "image.h"
#include "layers.h"
#include "log.h"
#include "overlay.h"
#include "store.h"
#include "strv.h"

/* One entry of a test tar: type 'f' file (text = content), 'd' dir,
 * 'l' symlink (text = target), 'h' hard link (text = target), 'c' the
 * char device 1:1 (/dev/mem), 'b' the block device 8:0 (a disk), 'Z' a file
 * of BIG_SIZE zero bytes. */
struct tent {
  const char *path;
  char type;
  const char *text;
};

#define BIG_SIZE (4 << 20)

static mode_t tent_type(char type)
{
  switch (type) {
  case 'd': return AE_IFDIR;
  case 'l': return AE_IFLNK;
  case 'c': return AE_IFCHR;
  case 'b': return AE_IFBLK;
  default: return AE_IFREG;
  }
}

static void add_zeros(struct archive *a)
{
  static const char zeros[65536];

  for (size_t done = 0; done < BIG_SIZE; done += sizeof(zeros))
    ck_assert_int_eq(archive_write_data(a, zeros, sizeof(zeros)),
                     (la_ssize_t)sizeof(zeros));
}

static void add_entry(struct archive *a, const struct tent *t)
{
  struct archive_entry *e = archive_entry_new();
  size_t len = t->type == 'f' ? strlen(t->text) : t->type == 'Z' ? BIG_SIZE : 0;

  archive_entry_set_pathname(e, t->path);
  archive_entry_set_uid(e, 1234);
  archive_entry_set_gid(e, 0);
  archive_entry_set_mtime(e, 1000000, 0);
  archive_entry_set_filetype(e, tent_type(t->type));
  if (t->type == 'c' || t->type == 'b')
    archive_entry_set_rdev(e, t->type == 'c' ? makedev(1, 1) : makedev(8, 0));
  archive_entry_set_perm(e, t->type == 'd' ? 0755 : 0644);
  if (t->type == 'l')
    archive_entry_set_symlink(e, t->text);
  if (t->type == 'h')
    archive_entry_set_hardlink(e, t->text);
  archive_entry_set_size(e, (la_int64_t)len);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  if (t->type == 'Z')
    add_zeros(a);
  else if (len)
    ck_assert_int_eq(archive_write_data(a, t->text, len), (la_ssize_t)len);
  archive_entry_free(e);
}

/* Write the entries as a (gzip'd when asked) tar and put it in the store. */
static void make_layer(char digest[S2I_DIGEST_LEN + 1], struct s2i_store *st,
                       const struct tent *ents, size_t n, int gzip)
{
  char *tar = xasprintf("%s/t.tar", st->root);
  struct archive *a = archive_write_new();
  struct s2i_error *err = NULL;
  char *buf = NULL;
  size_t len;

  archive_write_set_format_pax_restricted(a);
  if (gzip)
    archive_write_add_filter_gzip(a);
  ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++)
    add_entry(a, &ents[i]);
  archive_write_free(a);
  ck_assert_int_eq(s2i_fs_read_file(&buf, &len, tar, &err), 0);
  ck_assert_int_eq(s2i_store_put(st, buf, len, digest, &err), 0);
  unlink(tar);
  free(buf);
  free(tar);
}

struct fixture {
  char *dir;
  struct s2i_store *store;
  struct s2i_layer layer;
  struct s2i_image img;
  struct s2i_strv dirs;
};

static void fixture_open(struct fixture *f, const struct tent *ents, size_t n,
                         int gzip)
{
  struct s2i_error *err = NULL;

  memset(f, 0, sizeof(*f));
  f->dir = tu_tmpdir();
  ck_assert_int_eq(s2i_store_open(&f->store, f->dir, &err), 0);
  make_layer(f->layer.digest, f->store, ents, n, gzip);
  f->img.layers = &f->layer;
  f->img.n_layers = 1;
}

static void fixture_close(struct fixture *f)
{
  s2i_strv_free(&f->dirs);
  s2i_store_free(f->store);
  tu_rmdir(f->dir);
}

static char *at(const char *dir, const char *rel)
{
  return s2i_fs_join(dir, rel);
}

static void assert_whiteout(const char *dir, const char *rel)
{
  char *p = at(dir, rel);
  struct stat st;

  ck_assert_int_eq(lstat(p, &st), 0);
  ck_assert_msg(s2i_overlay_is_whiteout(&st), "%s is not a whiteout", rel);
  free(p);
}

static void assert_opaque(const char *dir, const char *rel)
{
  char *p = at(dir, rel);

  ck_assert_msg(s2i_overlay_is_opaque(p), "%s is not opaque", rel);
  free(p);
}

static void assert_missing(const char *dir, const char *rel)
{
  char *p = at(dir, rel);

  ck_assert_msg(!s2i_fs_exists(p), "%s exists", rel);
  free(p);
}

/* Content, owner, mtime, a hard link sharing the inode, a symlink. */
static void assert_files_and_links(const char *d)
{
  struct s2i_error *err = NULL;
  char *buf = NULL, *p = at(d, "dir/a"), *q = at(d, "dir/hl");
  char *s = at(d, "dir/sym"), v[8] = {0};
  struct stat sa, sb;

  ck_assert_int_eq(s2i_fs_read_file(&buf, NULL, p, &err), 0);
  ck_assert_str_eq(buf, "AAA");
  ck_assert_int_eq(lstat(p, &sa), 0);
  ck_assert_uint_eq(sa.st_uid, 1234);
  ck_assert_int_eq(sa.st_mtime, 1000000);
  ck_assert_int_eq(lstat(q, &sb), 0);
  ck_assert_uint_eq(sa.st_ino, sb.st_ino);
  ck_assert_int_eq(readlink(s, v, sizeof(v) - 1), 1);
  ck_assert_str_eq(v, "a");
  free(buf);
  free(p);
  free(q);
  free(s);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(unpack_whiteouts_links)
{
  static const struct tent ents[] = {
      {"./", 'd', NULL},
      {"dir/", 'd', NULL},
      {"dir/a", 'f', "AAA"},
      {"dir/hl", 'h', "dir/a"},
      {"dir/sym", 'l', "a"},
      {"dir/old", 'f', "old"},
      {"dir/.wh.old", 'f', ""},
      {"dir/.wh.gone", 'f', ""},
      {"opq/", 'd', NULL},
      {"opq/.wh..wh..opq", 'f', ""},
      {"opq/kept", 'f', "k"},
      {"deep/er/.wh..wh..opq", 'f', ""},
      {".wh..wh.plnk/", 'd', NULL},
      {".wh..wh.plnk/1.2", 'f', "x"},
      {"dir/.wh..wh.aufs", 'f', ""},
  };
  struct fixture f;
  struct s2i_error *err = NULL;

  fixture_open(&f, ents, N(ents), 1);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  ck_assert_uint_eq(f.dirs.n, 1);
  assert_files_and_links(f.dirs.v[0]);
  assert_whiteout(f.dirs.v[0], "dir/old");
  assert_whiteout(f.dirs.v[0], "dir/gone");
  assert_opaque(f.dirs.v[0], "opq");
  assert_opaque(f.dirs.v[0], "deep/er");
  assert_missing(f.dirs.v[0], "dir/.wh.gone");
  assert_missing(f.dirs.v[0], "opq/.wh..wh..opq");
  assert_missing(f.dirs.v[0], ".wh..wh.plnk");
  assert_missing(f.dirs.v[0], "dir/.wh.aufs");
  assert_missing(f.dirs.v[0], "dir/.wh..wh.aufs");
  fixture_close(&f);
}
END_TEST

/* An unpack that must fail, naming the digest and the entry, leaving
 * neither a cached layer nor a temp dir behind. */
static void assert_refused(const struct tent *ents, size_t n, const char *entry)
{
  struct fixture f;
  struct s2i_error *err = NULL;
  char *tmp, *layers;

  fixture_open(&f, ents, n, 0);
  ck_assert_int_lt(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err->msg, f.layer.digest) != NULL, "%s", err->msg);
  ck_assert_msg(strstr(err->msg, entry) != NULL, "%s", err->msg);
  if (getenv("TU_VERBOSE"))
    fprintf(stderr, "refused: %s\n", err->msg);
  s2i_error_free(err);
  layers = s2i_store_layer_dir(f.store, f.layer.digest);
  ck_assert(!s2i_fs_exists(layers));
  tmp = s2i_store_tmp_dir(f.store);
  ck_assert_int_eq(rmdir(tmp), 0); /* empty: the temp dir was removed */
  free(tmp);
  free(layers);
  fixture_close(&f);
}

START_TEST(refuse_dotdot)
{
  static const struct tent ents[] = {{"a/../../x", 'f', "x"}};
  assert_refused(ents, N(ents), "a/../../x");
}
END_TEST

START_TEST(refuse_absolute)
{
  static const struct tent ents[] = {{"/abs", 'f', "x"}};
  assert_refused(ents, N(ents), "/abs");
}
END_TEST

START_TEST(refuse_hardlink_outside)
{
  static const struct tent ents[] = {{"x", 'h', "../../etc/passwd"}};
  assert_refused(ents, N(ents), "../../etc/passwd");
}
END_TEST

START_TEST(refuse_through_symlink)
{
  char *outside = tu_tmpdir();
  char *victim = s2i_fs_join(outside, "passwd");
  struct tent ents[] = {{"link", 'l', outside}, {"link/passwd", 'f', "evil"}};
  struct tent wh[] = {{"link", 'l', outside}, {"link/.wh.passwd", 'f', ""}};
  struct tent etc[] = {{"link", 'l', "/etc"}, {"link/passwd", 'f', "evil"}};

  tu_write(outside, "passwd", "good", 0644);
  assert_refused(ents, N(ents), "link/passwd");
  assert_refused(wh, N(wh), "link/.wh.passwd");
  assert_refused(etc, N(etc), "link/passwd");
  {
    char *buf = NULL;
    struct s2i_error *err = NULL;
    ck_assert_int_eq(s2i_fs_read_file(&buf, NULL, victim, &err), 0);
    ck_assert_str_eq(buf, "good");
    free(buf);
  }
  free(victim);
  tu_rmdir(outside);
}
END_TEST

START_TEST(cache_reused)
{
  static const struct tent ents[] = {{"f", 'f', "data"}};
  struct fixture f;
  struct s2i_error *err = NULL;
  struct s2i_strv again = S2I_STRV_INIT;
  struct stat s1, s2;
  char *p, *blob;

  fixture_open(&f, ents, N(ents), 0);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  p = at(f.dirs.v[0], "f");
  ck_assert_int_eq(lstat(p, &s1), 0);
  /* the second unpack must not even read the blob */
  blob = s2i_store_blob_path(f.store, f.layer.digest);
  ck_assert_int_eq(unlink(blob), 0);
  tu_next_second(); /* a rewrite would now give the file another ctime */
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &again, &f.img, f.store, &err),
                   0);
  ck_assert_str_eq(again.v[0], f.dirs.v[0]);
  ck_assert_int_eq(lstat(p, &s2), 0);
  ck_assert_uint_eq(s1.st_ino, s2.st_ino);
  ck_assert_int_eq(s1.st_ctim.tv_sec, s2.st_ctim.tv_sec);
  ck_assert_int_eq(s1.st_ctim.tv_nsec, s2.st_ctim.tv_nsec);
  s2i_strv_free(&again);
  free(blob);
  free(p);
  fixture_close(&f);
}
END_TEST

START_TEST(missing_blob_named)
{
  struct fixture f;
  struct s2i_error *err = NULL;
  static const struct tent ents[] = {{"f", 'f', "data"}};
  char *blob;

  fixture_open(&f, ents, N(ents), 0);
  blob = s2i_store_blob_path(f.store, f.layer.digest);
  unlink(blob);
  tu_assert_error(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                  &err, f.layer.digest);
  free(blob);
  fixture_close(&f);
}
END_TEST

/* A relative store root (S2I_CACHE_DIR=cache) and the caller's cwd
 * survive the unpack's trip into the layer dir. */
START_TEST(relative_store_root)
{
  static const struct tent ents[] = {{"d/f", 'f', "data"}};
  char *dir = tu_tmpdir(), *p, cwd[4096];
  struct s2i_store *st = NULL;
  struct s2i_error *err = NULL;
  struct s2i_layer layer = {0};
  struct s2i_image img = {.layers = &layer, .n_layers = 1};
  struct s2i_strv dirs = S2I_STRV_INIT;

  ck_assert_int_eq(chdir(dir), 0);
  ck_assert_int_eq(s2i_store_open(&st, "cache", &err), 0);
  make_layer(layer.digest, st, ents, N(ents), 0);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &dirs, &img, st, &err), 0);
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
  ck_assert_str_eq(cwd, dir);
  p = s2i_fs_join(dirs.v[0], "d/f");
  ck_assert_msg(s2i_fs_exists(p), "%s missing", p);
  free(p);
  s2i_strv_free(&dirs);
  s2i_store_free(st);
  ck_assert_int_eq(chdir("/"), 0);
  tu_rmdir(dir);
}
END_TEST

START_TEST(interrupt_stops_and_cleans)
{
  static const struct tent ents[] = {{"f", 'f', "data"}};
  struct fixture f;
  struct s2i_error *err = NULL;
  char *tmp;

  fixture_open(&f, ents, N(ents), 0);
  tu_interrupted = 2;
  ck_assert_int_lt(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  tu_interrupted = 0;
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  s2i_error_free(err);
  tmp = s2i_store_tmp_dir(f.store);
  ck_assert_int_eq(rmdir(tmp), 0); /* nothing half-unpacked left */
  free(tmp);
  fixture_close(&f);
}
END_TEST

/* Two builds in one process, each with its own ctx: interrupting one
 * leaves the other unpacking, and each logs only to its own stream. */
START_TEST(interrupt_is_per_ctx)
{
  static const struct tent ents[] = {{"f", 'f', "data"}};
  volatile sig_atomic_t stop_a = SIGTERM, stop_b = 0;
  char *text_a = NULL, *text_b = NULL;
  size_t len_a = 0, len_b = 0;
  struct s2i_strv dirs_b = S2I_STRV_INIT;
  struct s2i_error *err = NULL;
  struct s2i_ctx a, b;
  struct fixture f;

  fixture_open(&f, ents, N(ents), 0);
  s2i_ctx_init(&a);
  s2i_ctx_init(&b);
  a.interrupted = &stop_a;
  b.interrupted = &stop_b;
  a.log = open_memstream(&text_a, &len_a);
  b.log = open_memstream(&text_b, &len_b);
  ck_assert_int_lt(s2i_layers_unpack(&a, &f.dirs, &f.img, f.store, &err), 0);
  ck_assert_int_eq(err->exit_code, S2I_EXIT_INTERRUPTED);
  s2i_error_free(err);
  err = NULL;
  ck_assert_int_eq(s2i_layers_unpack(&b, &dirs_b, &f.img, f.store, &err), 0);
  ck_assert_uint_eq(dirs_b.n, 1);
  s2i_log_warn(&a, "from a");
  s2i_log_warn(&b, "from b");
  fclose(a.log);
  fclose(b.log);
  ck_assert_str_eq(text_a, "warning: from a\n");
  ck_assert_str_eq(text_b, "warning: from b\n");
  free(text_a);
  free(text_b);
  s2i_strv_free(&dirs_b);
  fixture_close(&f);
}
END_TEST

/* A device node in a layer would be a real device in the cache: dropped,
 * the rest of the layer kept. */
START_TEST(devices_dropped)
{
  static const struct tent ents[] = {
      {"dev/", 'd', NULL},
      {"dev/sda", 'b', NULL},
      {"dev/mem", 'c', NULL},
      {"kept", 'f', "k"},
  };
  struct fixture f;
  struct s2i_error *err = NULL;

  fixture_open(&f, ents, N(ents), 0);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  assert_missing(f.dirs.v[0], "dev/sda");
  assert_missing(f.dirs.v[0], "dev/mem");
  ck_assert(s2i_fs_exists(f.dirs.v[0]));
  fixture_close(&f);
}
END_TEST

static int remount_size(const char *dir, const char *size)
{
  char *opts = xasprintf("size=%s", size);
  int r = mount("tmpfs", dir, "tmpfs", MS_REMOUNT, opts);

  free(opts);
  return r;
}

/* A full disk while unpacking is an error that caches nothing: a later
 * unpack with room gives the whole file, not a NUL-filled short one. */
START_TEST(enospc_caches_nothing)
{
  static const struct tent ents[] = {{"big", 'Z', NULL}};
  struct fixture f;
  struct s2i_error *err = NULL;
  char *layers, *tmp, *big;
  struct stat st;

  memset(&f, 0, sizeof(f));
  f.dir = tu_tmpdir();
  if (mount("tmpfs", f.dir, "tmpfs", 0, "size=1m") < 0) {
    tu_rmdir(f.dir);
    tu_skip("cannot mount a tmpfs (needs root)");
  }
  ck_assert_int_eq(s2i_store_open(&f.store, f.dir, &err), 0);
  make_layer(f.layer.digest, f.store, ents, N(ents), 1);
  f.img.layers = &f.layer;
  f.img.n_layers = 1;
  ck_assert_int_lt(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  ck_assert_msg(strstr(err->msg, "big") && strstr(err->msg, f.layer.digest),
                "%s", err->msg);
  s2i_error_free(err);
  err = NULL;
  layers = s2i_store_layer_dir(f.store, f.layer.digest);
  ck_assert(!s2i_fs_exists(layers));
  tmp = s2i_store_tmp_dir(f.store);
  ck_assert_int_eq(rmdir(tmp), 0); /* empty: the partial unpack is gone */
  ck_assert_int_eq(remount_size(f.dir, "32m"), 0);
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  big = s2i_fs_join(f.dirs.v[0], "big");
  ck_assert_int_eq(stat(big, &st), 0);
  ck_assert_int_eq(st.st_size, BIG_SIZE);
  s2i_strv_free(&f.dirs);
  s2i_store_free(f.store);
  ck_assert_int_eq(umount2(f.dir, MNT_DETACH), 0);
  tu_rmdir(f.dir);
  free(big);
  free(tmp);
  free(layers);
}
END_TEST

/* The diff_id of entries: the digest of their uncompressed tar. */
static void tar_digest(char out[S2I_DIGEST_LEN + 1], const char *dir,
                       const struct tent *ents, size_t n)
{
  char *tar = xasprintf("%s/plain.tar", dir);
  struct archive *a = archive_write_new();
  struct s2i_error *err = NULL;

  archive_write_set_format_pax_restricted(a);
  ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++)
    add_entry(a, &ents[i]);
  archive_write_free(a);
  ck_assert_int_eq(s2i_digest_file(tar, out, &err), 0);
  unlink(tar);
  free(tar);
}

/* A gzip layer whose config claims another diff_id: refused when the
 * cache is cold (nothing cached) and when the same blob is already
 * cached from an honest image. */
START_TEST(diff_id_checked)
{
  static const struct tent ents[] = {{"a", 'f', "AAA"}};
  static const char *wrong =
      "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  struct fixture f;
  struct s2i_error *err = NULL;
  char *layers, *side;

  fixture_open(&f, ents, N(ents), 1);
  snprintf(f.layer.diff_id, sizeof(f.layer.diff_id), "%s", wrong);
  tu_assert_error(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                  &err, "config says sha256:0000");
  layers = s2i_store_layer_dir(f.store, f.layer.digest);
  ck_assert(!s2i_fs_exists(layers));
  tar_digest(f.layer.diff_id, f.dir, ents, N(ents));
  ck_assert_str_ne(f.layer.diff_id, f.layer.digest); /* gzip: they differ */
  ck_assert_int_eq(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                   0);
  snprintf(f.layer.diff_id, sizeof(f.layer.diff_id), "%s", wrong);
  tu_assert_error(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                  &err, "config says sha256:0000");
  /* a cache from before diff_ids were recorded is checked from the blob */
  side = xasprintf("%s.diff_id", layers);
  ck_assert_int_eq(unlink(side), 0);
  tu_assert_error(s2i_layers_unpack(tu_ctx(), &f.dirs, &f.img, f.store, &err),
                  &err, "config says sha256:0000");
  ck_assert(s2i_fs_exists(side));
  free(side);
  free(layers);
  fixture_close(&f);
}
END_TEST

static Suite *layers_suite(void)
{
  return tu_suite(
      "layers", 30, NULL,
      TU_TESTS(unpack_whiteouts_links, refuse_dotdot, refuse_absolute,
               refuse_hardlink_outside, refuse_through_symlink, cache_reused,
               missing_blob_named, interrupt_stops_and_cleans,
               interrupt_is_per_ctx, relative_store_root, devices_dropped,
               enospc_caches_nothing, diff_id_checked));
}

TU_MAIN(layers_suite)
