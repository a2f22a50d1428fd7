/*
 * s2i_env: prepare the app's environment before the init exec's it.
 * See s2i_env.h for the contract and docs/runtime.md for the why.
 *
 * Static musl, libc only: /etc/passwd is parsed here, never through
 * getpwuid (STYLE.md rule 8).  Everything written goes below TMPDIR,
 * through a descriptor of that directory, so a rename of the path by
 * another user of a shared /tmp cannot redirect the writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s2i_env.h"

#define DEFAULT_TMP_ROOT "/tmp"
#define DEFAULT_USER_NAME "default"
#define USER_GECOS "Default Application User"
#define USER_SHELL "/bin/sh"
/* The runtime layer of an image without glibc keeps the real file as
 * PASSWD_ORIG and makes /etc/passwd a symlink to /tmp/s2i-id/passwd.  In
 * the image, /tmp/s2i-id is a root:0 0775 directory (no sticky bit) with a
 * copy of the file, so a runtime that resolves users at creation time, or
 * appends a line through the symlink (podman), finds a real file.  At
 * start the init points that name at TMPDIR/passwd: it replaces the entry
 * inside the directory (group 0 may), or, when a mount at /tmp hid the
 * image's directory, makes /tmp/s2i-id a symlink to s2i. */
#define PASSWD_ORIG "/etc/passwd.s2i-orig"
#define PASSWD_ID_DIR "s2i-id"
#define PASSWD_IMAGE "/etc/passwd"
#define PASSWD_MAX_SIZE (8 << 20)
#define NAME_MAX_LEN 32

struct env_ctx {
  char tmp_root[PATH_MAX];
  char tmpdir[PATH_MAX];
  int tmpfd;
  uid_t uid;
  gid_t gid;
};

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  fputs("init: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int tmp_unusable(const struct env_ctx *c, int err)
{
  say("no writable temporary directory: cannot create %s: %s; "
      "mount an emptyDir (or tmpfs) at %s",
      c->tmpdir, strerror(err), c->tmp_root);
  return -1;
}

static int tmp_refused(const struct env_ctx *c, const char *why)
{
  say("refusing TMPDIR %s: %s, not a directory owned by uid %u; "
      "remove it or mount a fresh emptyDir (or tmpfs) at %s",
      c->tmpdir, why, (unsigned)c->uid, c->tmp_root);
  return -1;
}

static int set_paths(struct env_ctx *c)
{
  const char *root = getenv("S2I_TMP_ROOT");
  int n;

  if (root == NULL || root[0] != '/')
    root = DEFAULT_TMP_ROOT;
  n = snprintf(c->tmp_root, sizeof c->tmp_root, "%s", root);
  if (n > 0 && (size_t)n < sizeof c->tmp_root)
    n = snprintf(c->tmpdir, sizeof c->tmpdir, "%s/%s", root, S2I_ENV_TMP_NAME);
  if (n <= 0 || (size_t)n >= sizeof c->tmpdir) {
    say("temp root %.64s...: path too long; unset S2I_TMP_ROOT", root);
    return -1;
  }
  return 0;
}

/* Why the existing path cannot be our TMPDIR, or NULL when it can. */
static const char *not_ours(const struct stat *st, uid_t uid, char *why,
                            size_t size)
{
  if (S_ISLNK(st->st_mode))
    return "it is a symlink";
  if (!S_ISDIR(st->st_mode))
    return "it is not a directory";
  if (st->st_uid != uid) {
    snprintf(why, size, "it is owned by uid %u", (unsigned)st->st_uid);
    return why;
  }
  return NULL;
}

/* Make or reuse TMPDIR; a symlink or another user's directory at the fixed
 * path could hand our files to someone else, so those are refused.  The
 * checks are repeated on the opened descriptor, which is what gets used. */
static int open_tmpdir(struct env_ctx *c)
{
  struct stat st;
  const char *why;
  char buf[64];
  int fd;

  if (set_paths(c) < 0)
    return -1;
  if (mkdir(c->tmpdir, 0700) < 0 && errno != EEXIST)
    return tmp_unusable(c, errno);
  if (lstat(c->tmpdir, &st) < 0)
    return tmp_unusable(c, errno);
  if ((why = not_ours(&st, c->uid, buf, sizeof buf)) != NULL)
    return tmp_refused(c, why);
  fd = open(c->tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0 ||
      (why = not_ours(&st, c->uid, buf, sizeof buf)) != NULL) {
    if (fd >= 0)
      close(fd);
    return tmp_refused(c, fd < 0 ? strerror(errno) : why);
  }
  if (((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) ||
      access(c->tmpdir, W_OK | X_OK) < 0) {
    int e = errno;
    close(fd);
    return tmp_unusable(c, e);
  }
  c->tmpfd = fd;
  return 0;
}

static int set_var(const char *name, const char *value)
{
  if (setenv(name, value, 1) == 0)
    return 0;
  say("cannot set %s: %s", name, strerror(errno));
  return -1;
}

static int dir_writable(const char *path)
{
  struct stat st;

  return path != NULL && path[0] == '/' && stat(path, &st) == 0 &&
         S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
}

/* TMPDIR/sub, made 0700 if missing, into the environment as var. */
static int set_private_dir(const struct env_ctx *c, const char *var,
                           const char *sub)
{
  char path[PATH_MAX];

  if (mkdirat(c->tmpfd, sub, 0700) < 0 && errno != EEXIST) {
    say("cannot create %s/%s: %s", c->tmpdir, sub, strerror(errno));
    return -1;
  }
  if ((size_t)snprintf(path, sizeof path, "%s/%s", c->tmpdir, sub) >=
      sizeof path) {
    say("%s/%s: path too long", c->tmpdir, sub);
    return -1;
  }
  return set_var(var, path);
}

static int set_home(const struct env_ctx *c)
{
  const char *home = getenv("HOME");

  /* ':' or a newline would corrupt the passwd line that carries HOME */
  if (dir_writable(home) && strpbrk(home, ":\n") == NULL)
    return 0;
  return set_private_dir(c, "HOME", "home");
}

static int set_cache_home(const struct env_ctx *c)
{
  char path[PATH_MAX];

  if (dir_writable(getenv("XDG_CACHE_HOME")))
    return 0;
  if ((size_t)snprintf(path, sizeof path, "%s/.cache", getenv("HOME")) <
          sizeof path &&
      dir_writable(path))
    return set_var("XDG_CACHE_HOME", path);
  return set_private_dir(c, "XDG_CACHE_HOME", "cache");
}

/* The whole file, NUL-terminated; NULL (with *len 0) when unreadable. */
static char *read_text(const char *path, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  ssize_t r;

  *len = 0;
  if (fd < 0)
    return NULL;
  for (;;) {
    if (n + 1 >= cap) {
      char *nb =
          cap >= PASSWD_MAX_SIZE ? NULL : realloc(buf, cap ? cap * 2 : 4096);
      if (nb == NULL)
        break;
      buf = nb;
      cap = cap ? cap * 2 : 4096;
    }
    r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  if (buf == NULL)
    return NULL;
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* 1 and the name of uid's line in passwd text, 0 when it has none. */
static int passwd_lookup(const char *text, uid_t uid, char *name, size_t size)
{
  const char *line = text;

  while (line != NULL && *line != '\0') {
    const char *end = strchr(line, '\n');
    const char *c1 = strchr(line, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *num_end = NULL;
    unsigned long v;

    if (c2 != NULL && (end == NULL || c2 < end) && c2[1] >= '0' &&
        c2[1] <= '9') {
      v = strtoul(c2 + 1, &num_end, 10);
      if (*num_end == ':' && v == (unsigned long)uid &&
          (size_t)(c1 - line) < size && c1 > line) {
        memcpy(name, line, (size_t)(c1 - line));
        name[c1 - line] = '\0';
        return 1;
      }
    }
    line = end ? end + 1 : NULL;
  }
  return 0;
}

static int name_is_valid(const char *s)
{
  size_t n = s ? strlen(s) : 0;

  if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
    return 0;
  return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-") == n;
}

static int write_all(int fd, const char *p, size_t len)
{
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

/* TMPDIR/passwd: the image's lines, then ours; replaced atomically so a
 * reader through the /etc/passwd symlink never sees half a file. */
static int write_passwd(const struct env_ctx *c, const char *text, size_t len,
                        const char *extra)
{
  int fd = openat(c->tmpfd, "passwd.tmp",
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  int ok = fd >= 0;

  ok = ok && write_all(fd, text, len) == 0;
  if (ok && len > 0 && text[len - 1] != '\n')
    ok = write_all(fd, "\n", 1) == 0;
  ok = ok && write_all(fd, extra, strlen(extra)) == 0 && fchmod(fd, 0644) == 0;
  if (fd >= 0 && close(fd) < 0)
    ok = 0;
  if (ok && renameat(c->tmpfd, "passwd.tmp", c->tmpfd, "passwd") == 0)
    return 0;
  say("cannot write %s/passwd: %s", c->tmpdir, strerror(errno));
  return -1;
}

static int set_identity(const struct env_ctx *c)
{
  size_t len;
  char *text = read_text(PASSWD_ORIG, &len);
  const char *wanted = getenv("S2I_USER_NAME");
  char name[NAME_MAX_LEN + 1] = DEFAULT_USER_NAME;
  char line[PATH_MAX + 128] = "";
  int r;

  if (text == NULL)
    text = read_text(PASSWD_IMAGE, &len);
  if (!passwd_lookup(text ? text : "", c->uid, name, sizeof name)) {
    if (name_is_valid(wanted))
      snprintf(name, sizeof name, "%s", wanted);
    snprintf(line, sizeof line, "%s:x:%u:%u:" USER_GECOS ":%s:" USER_SHELL "\n",
             name, (unsigned)c->uid, (unsigned)c->gid, getenv("HOME"));
  }
  r = write_passwd(c, text ? text : "", len, line);
  free(text);
  if (r < 0)
    return -1;
  return set_var("USER", name) < 0 || set_var("LOGNAME", name) < 0 ? -1 : 0;
}

/* Make path a symlink to target unless it already is one (a symlink of
 * our own is re-pointed; anything else is left alone). */
static void ensure_symlink(const char *target, const char *path, uid_t uid)
{
  char old[PATH_MAX];
  struct stat st;
  ssize_t n;

  if (symlink(target, path) == 0 || errno != EEXIST || lstat(path, &st) < 0 ||
      !S_ISLNK(st.st_mode) || st.st_uid != uid)
    return;
  n = readlink(path, old, sizeof old - 1);
  if (n >= 0 && (size_t)n == strlen(target) &&
      memcmp(old, target, (size_t)n) == 0)
    return;
  if (unlink(path) == 0)
    (void)symlink(target, path);
}

/* Point /tmp/s2i-id/passwd (what /etc/passwd leads to) at TMPDIR/passwd.
 * Never fatal: where this cannot be done (a runtime mounted its own
 * passwd there, the UID is not in group 0) that file stays in use. */
static void link_passwd(const struct env_ctx *c)
{
  char dir[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
  struct stat st;

  if (access(PASSWD_ORIG, F_OK) < 0 ||
      (size_t)snprintf(dir, sizeof dir, "%s/%s", c->tmp_root, PASSWD_ID_DIR) >=
          sizeof dir ||
      (size_t)snprintf(tmp, sizeof tmp, "%s/.passwd.%u", dir,
                       (unsigned)c->uid) >= sizeof tmp ||
      (size_t)snprintf(dst, sizeof dst, "%s/passwd", dir) >= sizeof dst)
    return;
  if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
    ensure_symlink(S2I_ENV_TMP_NAME, dir, c->uid);
    return;
  }
  (void)unlink(tmp);
  if (symlink("../" S2I_ENV_TMP_NAME "/passwd", tmp) == 0 &&
      rename(tmp, dst) < 0)
    (void)unlink(tmp);
}

int prepare_environment(void)
{
  struct env_ctx c = {.tmpfd = -1, .uid = getuid(), .gid = getgid()};
  int r;

  if (open_tmpdir(&c) < 0)
    return -1;
  r = set_var("TMPDIR", c.tmpdir);
  if (r == 0)
    r = set_home(&c);
  if (r == 0)
    r = set_cache_home(&c);
  if (r == 0)
    r = set_identity(&c);
  if (r == 0)
    link_passwd(&c);
  close(c.tmpfd);
  return r;
}
