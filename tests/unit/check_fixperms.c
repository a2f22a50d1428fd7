#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "testutil.h"

#include "fixperms.h"

static mode_t mode_of(const char *dir, const char *rel)
{
  char *p = s2i_fs_join(dir, rel);
  struct stat st;

  ck_assert_int_eq(lstat(p, &st), 0);
  free(p);
  return st.st_mode & 07777;
}

static gid_t gid_of(const char *dir, const char *rel)
{
  char *p = s2i_fs_join(dir, rel);
  struct stat st;

  ck_assert_int_eq(lstat(p, &st), 0);
  free(p);
  return st.st_gid;
}

static void chown_tree(const char *dir, const char *rel, uid_t u, gid_t g)
{
  char *p = s2i_fs_join(dir, rel);

  ck_assert_int_eq(lchown(p, u, g), 0);
  free(p);
}

/* The app tree an assemble script leaves behind, owned by uid 1001 gid 1001. */
static char *make_app_tree(void)
{
  char *dir = tu_tmpdir();
  char *sub = s2i_fs_join(dir, "app/private");

  tu_write(dir, "app/run.sh", "#!/bin/sh\n", 0700);
  tu_write(dir, "app/data.txt", "x", 0600);
  tu_write(dir, "app/shared.txt", "x", 0644);
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  tu_write(dir, "app/private/secret", "x", 0400);
  tu_write(dir, "outside", "x", 0600);
  free(sub);
  sub = s2i_fs_join(dir, "app/link");
  ck_assert_int_eq(symlink("../outside", sub), 0);
  free(sub);
  ck_assert_int_eq(chmod(dir, 0755), 0);
  return dir;
}

static const char *app_entries[] = {
    "app",         "app/run.sh",         "app/data.txt", "app/shared.txt",
    "app/private", "app/private/secret", "outside",      NULL};

START_TEST(sclorg_semantics)
{
  char *dir = make_app_tree();
  char *app = s2i_fs_join(dir, "app");
  struct s2i_error *err = NULL;

  if (geteuid() == 0) /* as root, start from the builder user's ownership */
    for (int i = 0; app_entries[i]; i++)
      chown_tree(dir, app_entries[i], 1001, 1001);
  ck_assert_int_eq(chmod(app, 0755), 0);
  ck_assert_int_eq(s2i_fixperms_tree(app, &err), 0);
  ck_assert_int_eq(mode_of(dir, "app"), 0775);
  ck_assert_int_eq(mode_of(dir, "app/run.sh"), 0770);
  ck_assert_int_eq(mode_of(dir, "app/data.txt"), 0660);
  ck_assert_int_eq(mode_of(dir, "app/shared.txt"), 0664);
  ck_assert_int_eq(mode_of(dir, "app/private"), 0770);
  ck_assert_int_eq(mode_of(dir, "app/private/secret"), 0460);
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(gid_of(dir, app_entries[i]), 0);
  /* the symlink's target is outside the tree: untouched */
  ck_assert_int_eq(mode_of(dir, "outside"), 0600);
  if (geteuid() == 0)
    ck_assert_int_eq(gid_of(dir, "outside"), 1001);
  free(app);
  tu_rmdir(dir);
}
END_TEST

START_TEST(symlink_top_is_not_followed)
{
  char *dir = make_app_tree();
  char *link = s2i_fs_join(dir, "applink");
  struct s2i_error *err = NULL;

  ck_assert_int_eq(symlink("app", link), 0);
  ck_assert_int_eq(s2i_fixperms_tree(link, &err), 0);
  ck_assert_int_eq(mode_of(dir, "app/data.txt"), 0600);
  free(link);
  tu_rmdir(dir);
}
END_TEST

START_TEST(missing_path_is_fine)
{
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_fixperms_tree("/nonexistent/s2i-fixperms", &err), 0);
  ck_assert_ptr_null(err);
}
END_TEST

/* Run as uid 1001 in group 0 (as the assemble user): files it owns are
 * fixed, root's are left alone and are no error. */
static int child_as_1001(const char *app)
{
  struct s2i_error *err = NULL;
  gid_t groups[1] = {0};

  if (setgroups(1, groups) < 0 || setresgid(1001, 1001, 1001) < 0 ||
      setresuid(1001, 1001, 1001) < 0)
    return 10;
  if (s2i_fixperms_tree(app, &err) < 0) {
    fprintf(stderr, "%s\n", err->msg);
    return 11;
  }
  return 0;
}

START_TEST(unprivileged_fixes_only_own_files)
{
  char *dir = make_app_tree();
  char *app = s2i_fs_join(dir, "app");
  int status;
  pid_t pid;

  if (geteuid() != 0)
    tu_skip("needs root to make the users");
  for (int i = 0; app_entries[i]; i++)
    chown_tree(dir, app_entries[i], 1001, 1001);
  chown_tree(dir, "app/shared.txt", 0, 0);
  pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0)
    _exit(child_as_1001(app));
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_int_eq(WEXITSTATUS(status), 0);
  ck_assert_int_eq(mode_of(dir, "app/data.txt"), 0660);
  ck_assert_int_eq(gid_of(dir, "app/data.txt"), 0);
  ck_assert_int_eq(mode_of(dir, "app/shared.txt"), 0644);
  free(app);
  tu_rmdir(dir);
}
END_TEST

/* A mount below the tree (a volume, /proc) is not entered. */
static int child_with_mount(const char *app)
{
  struct s2i_error *err = NULL;
  char *mnt = s2i_fs_join(app, "private");
  char *inner = s2i_fs_join(mnt, "inner");

  if (unshare(CLONE_NEWNS) < 0 ||
      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount("tmpfs", mnt, "tmpfs", 0, "mode=0700") < 0)
    return 77;
  if (creat(inner, 0600) < 0)
    return 10;
  if (s2i_fixperms_tree(app, &err) < 0)
    return 11;
  return mode_of(mnt, "inner") == 0600 ? 0 : 12;
}

START_TEST(does_not_cross_mounts)
{
  char *dir = make_app_tree();
  char *app = s2i_fs_join(dir, "app");
  int status;
  pid_t pid = fork();

  ck_assert_int_ge(pid, 0);
  if (pid == 0)
    _exit(child_with_mount(app));
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  free(app);
  tu_rmdir(dir);
  if (WEXITSTATUS(status) == 77)
    tu_skip("no private mount namespace here (unshare/mount refused)");
  ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static Suite *fixperms_suite(void)
{
  return tu_suite("fixperms", 0, NULL,
                  TU_TESTS(sclorg_semantics, symlink_top_is_not_followed,
                           missing_path_is_fine,
                           unprivileged_fixes_only_own_files,
                           does_not_cross_mounts));
}

TU_MAIN(fixperms_suite)
