#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootless.h"
#include "xalloc.h"

/* The kernel splits the option string at ',' and lowerdir at ':', both
 * honouring '\' escapes; a path holding either must be escaped or the mount
 * silently gets the wrong layers. */
static void append_escaped(char **buf, size_t *len, size_t *cap, const char *s)
{
  for (; *s; s++) {
    if (*len + 3 > *cap) {
      *cap = *cap ? *cap * 2 : 256;
      *buf = xrealloc(*buf, *cap);
    }
    if (*s == ':' || *s == ',' || *s == '\\')
      (*buf)[(*len)++] = '\\';
    (*buf)[(*len)++] = *s;
  }
  (*buf)[*len] = '\0';
}

static void append_raw(char **buf, size_t *len, size_t *cap, const char *s)
{
  size_t n = strlen(s);

  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    *buf = xrealloc(*buf, *cap);
  }
  memcpy(*buf + *len, s, n + 1);
  *len += n;
}

char *s2i_overlay_options(const struct s2i_strv *lowers, const char *upper,
                          const char *work, int userxattr)
{
  char *buf = NULL;
  size_t len = 0, cap = 0;

  append_raw(&buf, &len, &cap, "lowerdir=");
  for (size_t i = lowers->n; i > 0; i--) {
    append_escaped(&buf, &len, &cap, lowers->v[i - 1]);
    if (i > 1)
      append_raw(&buf, &len, &cap, ":");
  }
  if (upper != NULL && work != NULL) {
    append_raw(&buf, &len, &cap, ",upperdir=");
    append_escaped(&buf, &len, &cap, upper);
    append_raw(&buf, &len, &cap, ",workdir=");
    append_escaped(&buf, &len, &cap, work);
  }
  if (userxattr)
    append_raw(&buf, &len, &cap, ",userxattr");
  return buf;
}

/* Where the kernel refuses overlay in a user namespace (an upper dir on
 * overlayfs itself, as on a container's root file system; a kernel without
 * unprivileged overlay), fuse-overlayfs serves the same dirs, as it does
 * for rootless podman.  It goes to the background once mounted; the
 * sandbox's PID namespace ends it. */
static int fuse_overlay(const char *opts, const char *target, size_t n,
                        int kernel_errno, struct s2i_error **err)
{
  int st = 0;
  pid_t pid = fork();

  if (pid == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
      _exit(126);
    execlp("fuse-overlayfs", "fuse-overlayfs", "-o", opts, target,
           (char *)NULL);
    _exit(127);
  }
  while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return 0;
  return s2i_error_make(
      err, kernel_errno,
      "mount overlay on %s (%zu lower layers): the kernel refused it in this "
      "user namespace and fuse-overlayfs %s (it needs /dev/fuse: in a "
      "container, podman run --device /dev/fuse; or put the cache, "
      "S2I_CACHE_DIR, on a volume that is not overlayfs); the kernel said",
      target, n,
      pid < 0                                   ? "could not be started"
      : WIFEXITED(st) && WEXITSTATUS(st) == 127 ? "is not installed"
                                                : "failed too");
}

int s2i_overlay_mount(const struct s2i_strv *lowers, const char *upper,
                      const char *work, const char *target,
                      struct s2i_error **err)
{
  cleanup_free char *opts = NULL;
  long page = sysconf(_SC_PAGESIZE);
  int e;

  if (lowers->n == 0)
    return s2i_error_make(err, 0, "overlay on %s: no lower layers", target);
  if (upper == NULL && lowers->n < 2)
    return s2i_error_make(err, 0,
                          "overlay on %s: a read-only overlay needs at least "
                          "two lower layers",
                          target);
  /* Outside the initial user namespace the kernel refuses trusted.*
   * xattrs: overlay keeps its metadata in user.* (option userxattr). */
  opts = s2i_overlay_options(lowers, upper, work, s2i_rootless_in_userns());
  /* mount(2) copies at most one page of options and the kernel then
   * fails with a vague EINVAL; name the real limit instead. */
  if (page > 0 && strlen(opts) >= (size_t)page)
    return s2i_error_make(err, 0,
                          "overlay on %s: the mount options for %zu lower "
                          "layers are %zu bytes, more than the kernel's "
                          "limit of %ld (one page); use a shorter store path "
                          "(S2I_CACHE_DIR) or an image with fewer layers",
                          target, lowers->n, strlen(opts), page);
  /* Nothing in a layer may act as a device or grant privileges. */
  if (mount("overlay", target, "overlay", MS_NODEV | MS_NOSUID, opts) == 0)
    return 0;
  e = errno;
  if (e != ENOENT && e != ENOTDIR && s2i_rootless_in_userns()) {
    cleanup_free char *fopts = s2i_overlay_options(lowers, upper, work, 0);
    return fuse_overlay(fopts, target, lowers->n, e, err);
  }
  return s2i_error_make(err, e, "mount overlay on %s (%zu lower layers)",
                        target, lowers->n);
}

int s2i_overlay_is_whiteout(const struct stat *st)
{
  return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 &&
         minor(st->st_rdev) == 0;
}

static int xattr_is_y(const char *path, const char *name)
{
  char v[4];
  ssize_t n = lgetxattr(path, name, v, sizeof(v));

  return n == 1 && v[0] == 'y';
}

int s2i_overlay_is_opaque(const char *dir_path)
{
  return xattr_is_y(dir_path, "trusted.overlay.opaque") ||
         xattr_is_y(dir_path, "user.overlay.opaque") ||
         xattr_is_y(dir_path, "user.fuseoverlayfs.opaque");
}
