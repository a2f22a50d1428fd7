#include "rootpath.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "overlay.h"
#include "xalloc.h"

/* How one layer sees `comps` (path components): FOUND (this layer has
 * it), HIDDEN (a whiteout or a non-directory above it hides it and every
 * lower layer), OPAQUE (absent here, and an opaque parent hides the lower
 * layers), ABSENT (look further down). */
enum lookup { ABSENT, FOUND, HIDDEN, OPAQUE };

static enum lookup lookup_in_layer(char **found, const char *layer,
                                   char **comps, size_t n)
{
  cleanup_free char *p = xstrdup(layer);
  enum lookup miss = ABSENT;
  struct stat st;

  for (size_t k = 0; k < n; k++) {
    char *next = s2i_fs_join(p, comps[k]);
    free(p);
    p = next;
    if (lstat(p, &st) < 0)
      return miss;
    if (s2i_overlay_is_whiteout(&st))
      return HIDDEN;
    if (k + 1 == n)
      break;
    /* symlinks are not followed: the path is looked up as written, and a
     * non-directory here replaces whatever lower layers have below it */
    if (!S_ISDIR(st.st_mode))
      return HIDDEN;
    if (s2i_overlay_is_opaque(p))
      miss = OPAQUE;
  }
  *found = s2i_steal(p);
  return FOUND;
}

static void split_path(struct s2i_strv *comps, const char *path, int *bad)
{
  cleanup_free char *copy = xstrdup(path);
  char *save = NULL;

  for (char *c = strtok_r(copy, "/", &save); c;
       c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, "..") == 0)
      *bad = 1;
    else if (strcmp(c, ".") != 0)
      s2i_strv_add(comps, c);
  }
}

char *s2i_rootpath_find(const struct s2i_strv *dirs, const char *path)
{
  cleanup_strv struct s2i_strv comps = S2I_STRV_INIT;
  int bad = 0;

  split_path(&comps, path, &bad);
  if (bad || dirs->n == 0)
    return NULL;
  if (comps.n == 0)
    return xstrdup(dirs->v[dirs->n - 1]);
  for (size_t i = dirs->n; i > 0; i--) {
    char *found = NULL;
    switch (lookup_in_layer(&found, dirs->v[i - 1], comps.v, comps.n)) {
    case FOUND: return found;
    case HIDDEN:
    case OPAQUE: return NULL;
    case ABSENT: break;
    }
  }
  return NULL;
}

int s2i_rootpath_mirror_dirs(const struct s2i_strv *dirs, const char *upper,
                             const char *path, struct s2i_error **err)
{
  cleanup_free char *p = xstrdup(path);

  /* path comes from image labels and the upper dir may hold what assemble
   * made: refuse "..", and any symlink on the way, before touching it */
  if (path[0] != '/' || !s2i_fs_path_is_safe(path + 1))
    return s2i_error_make(err, 0, "%s: not an absolute path without \"..\"",
                          path);
  if (s2i_fs_check_beneath(upper, path, err) < 0)
    return -1;
  for (char *s = p + 1;; s++) {
    int end = (*s == '\0');
    if (*s != '/' && !end)
      continue;
    *s = '\0';
    cleanup_free char *host = s2i_rootpath_find(dirs, p);
    cleanup_free char *up = s2i_fs_join(upper, p);
    struct stat st = {.st_mode = S_IFDIR | 0755};
    /* lstat: an image's absolute symlink must not lead to a host file */
    if (host && (lstat(host, &st) < 0 || !S_ISDIR(st.st_mode)))
      st = (struct stat){.st_mode = S_IFDIR | 0755};
    if (mkdir(up, st.st_mode & 07777) < 0 && errno != EEXIST)
      return s2i_error_make(err, errno, "create %s", up);
    if (chmod(up, st.st_mode & 07777) < 0 ||
        lchown(up, host ? st.st_uid : 0, host ? st.st_gid : 0) < 0)
      return s2i_error_make(err, errno, "set owner of %s", up);
    if (end)
      return 0;
    *s = '/';
  }
}

/* Collapse "." and ".." of an absolute in-image path lexically; ".." at
 * the image root stays at the root, as the kernel does at "/".  A link
 * target like ../usr/lib/os-release (from /etc) then names a path that
 * s2i_rootpath_find accepts. */
static char *normalise(const char *path)
{
  cleanup_strv struct s2i_strv comps = S2I_STRV_INIT;
  cleanup_free char *copy = xstrdup(path);
  char *out = xstrdup(""), *save = NULL;

  for (char *c = strtok_r(copy, "/", &save); c;
       c = strtok_r(NULL, "/", &save)) {
    if (strcmp(c, "..") == 0 && comps.n > 0) {
      free(comps.v[--comps.n]);
      comps.v[comps.n] = NULL;
    } else if (strcmp(c, "..") != 0 && strcmp(c, ".") != 0)
      s2i_strv_add(&comps, c);
  }
  for (size_t k = 0; k < comps.n; k++) {
    char *next = xasprintf("%s/%s", out, comps.v[k]);
    free(out);
    out = next;
  }
  if (*out == '\0') {
    free(out);
    out = xstrdup("/");
  }
  return out;
}

/* The next in-image path after a link at cur with this target. */
static char *link_next(const char *cur, const char *target)
{
  const char *slash = strrchr(cur, '/');
  cleanup_free char *joined =
      target[0] == '/' ? xstrdup(target)
                       : xasprintf("%.*s/%s", (int)(slash - cur), cur, target);

  return normalise(joined);
}

/* Symlinks are followed as the image sees them (absolute targets from the
 * image root, relative ones from the link's directory), never on the host. */
char *s2i_rootpath_resolve(const struct s2i_strv *lower_dirs, const char *path)
{
  cleanup_free char *cur = xstrdup(path);

  for (int i = 0; i < 40; i++) {
    char target[PATH_MAX];
    char *host = s2i_rootpath_find(lower_dirs, cur);
    struct stat st;
    ssize_t n;

    if (host == NULL || lstat(host, &st) < 0 || !S_ISLNK(st.st_mode))
      return host;
    n = readlink(host, target, sizeof(target) - 1);
    free(host);
    if (n <= 0)
      return NULL;
    target[n] = '\0';
    host = link_next(cur, target);
    free(cur);
    cur = host;
  }
  return NULL;
}
