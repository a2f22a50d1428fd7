#include "inject.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

/* Deep enough for any real tree, small enough that a loop cannot run away. */
#define MAX_DEPTH 64

/* The original's grammar (api.VolumeList): the last ':' splits SRC from
 * DEST; no ':' or an empty DEST means the working dir; quotes around
 * either are dropped. */
static char *unquote(const char *s, size_t n)
{
  while (n > 0 && (*s == '"' || *s == '\''))
    s++, n--;
  while (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\''))
    n--;
  return xstrndup(s, n);
}

int s2i_inject_parse(struct s2i_injection *out, const char *spec,
                     const char *workdir, struct s2i_error **err)
{
  const char *colon = strrchr(spec, ':');
  size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
  cleanup_free char *src = unquote(spec, n), *d = NULL, *dest = NULL;

  memset(out, 0, sizeof(*out));
  d = colon ? unquote(colon + 1, strlen(colon + 1)) : xstrdup("");
  if (src[0] == '\0')
    return s2i_error_make(err, 0, "--inject %s: want SRC[:DEST]", spec);
  if (d[0] == '/')
    dest = xstrdup(d);
  else
    dest = s2i_fs_join(workdir && *workdir ? workdir : "/", d[0] ? d : ".");
  s2i_fs_clean_path(dest);
  if (!s2i_fs_path_is_safe(dest + 1) || strcmp(dest, "/") == 0)
    return s2i_error_make(err, 0,
                          "--inject %s: DEST must be a path below / "
                          "without \"..\"",
                          spec);
  if (!s2i_fs_is_dir(src))
    return s2i_error_make(err, 0, "--inject %s: %s is not a directory", spec,
                          src);
  out->src = realpath(src, NULL); /* absolute: --as-dockerfile stages it */
  if (out->src == NULL)
    return s2i_error_make(err, errno, "--inject %s", spec);
  out->dest = s2i_steal(dest);
  return 0;
}

void s2i_injection_free(struct s2i_injection *inj)
{
  free(inj->src);
  free(inj->dest);
  inj->src = inj->dest = NULL;
}

/* Calls fn(rel, st) for every entry below dir (rel relative to the top),
 * parents first; symlinks are reported, not followed. */
typedef int (*walk_fn)(const char *rel, const struct stat *st, void *arg,
                       struct s2i_error **err);

static int walk(const char *top, const char *rel, int depth, walk_fn fn,
                void *arg, struct s2i_error **err)
{
  cleanup_free char *dir = rel[0] ? s2i_fs_join(top, rel) : xstrdup(top);
  DIR *dp;
  struct dirent *e;
  int r = 0;

  if (depth > MAX_DEPTH)
    return s2i_error_make(err, 0, "%s: nested too deeply", dir);
  if ((dp = opendir(dir)) == NULL)
    return s2i_error_make(err, errno, "open %s", dir);
  while (r == 0 && (e = readdir(dp)) != NULL) {
    cleanup_free char *child = NULL, *path = NULL;
    struct stat st;

    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    child = rel[0] ? s2i_fs_join(rel, e->d_name) : xstrdup(e->d_name);
    path = s2i_fs_join(top, child);
    if (lstat(path, &st) < 0)
      r = s2i_error_make(err, errno, "stat %s", path);
    else if ((r = fn(child, &st, arg, err)) == 0 && S_ISDIR(st.st_mode))
      r = walk(top, child, depth + 1, fn, arg, err);
  }
  closedir(dp);
  return r;
}

struct copy {
  const struct s2i_injection *inj;
  const char *upper;
  uid_t uid;
};

static int copy_file(const char *from, const char *to, mode_t mode,
                     struct s2i_error **err)
{
  cleanup_close int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  cleanup_close int out = -1;

  if (in < 0)
    return s2i_error_make(err, errno, "open %s", from);
  out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (out < 0)
    return s2i_error_make(err, errno, "create %s", to);
  if (s2i_fs_copy_fd(in, out) < 0)
    return s2i_error_make(err, errno, "copy %s to %s", from, to);
  return 0;
}

static int copy_one(const char *rel, const struct stat *st, void *arg,
                    struct s2i_error **err)
{
  const struct copy *c = arg;
  cleanup_free char *from = s2i_fs_join(c->inj->src, rel);
  cleanup_free char *dest = s2i_fs_join(c->inj->dest, rel);
  cleanup_free char *to = s2i_fs_join(c->upper, dest);
  int r;

  if (S_ISDIR(st->st_mode))
    r = mkdir(to, st->st_mode & 07777) < 0 && errno != EEXIST
            ? s2i_error_make(err, errno, "create %s", to)
            : 0;
  else if (S_ISREG(st->st_mode))
    r = copy_file(from, to, st->st_mode & 0777, err);
  else
    return 0; /* links, devices, sockets: not injected */
  if (r == 0 && lchown(to, c->uid, 0) < 0)
    r = s2i_error_make(err, errno, "chown %s", to);
  return r;
}

int s2i_inject_copy(const struct s2i_ctx *ctx, const struct s2i_injection *inj,
                    const char *upper, uid_t uid, struct s2i_error **err)
{
  struct copy c = {inj, upper, uid};
  cleanup_free char *top = s2i_fs_join(upper, inj->dest);

  (void)ctx;
  if (s2i_fs_check_beneath(upper, inj->dest, err) < 0 ||
      s2i_fs_mkdir_p(top, 0755, err) < 0)
    return s2i_error_prefix(err, "--inject %s", inj->src);
  if (lchown(top, uid, 0) < 0)
    return s2i_error_make(err, errno, "chown %s", top);
  return walk(inj->src, "", 0, copy_one, &c, err);
}

struct trunc {
  const struct s2i_injection *inj;
  const char *upper;
};

static int truncate_one(const char *rel, const struct stat *st, void *arg,
                        struct s2i_error **err)
{
  const struct trunc *t = arg;
  cleanup_free char *dest = NULL;
  cleanup_close int fd = -1;

  if (!S_ISREG(st->st_mode))
    return 0;
  dest = s2i_fs_join(t->inj->dest, rel);
  fd = s2i_fs_open_beneath(t->upper, dest + 1, O_WRONLY | O_TRUNC, 0);
  if (fd >= 0 || errno == ENOENT)
    return 0;
  return s2i_error_make(err, errno, "--inject: truncate %s", dest);
}

int s2i_inject_truncate(const struct s2i_injection *inj, const char *upper,
                        struct s2i_error **err)
{
  struct trunc t = {inj, upper};

  return walk(inj->src, "", 0, truncate_one, &t, err);
}

struct list {
  const struct s2i_injection *inj;
  struct s2i_strv *out;
};

static int list_one(const char *rel, const struct stat *st, void *arg,
                    struct s2i_error **err)
{
  const struct list *l = arg;

  (void)err;
  if (S_ISREG(st->st_mode))
    s2i_strv_take(l->out, s2i_fs_join(l->inj->dest, rel));
  return 0;
}

int s2i_inject_list(const struct s2i_injection *inj, struct s2i_strv *out,
                    struct s2i_error **err)
{
  struct list l = {inj, out};

  return walk(inj->src, "", 0, list_one, &l, err);
}
