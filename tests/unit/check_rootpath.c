#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "testutil.h"

#include "rootpath.h"
#include "strv.h"

/* dir/rel in one of a few static buffers: short-lived paths in asserts. */
static const char *at(const char *dir, const char *rel)
{
  static char buf[4][4096];
  static int i;

  i = (i + 1) % 4;
  snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, rel);
  return buf[i];
}

static void mk(const char *root, const char *rel, char type)
{
  char *p = s2i_fs_join(root, rel);
  struct s2i_error *err = NULL;

  if (type == 'd')
    ck_assert_int_eq(s2i_fs_mkdir_p(p, 0755, &err), 0);
  else if (type == 'w')
    ck_assert_int_eq(mknod(p, S_IFCHR, makedev(0, 0)), 0);
  else if (type == 'o')
    ck_assert_int_eq(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
  else
    tu_write(root, rel, rel, 0644);
  free(p);
}

static void assert_found(const struct s2i_strv *dirs, const char *path,
                         int layer)
{
  char *got = s2i_rootpath_find(dirs, path);
  char *want;

  if (layer < 0) {
    ck_assert_msg(got == NULL, "%s found at %s", path, got);
    return;
  }
  want = s2i_fs_join(dirs->v[layer], path);
  ck_assert_msg(got != NULL, "%s not found", path);
  ck_assert_str_eq(got, want);
  free(want);
  free(got);
}

START_TEST(find_honours_whiteouts)
{
  char *root = tu_tmpdir();
  struct s2i_strv dirs = S2I_STRV_INIT;

  for (int i = 0; i < 3; i++)
    s2i_strv_addf(&dirs, "%s/l%d", root, i);
  mk(dirs.v[0], "etc/a", 'f');
  mk(dirs.v[0], "etc/b", 'f');
  mk(dirs.v[0], "opt/x/1", 'f');
  mk(dirs.v[0], "usr/bin/sh", 'f');
  mk(dirs.v[1], "etc", 'd');
  mk(dirs.v[1], "etc/b", 'w');
  mk(dirs.v[1], "opt/x/2", 'f');
  mk(dirs.v[1], "opt/x", 'o');
  mk(dirs.v[2], "etc/c", 'f');
  mk(dirs.v[2], "usr", 'f');
  assert_found(&dirs, "/etc/a", 0);
  assert_found(&dirs, "/etc/b", -1);
  assert_found(&dirs, "/etc/c", 2);
  assert_found(&dirs, "/opt/x/1", -1);
  assert_found(&dirs, "/opt/x/2", 1);
  assert_found(&dirs, "/opt/x", 1);
  assert_found(&dirs, "/usr/bin/sh", -1);
  assert_found(&dirs, "/nope", -1);
  assert_found(&dirs, "/etc/../etc/a", -1);
  {
    char *top = s2i_rootpath_find(&dirs, "/");
    ck_assert_str_eq(top, dirs.v[2]);
    free(top);
  }
  s2i_strv_free(&dirs);
  tu_rmdir(root);
}
END_TEST

/* Symlinks are followed inside the image: absolute targets from the image
 * root (not the host's), relative ones from the link's directory, in
 * whichever layer holds them; a loop ends in NULL. */
START_TEST(resolve_follows_links_in_image)
{
  char *root = tu_tmpdir();
  struct s2i_strv dirs = S2I_STRV_INIT;
  char *got, *want;

  s2i_strv_addf(&dirs, "%s/l0", root);
  s2i_strv_addf(&dirs, "%s/l1", root);
  mk(dirs.v[0], "usr/lib/os-release", 'f');
  mk(dirs.v[1], "etc", 'd');
  ck_assert_int_eq(
      symlink("../usr/lib/os-release", at(dirs.v[1], "etc/os-release")), 0);
  ck_assert_int_eq(symlink("/etc/os-release", at(dirs.v[1], "abs")), 0);
  ck_assert_int_eq(symlink("/etc/passwd", at(dirs.v[1], "host")), 0);
  ck_assert_int_eq(symlink("loop", at(dirs.v[1], "loop")), 0);
  want = s2i_fs_join(dirs.v[0], "/usr/lib/os-release");
  got = s2i_rootpath_resolve(&dirs, "/etc/os-release");
  ck_assert_str_eq(got, want);
  free(got);
  got = s2i_rootpath_resolve(&dirs, "/abs");
  ck_assert_str_eq(got, want);
  free(got);
  ck_assert_ptr_null(s2i_rootpath_resolve(&dirs, "/host"));
  ck_assert_ptr_null(s2i_rootpath_resolve(&dirs, "/loop"));
  free(want);
  s2i_strv_free(&dirs);
  tu_rmdir(root);
}
END_TEST

/* The upper copy of a directory gets the lower one's mode; ".." and a
 * relative path are refused with the path in the message. */
START_TEST(mirror_dirs_keeps_mode)
{
  char *root = tu_tmpdir();
  char *upper = s2i_fs_join(root, "upper");
  struct s2i_strv dirs = S2I_STRV_INIT;
  struct s2i_error *err = NULL;
  struct stat st;

  s2i_strv_addf(&dirs, "%s/l0", root);
  mk(dirs.v[0], "tmp", 'd');
  ck_assert_int_eq(chmod(at(dirs.v[0], "tmp"), 01777), 0);
  ck_assert_int_eq(mkdir(upper, 0755), 0);
  ck_assert_int_eq(s2i_rootpath_mirror_dirs(&dirs, upper, "/tmp/src", &err), 0);
  ck_assert_int_eq(stat(at(upper, "tmp"), &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 01777);
  ck_assert_int_eq(stat(at(upper, "tmp/src"), &st), 0);
  ck_assert(S_ISDIR(st.st_mode));
  tu_assert_error(s2i_rootpath_mirror_dirs(&dirs, upper, "/tmp/../etc", &err),
                  &err, "/tmp/../etc");
  tu_assert_error(s2i_rootpath_mirror_dirs(&dirs, upper, "tmp", &err), &err,
                  "tmp");
  s2i_strv_free(&dirs);
  free(upper);
  tu_rmdir(root);
}
END_TEST

static Suite *rootpath_suite(void)
{
  return tu_suite("rootpath", 0, NULL,
                  TU_TESTS(find_honours_whiteouts,
                           resolve_follows_links_in_image,
                           mirror_dirs_keeps_mode));
}

TU_MAIN(rootpath_suite)
