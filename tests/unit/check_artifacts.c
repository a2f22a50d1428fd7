/* Extraction of save-artifacts' tar stream: contents, ownership, and the
 * refusals (.., absolute names, symlink traversal, devices).  Runs as root
 * (the ownership checks need chown). */
#include <archive.h>
#include <archive_entry.h>

#include "testutil.h"

#include "artifacts.h"

/* One entry of a test tar: 'f' file (text = content), 'd' dir,
 * 'l' symlink (text = target), 'h' hard link (text = target), 'c' char dev. */
struct tent {
  const char *path;
  char type;
  const char *text;
  mode_t perm;
};

static mode_t entry_type(char t)
{
  switch (t) {
  case 'd': return AE_IFDIR;
  case 'l': return AE_IFLNK;
  case 'c': return AE_IFCHR;
  default: return AE_IFREG;
  }
}

static void add_entry(struct archive *a, const struct tent *t)
{
  struct archive_entry *e = archive_entry_new();
  size_t len = t->type == 'f' ? strlen(t->text) : 0;

  archive_entry_set_pathname(e, t->path);
  archive_entry_set_uid(e, 1234);
  archive_entry_set_gid(e, 5);
  archive_entry_set_uname(e, "root"); /* must not win over the numbers */
  archive_entry_set_mtime(e, 1000000, 0);
  archive_entry_set_filetype(e, entry_type(t->type));
  archive_entry_set_perm(e, t->perm ? t->perm : t->type == 'd' ? 0755 : 0644);
  if (t->type == 'l')
    archive_entry_set_symlink(e, t->text);
  if (t->type == 'h')
    archive_entry_set_hardlink(e, t->text);
  archive_entry_set_size(e, (la_int64_t)len);
  ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
  if (len)
    ck_assert_int_eq(archive_write_data(a, t->text, len), (la_ssize_t)len);
  archive_entry_free(e);
}

/* dir/stream.tar: the entries as a ustar stream plus `pad` zero bytes
 * (tar pads to its record size); an open fd on it. */
static int make_tar(const char *dir, const struct tent *ents, size_t n,
                    size_t pad)
{
  char *path = s2i_fs_join(dir, "stream.tar");
  struct archive *a = archive_write_new();
  char zeros[512] = {0};
  int fd;

  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++)
    add_entry(a, &ents[i]);
  archive_write_free(a);
  fd = open(path, O_RDWR | O_APPEND);
  ck_assert_int_ge(fd, 0);
  for (size_t i = 0; i < pad / sizeof(zeros); i++)
    ck_assert_int_eq(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
  ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
  free(path);
  return fd;
}

struct fixture {
  char *top;
  char *dest; /* top/dest: the artifacts dir */
};

static void fixture_open(struct fixture *f)
{
  f->top = tu_tmpdir();
  f->dest = s2i_fs_join(f->top, "dest");
  ck_assert_int_eq(mkdir(f->dest, 0755), 0);
}

static void fixture_close(struct fixture *f)
{
  free(f->dest);
  tu_rmdir(f->top);
}

static char *read_rel(const char *dir, const char *rel)
{
  char *path = s2i_fs_join(dir, rel);
  struct s2i_error *err = NULL;
  char *text = NULL;

  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, path, &err), 0);
  free(path);
  return text;
}

static void assert_owner(const char *dir, const char *rel, uid_t uid, gid_t gid)
{
  char *path = s2i_fs_join(dir, rel);
  struct stat st;

  ck_assert_int_eq(lstat(path, &st), 0);
  ck_assert_int_eq(st.st_uid, uid);
  ck_assert_int_eq(st.st_gid, gid);
  free(path);
}

START_TEST(extracts_owned_by_the_assemble_user)
{
  static const struct tent ents[] = {
      {"cache", 'd', NULL, 0},
      {"cache/pkg.whl", 'f', "wheel", 0},
      {"cache/link", 'l', "pkg.whl", 0},
      {"cache/hard", 'h', "cache/pkg.whl", 0},
      {"cache/suid", 'f', "x", 04755},
  };
  struct fixture f;
  struct s2i_error *err = NULL;
  char *text;
  struct stat st;
  char *p;
  int fd;

  fixture_open(&f);
  fd = make_tar(f.top, ents, 5, 0);
  ck_assert_int_eq(s2i_artifacts_extract(tu_ctx(), fd, f.dest, 4321, 0, &err),
                   0);
  text = read_rel(f.dest, "cache/pkg.whl");
  ck_assert_str_eq(text, "wheel");
  free(text);
  text = read_rel(f.dest, "cache/hard");
  ck_assert_str_eq(text, "wheel");
  free(text);
  assert_owner(f.dest, "cache", 4321, 0);
  assert_owner(f.dest, "cache/pkg.whl", 4321, 0);
  assert_owner(f.dest, "cache/link", 4321, 0);
  p = s2i_fs_join(f.dest, "cache/suid");
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0755); /* set-id bits dropped */
  ck_assert_int_eq(st.st_mtime, 1000000);
  free(p);
  close(fd);
  fixture_close(&f);
}
END_TEST

/* Refused with a message naming the entry; nothing lands outside. */
static void assert_refused(const struct tent *ents, size_t n,
                           const char *needle, const char *outside_rel)
{
  struct fixture f;
  struct s2i_error *err = NULL;
  char *outside;
  int fd;

  fixture_open(&f);
  fd = make_tar(f.top, ents, n, 0);
  tu_assert_error(s2i_artifacts_extract(tu_ctx(), fd, f.dest, 4321, 0, &err),
                  &err, needle);
  if (outside_rel) {
    outside = s2i_fs_join(f.top, outside_rel);
    ck_assert_msg(!s2i_fs_exists(outside), "%s was written", outside);
    free(outside);
  }
  close(fd);
  fixture_close(&f);
}

START_TEST(refuses_dotdot)
{
  static const struct tent ents[] = {{"../evil", 'f', "x", 0}};
  static const struct tent deep[] = {{"cache/../../evil2", 'f', "x", 0}};

  assert_refused(ents, 1, "entry ../evil escapes", "evil");
  assert_refused(deep, 1, "entry cache/../../evil2 escapes", "evil2");
}
END_TEST

START_TEST(refuses_absolute_paths)
{
  static const struct tent ents[] = {{"/tmp/s2i-artifacts-abs", 'f', "x", 0}};

  assert_refused(ents, 1, "entry /tmp/s2i-artifacts-abs escapes", NULL);
  ck_assert(!s2i_fs_exists("/tmp/s2i-artifacts-abs"));
}
END_TEST

START_TEST(refuses_symlink_traversal)
{
  /* "up" points at the parent of the artifacts dir (top/) */
  static const struct tent ents[] = {{"up", 'l', "..", 0},
                                     {"up/escaped", 'f', "x", 0}};

  assert_refused(ents, 2, "up/escaped", "escaped");
}
END_TEST

START_TEST(refuses_hard_links_out)
{
  static const struct tent ents[] = {{"h", 'h', "../../etc/passwd", 0}};

  assert_refused(ents, 1, "hard link h -> ../../etc/passwd escapes", NULL);
}
END_TEST

START_TEST(refuses_devices)
{
  static const struct tent ents[] = {{"wh", 'c', NULL, 0}};

  assert_refused(ents, 1, "entry wh is not a file, directory or link", NULL);
}
END_TEST

START_TEST(empty_stream_is_empty_archive)
{
  struct fixture f;
  struct s2i_error *err = NULL;
  int p[2];

  fixture_open(&f);
  ck_assert_int_eq(pipe(p), 0);
  close(p[1]);
  ck_assert_int_eq(s2i_artifacts_extract(tu_ctx(), p[0], f.dest, 4321, 0, &err),
                   0);
  close(p[0]);
  fixture_close(&f);
}
END_TEST

/* The stream is read to its end: tar's record padding after the archive
 * must not be left for the writer to die on. */
START_TEST(reads_the_stream_to_its_end)
{
  static const struct tent ents[] = {{"a", 'f', "a", 0}};
  struct fixture f;
  struct s2i_error *err = NULL;
  struct stat st;
  int fd;

  fixture_open(&f);
  fd = make_tar(f.top, ents, 1, 64 * 1024);
  ck_assert_int_eq(fstat(fd, &st), 0);
  ck_assert_int_eq(s2i_artifacts_extract(tu_ctx(), fd, f.dest, 4321, 0, &err),
                   0);
  ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), st.st_size);
  close(fd);
  fixture_close(&f);
}
END_TEST

START_TEST(garbage_is_an_error)
{
  struct fixture f;
  struct s2i_error *err = NULL;
  int p[2];

  fixture_open(&f);
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(write(p[1], "not a tar stream\n", 17), 17);
  close(p[1]);
  tu_assert_error(s2i_artifacts_extract(tu_ctx(), p[0], f.dest, 4321, 0, &err),
                  &err, "the tar stream");
  close(p[0]);
  fixture_close(&f);
}
END_TEST

START_TEST(missing_dir_is_named)
{
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_artifacts_extract(
                      tu_ctx(), 0, "/nonexistent/s2i-artifacts", 1, 0, &err),
                  &err, "/nonexistent/s2i-artifacts");
}
END_TEST

static Suite *artifacts_suite(void)
{
  return tu_suite("artifacts", 0, NULL,
                  TU_TESTS(extracts_owned_by_the_assemble_user, refuses_dotdot,
                           refuses_absolute_paths, refuses_symlink_traversal,
                           refuses_hard_links_out, refuses_devices,
                           empty_stream_is_empty_archive,
                           reads_the_stream_to_its_end, garbage_is_an_error,
                           missing_dir_is_named));
}

TU_MAIN(artifacts_suite)
