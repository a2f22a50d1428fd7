#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "xalloc.h"

int s2i_fs_mkdir_p(const char *path, mode_t mode, struct s2i_error **err)
{
  cleanup_free char *p = xstrdup(path);

  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return s2i_error_make(err, errno, "create directory %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return s2i_error_make(err, errno, "create directory %s", p);
  return 0;
}

static int rm_at(int dirfd, const char *name, dev_t dev, const char *top,
                 struct s2i_error **err);

static int rm_children(int fd, dev_t dev, const char *top,
                       struct s2i_error **err)
{
  DIR *d = fdopendir(fd);
  struct dirent *de;
  int ret = 0;

  if (d == NULL) {
    close(fd);
    return s2i_error_make(err, errno, "remove %s", top);
  }
  while (ret == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    ret = rm_at(dirfd(d), de->d_name, dev, top, err);
  }
  closedir(d);
  return ret;
}

static int rm_at(int dirfd, const char *name, dev_t dev, const char *top,
                 struct s2i_error **err)
{
  struct stat st;
  int fd;

  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : s2i_error_make(err, errno, "remove %s", top);
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev)
      return s2i_error_make(err, EBUSY, "remove %s: %s is a mount point", top,
                            name);
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return s2i_error_make(err, errno, "remove %s", top);
    if (rm_children(fd, dev, top, err) < 0)
      return -1;
  }
  if (unlinkat(dirfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
      errno != ENOENT)
    return s2i_error_make(err, errno, "remove %s/%s", top, name);
  return 0;
}

int s2i_fs_rm_rf(const char *path, struct s2i_error **err)
{
  struct stat st;

  if (lstat(path, &st) < 0)
    return errno == ENOENT ? 0 : s2i_error_make(err, errno, "remove %s", path);
  return rm_at(AT_FDCWD, path, st.st_dev, path, err);
}

int s2i_fs_mkdtemp(char **out, const char *parent, const char *prefix,
                   struct s2i_error **err)
{
  cleanup_free char *tmpl = NULL;

  if (s2i_fs_mkdir_p(parent, 0700, err) < 0)
    return -1;
  tmpl = xasprintf("%s/%sXXXXXX", parent, prefix);
  if (mkdtemp(tmpl) == NULL)
    return s2i_error_make(err, errno, "create temporary directory in %s",
                          parent);
  *out = s2i_steal(tmpl);
  return 0;
}

static int read_fd_all(char **out, size_t *len, int fd);

int s2i_fs_read_file(char **out, size_t *len, const char *path,
                     struct s2i_error **err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", path);
  if (read_fd_all(out, len, fd) < 0)
    return s2i_error_make(err, errno, "read %s", path);
  return 0;
}

int s2i_fs_write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int s2i_fs_write_file_atomic(const char *path, const void *data, size_t len,
                             mode_t mode, struct s2i_error **err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp-XXXXXX", path);
  int fd = mkostemp(tmp, O_CLOEXEC);

  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", tmp);
  if (s2i_fs_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0) {
    s2i_error_make(err, errno, "write %s", tmp);
    goto fail;
  }
  if (close(fd) < 0) {
    fd = -1;
    s2i_error_make(err, errno, "write %s", tmp);
    goto fail;
  }
  if (rename(tmp, path) < 0) {
    fd = -1;
    s2i_error_make(err, errno, "rename %s to %s", tmp, path);
    goto fail;
  }
  return 0;
fail:
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  return -1;
}

int s2i_fs_copy_fd(int in_fd, int out_fd)
{
  char buf[1 << 16];

  for (;;) {
    ssize_t r = read(in_fd, buf, sizeof(buf));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      return 0;
    if (s2i_fs_write_all(out_fd, buf, (size_t)r) < 0)
      return -1;
  }
}

int s2i_fs_path_is_safe(const char *rel)
{
  const char *p = rel;

  if (rel == NULL || *rel == '\0' || *rel == '/')
    return 0;
  while (*p) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      return 0;
    p += n;
    while (*p == '/')
      p++;
  }
  return 1;
}

void s2i_fs_clean_path(char *path)
{
  char *w = path;
  const char *r = path;
  int abs = *path == '/';

  while (*r) {
    size_t n;
    while (*r == '/')
      r++;
    n = strcspn(r, "/");
    if (n == 0 || (n == 1 && r[0] == '.')) {
      r += n;
      continue;
    }
    if (w > path || abs)
      *w++ = '/';
    memmove(w, r, n);
    w += n;
    r += n;
  }
  if (w == path && abs)
    *w++ = '/';
  *w = '\0';
}

char *s2i_fs_join(const char *a, const char *b)
{
  size_t la = strlen(a);

  while (*b == '/')
    b++;
  if (la > 0 && a[la - 1] == '/')
    return xasprintf("%.*s/%s", (int)(la - 1), a, b);
  return xasprintf("%s/%s", a, b);
}

int s2i_fs_exists(const char *path)
{
  struct stat st;

  return lstat(path, &st) == 0;
}

int s2i_fs_is_dir(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int set_mtime_at(int at, const char *name, const struct timespec *ts,
                        const char *top, struct s2i_error **err)
{
  struct stat st;
  int fd;
  DIR *d;
  struct dirent *de;

  if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return s2i_error_make(err, errno, "stat %s/%s", top, name);
  if (S_ISDIR(st.st_mode)) {
    fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
      int e = errno;
      if (fd >= 0)
        close(fd);
      return s2i_error_make(err, e, "open %s/%s", top, name);
    }
    while ((de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (set_mtime_at(dirfd(d), de->d_name, ts, top, err) < 0) {
        closedir(d);
        return -1;
      }
    }
    closedir(d);
  }
  if (utimensat(at, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return s2i_error_make(err, errno, "set mtime of %s/%s", top, name);
  return 0;
}

int s2i_fs_set_mtimes(const char *path, int64_t t, struct s2i_error **err)
{
  struct timespec ts[2] = {{.tv_sec = (time_t)t}, {.tv_sec = (time_t)t}};

  return set_mtime_at(AT_FDCWD, path, ts, path, err);
}

int s2i_fs_open_beneath(const char *root, const char *rel, int flags,
                        mode_t mode)
{
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .mode = (flags & O_CREAT) ? mode : 0,
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd, e;

  if (dfd < 0)
    return -1;
  while (*rel == '/')
    rel++;
  fd = (int)syscall(SYS_openat2, dfd, *rel ? rel : ".", &how, sizeof(how));
  e = errno;
  close(dfd);
  errno = e;
  return fd;
}

/* Read fd to its end, at most max bytes: -1 with errno EFBIG beyond
 * that (the file grew since fstat, or was never a sized file). */
static int read_fd_max(char **out, size_t *len, int fd, size_t max)
{
  char *buf = NULL;
  size_t n = 0, cap = 0;
  ssize_t r;

  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      buf = xrealloc(buf, cap);
    }
    r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 || (size_t)r > max - n) {
      int e = r < 0 ? errno : EFBIG;
      free(buf);
      errno = e;
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = buf;
  return 0;
}

static int read_fd_all(char **out, size_t *len, int fd)
{
  return read_fd_max(out, len, fd, SIZE_MAX - 8192);
}

/* fd was opened from path (what errors name): a regular file of at most
 * max bytes, read whole. */
static int read_regular_fd(char **out, size_t *len, int fd, const char *what,
                           size_t max, struct s2i_error **err)
{
  struct stat st;

  if (fstat(fd, &st) < 0)
    return s2i_error_make(err, errno, "stat %s", what);
  if (!S_ISREG(st.st_mode))
    return s2i_error_make(err, 0, "%s: not a regular file (refused)", what);
  if ((uint64_t)st.st_size > max)
    return s2i_error_make(
        err, EFBIG, "%s: %lld bytes, more than the limit of %zu (refused)",
        what, (long long)st.st_size, max);
  if (read_fd_max(out, len, fd, max) < 0)
    return s2i_error_make(err, errno, "read %s", what);
  return 0;
}

int s2i_fs_read_regular(char **out, size_t *len, const char *path, size_t max,
                        int flags, struct s2i_error **err)
{
  /* O_NONBLOCK: opening a FIFO must not wait for a writer */
  cleanup_close int fd =
      open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | flags);

  *out = NULL;
  if (fd < 0 && errno == ELOOP && (flags & O_NOFOLLOW))
    return s2i_error_make(err, 0, "%s: a symlink (refused)", path);
  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", path);
  return read_regular_fd(out, len, fd, path, max, err);
}

int s2i_fs_read_beneath(char **out, size_t *len, const char *root,
                        const char *rel, int missing_ok, struct s2i_error **err)
{
  cleanup_close int fd =
      s2i_fs_open_beneath(root, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
  cleanup_free char *what = NULL;
  struct stat st;

  *out = NULL;
  if (fd < 0 && errno == ENOENT && missing_ok)
    return 0;
  if (fd < 0)
    return s2i_error_make(err, errno, "open %s (inside %s, no symlinks)", rel,
                          root);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return s2i_error_make(err, 0, "%s (inside %s): not a regular file", rel,
                          root);
  what = xasprintf("%s (inside %s)", rel, root);
  return read_regular_fd(out, len, fd, what, S2I_FS_READ_MAX, err);
}

int s2i_fs_check_beneath(const char *root, const char *rel,
                         struct s2i_error **err)
{
  int fd = s2i_fs_open_beneath(root, rel, O_PATH | O_NOFOLLOW, 0);

  if (fd >= 0) {
    close(fd);
    return 0;
  }
  if (errno == ENOENT)
    return 0;
  return s2i_error_make(err, errno,
                        "%s (inside %s) goes through a symlink or leaves it",
                        rel, root);
}
