#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *util_prog = "s2i";

static void vlog(FILE *f, const char *tag, const char *fmt, va_list ap)
{
  fflush(stdout);
  fprintf(f, "%s: %s", util_prog, tag);
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  fflush(f);
}

void util_step(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs(" -----> ", stdout);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

void util_warn(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(stderr, "WARNING: ", fmt, ap);
  va_end(ap);
}

void util_err(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(stderr, "error: ", fmt, ap);
  va_end(ap);
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p)
    abort();
  return p;
}

void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (!p)
    abort();
  return p;
}

char *xstrdup(const char *s)
{
  char *p = strdup(s);
  if (!p)
    abort();
  return p;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *s;
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  va_end(ap);
  return s;
}

const char *util_env(const char *name, const char *dflt)
{
  const char *v = getenv(name);
  return v && *v ? v : dflt;
}

bool util_is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool util_is_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool util_is_exec(const char *path)
{
  struct stat st;
  /* access() alone says yes to root for any x bit; want one set. */
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
         access(path, X_OK) == 0;
}

bool util_exists(const char *path)
{
  struct stat st;
  return lstat(path, &st) == 0;
}

int util_mkdir_p(const char *path, unsigned mode)
{
  char *p = xstrdup(path);
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST) {
      util_err("cannot create directory %s: %s", p, strerror(errno));
      free(p);
      return -1;
    }
    *s = c;
    if (c == '\0')
      break;
  }
  free(p);
  return 0;
}

/* An open directory that only this user can write: ours, no group or
 * other write bit, and reached without following a symlink. */
static bool dir_is_private(const char *path)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == getuid() && !(st.st_mode & 022);
  close(fd);
  return ok;
}

char *util_private_dir(const char *base, const char *name)
{
  char *d = xasprintf("%s/%s", base, name);
  if (mkdir(d, 0700) < 0 && errno != EEXIST) {
    util_err("cannot create directory %s: %s", d, strerror(errno));
    free(d);
    return NULL;
  }
  if (dir_is_private(d))
    return d;
  util_warn("%s is not a private directory of uid %u (a symlink, another "
            "user's, or writable by others), using a fresh one",
            d, (unsigned)getuid());
  free(d);
  d = xasprintf("%s/%s.XXXXXX", base, name);
  if (mkdtemp(d))
    return d;
  util_err("cannot create a directory in %s: %s", base, strerror(errno));
  free(d);
  return NULL;
}

static int copy_data(int in, int out, const char *src)
{
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0) {
        util_err("cannot write copy of %s: %s", src, strerror(errno));
        return -1;
      }
      off += w;
    }
  }
  if (n < 0)
    util_err("cannot read %s: %s", src, strerror(errno));
  return n < 0 ? -1 : 0;
}

static int copy_file(const char *src, const char *dst, const struct stat *st)
{
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    util_err("cannot open %s: %s", src, strerror(errno));
    return -1;
  }
  unlink(dst);
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) {
    util_err("cannot create %s: %s", dst, strerror(errno));
    close(in);
    return -1;
  }
  int rc = copy_data(in, out, src);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (rc == 0 &&
      (fchmod(out, st->st_mode & 07777) < 0 || futimens(out, ts) < 0))
    util_warn("cannot keep mode/times of %s: %s", dst, strerror(errno));
  close(in);
  if (close(out) < 0 && rc == 0) {
    util_err("cannot write %s: %s", dst, strerror(errno));
    rc = -1;
  }
  return rc;
}

static int copy_link(const char *src, const char *dst)
{
  char target[4096];
  ssize_t n = readlink(src, target, sizeof target - 1);
  if (n < 0) {
    util_err("cannot read link %s: %s", src, strerror(errno));
    return -1;
  }
  target[n] = '\0';
  unlink(dst);
  if (symlink(target, dst) < 0) {
    util_err("cannot create link %s: %s", dst, strerror(errno));
    return -1;
  }
  return 0;
}

static int copy_entry(const char *src, const char *dst)
{
  struct stat st;
  if (lstat(src, &st) < 0) {
    util_err("cannot stat %s: %s", src, strerror(errno));
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    int rc = util_copy_tree(src, dst);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    chmod(dst, st.st_mode & 07777);
    utimensat(AT_FDCWD, dst, ts, 0);
    return rc;
  }
  if (S_ISREG(st.st_mode))
    return copy_file(src, dst, &st);
  if (S_ISLNK(st.st_mode))
    return copy_link(src, dst);
  util_warn("skipping %s: not a file, directory or symbolic link", src);
  return 0;
}

int util_each_entry(const char *dir,
                    int (*fn)(const char *path, const char *name, void *ctx),
                    void *ctx)
{
  DIR *d = opendir(dir);
  if (!d) {
    util_err("cannot open directory %s: %s", dir, strerror(errno));
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *path = xasprintf("%s/%s", dir, e->d_name);
    rc = fn(path, e->d_name, ctx);
    free(path);
  }
  closedir(d);
  return rc;
}

static int copy_into(const char *path, const char *name, void *dst)
{
  char *t = xasprintf("%s/%s", (const char *)dst, name);
  int rc = copy_entry(path, t);
  free(t);
  return rc;
}

int util_copy_tree(const char *src, const char *dst)
{
  /* 0700 while filling so a read-only source dir cannot lock us out. */
  if (mkdir(dst, 0700) < 0 && errno != EEXIST) {
    util_err("cannot create directory %s: %s", dst, strerror(errno));
    return -1;
  }
  return util_each_entry(src, copy_into, (void *)dst);
}

static int rm_entry(const char *path, const char *name, void *ctx)
{
  (void)name;
  (void)ctx;
  util_rm_tree(path);
  return 0;
}

void util_rm_tree(const char *path)
{
  struct stat st;
  if (lstat(path, &st) < 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    util_each_entry(path, rm_entry, NULL);
    rmdir(path);
  } else
    unlink(path);
}

char *util_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "re");
  if (!f) {
    util_err("cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  size_t r;
  while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (cap - n < 2)
      buf = xrealloc(buf, cap *= 2);
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    util_err("cannot read %s", path);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

int util_write_file(const char *path, const char *text)
{
  char *tmp = xasprintf("%s.tmp", path);
  FILE *f = fopen(tmp, "we");
  int rc = -1;
  if (!f) {
    util_err("cannot create %s: %s", tmp, strerror(errno));
    goto out;
  }
  fputs(text, f);
  if (fclose(f) != 0 || rename(tmp, path) < 0) {
    util_err("cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    goto out;
  }
  rc = 0;
out:
  free(tmp);
  return rc;
}
