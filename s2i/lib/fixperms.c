#include "fixperms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

struct fixperms_walk {
  dev_t dev; /* the mount we stay on */
  uid_t euid;
};

static mode_t fixed_mode(mode_t mode)
{
  mode_t m = mode | S_IRGRP | S_IWGRP;

  if ((mode & S_IXUSR) || S_ISDIR(mode))
    m |= S_IXGRP;
  return m;
}

/* chgrp first: an unprivileged chown clears set-id bits, and the chmod
 * after it then works from the mode the kernel left. */
static int fix_entry(int dirfd, const char *name, const char *path,
                     struct stat *st, struct s2i_error **err)
{
  if (st->st_gid != 0) {
    if (fchownat(dirfd, name, (uid_t)-1, 0, AT_SYMLINK_NOFOLLOW) < 0)
      return s2i_error_make(err, errno, "fix permissions: chgrp 0 %s", path);
    if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
      return s2i_error_make(err, errno, "fix permissions: stat %s", path);
  }
  if (fixed_mode(st->st_mode) != st->st_mode &&
      fchmodat(dirfd, name, fixed_mode(st->st_mode) & 07777, 0) < 0)
    return s2i_error_make(err, errno, "fix permissions: chmod %s", path);
  return 0;
}

static int walk_at(int dirfd, const char *name, const char *path,
                   const struct fixperms_walk *w, struct s2i_error **err);

static int walk_children(int fd, const char *path,
                         const struct fixperms_walk *w, struct s2i_error **err)
{
  cleanup_dir DIR *d = fdopendir(fd);
  struct dirent *de;

  if (d == NULL) {
    close(fd);
    return s2i_error_make(err, errno, "fix permissions: open %s", path);
  }
  while ((errno = 0, de = readdir(d)) != NULL) {
    cleanup_free char *child = NULL;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    child = s2i_fs_join(path, de->d_name);
    if (walk_at(dirfd(d), de->d_name, child, w, err) < 0)
      return -1;
  }
  if (errno != 0)
    return s2i_error_make(err, errno, "fix permissions: read %s", path);
  return 0;
}

static int walk_at(int dirfd, const char *name, const char *path,
                   const struct fixperms_walk *w, struct s2i_error **err)
{
  struct stat st;
  int fd;

  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT
               ? 0
               : s2i_error_make(err, errno, "fix permissions: stat %s", path);
  if (S_ISLNK(st.st_mode) || st.st_dev != w->dev)
    return 0;
  if ((w->euid == 0 || st.st_uid == w->euid) &&
      fix_entry(dirfd, name, path, &st, err) < 0)
    return -1;
  if (!S_ISDIR(st.st_mode))
    return 0;
  fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  /* someone else's unreadable directory: nothing in it could be ours to fix */
  if (fd < 0 && errno == EACCES && st.st_uid != w->euid && w->euid != 0)
    return 0;
  if (fd < 0)
    return s2i_error_make(err, errno, "fix permissions: open %s", path);
  return walk_children(fd, path, w, err);
}

int s2i_fixperms_tree(const char *path, struct s2i_error **err)
{
  struct fixperms_walk w = {0, geteuid()};
  struct stat st;

  if (lstat(path, &st) < 0)
    return errno == ENOENT
               ? 0
               : s2i_error_make(err, errno, "fix permissions: stat %s", path);
  w.dev = st.st_dev;
  return walk_at(AT_FDCWD, path, path, &w, err);
}
