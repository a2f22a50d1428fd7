/*
 * s2i_env: prepare the app's environment before the init exec's it.
 * See s2i_env.h for the contract and docs/runtime.md for the why.
 *
 * Static musl, libc only: /etc/passwd is parsed here, never through
 * getpwuid (STYLE.md rule 8).  Everything written goes below TMPDIR,
 * through a descriptor of that directory, so a rename of the path by
 * another user of a shared /tmp cannot redirect the writes.  The one
 * exception is link_passwd()'s pointer in TMP_ROOT/s2i-id (images
 * without glibc), written through a descriptor of a checked directory.
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
#include "s2i_identity.h"

/* Images without glibc keep their passwd as S2I_ID_PASSWD_ORIG and make
 * /etc/passwd a symlink to /tmp/s2i-id/passwd.  The image ships
 * /tmp/s2i-id as a root:0 0775 directory (no sticky bit) holding a copy
 * of the file, so a runtime that resolves users at creation time, or
 * appends a line through the symlink (podman), finds a real file; at
 * start link_passwd() points that name at TMPDIR/passwd. */
#define PASSWD_IMAGE "/etc/passwd"
#define PASSWD_MAX_SIZE (8 << 20)
/* Where link_passwd() points TMP_ROOT/s2i-id/passwd, from inside it. */
#define PASSWD_LINK_TARGET "../" S2I_ENV_TMP_NAME "/passwd"

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
    root = S2I_ID_TMP_ROOT;
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

  const char *orig = getenv("S2I_HOME_ORIG");

  /* ':' or a newline would corrupt the passwd line that carries HOME */
  if (dir_writable(home) && strpbrk(home, ":\n") == NULL)
    return 0;
  /* s2i build sets HOME=TMPDIR/home in the image, so that exec'd shells
   * share it, and keeps the builder's HOME as S2I_HOME_ORIG: where that
   * is writable (a writable root), TMPDIR/home leads to it. */
  if (dir_writable(orig) && strpbrk(orig, ":\n") == NULL)
    (void)symlinkat(orig, c->tmpfd, "home");
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

/* 1 and the name of the passwd line [line, end) when its uid field is
 * uid (digits only, s2i_id_parse_uid); 0 otherwise. */
static int line_names_uid(const char *line, const char *end, uid_t uid,
                          char *name, size_t size)
{
  const char *c1 = memchr(line, ':', (size_t)(end - line));
  const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
  const char *c3 = c2 ? memchr(c2 + 1, ':', (size_t)(end - c2 - 1)) : NULL;
  uid_t v;

  if (c3 == NULL || c1 == line || (size_t)(c1 - line) >= size ||
      !s2i_id_parse_uid(c2 + 1, (size_t)(c3 - c2 - 1), &v) || v != uid)
    return 0;
  memcpy(name, line, (size_t)(c1 - line));
  name[c1 - line] = '\0';
  return 1;
}

/* 1 and the name of uid's line in passwd text, 0 when it has none. */
static int passwd_lookup(const char *text, uid_t uid, char *name, size_t size)
{
  const char *line = text;

  while (*line != '\0') {
    const char *end = strchr(line, '\n');

    if (end == NULL)
      end = line + strlen(line);
    if (line_names_uid(line, end, uid, name, size))
      return 1;
    line = *end ? end + 1 : end;
  }
  return 0;
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
  char *text = read_text(S2I_ID_PASSWD_ORIG, &len);
  const char *wanted = getenv("S2I_USER_NAME");
  char name[S2I_ID_NAME_MAX + 1] = S2I_ID_DEFAULT_NAME;
  char line[PATH_MAX + 128] = "";
  int r;

  if (text == NULL)
    text = read_text(PASSWD_IMAGE, &len);
  if (!passwd_lookup(text ? text : "", c->uid, name, sizeof name)) {
    if (s2i_id_name_is_valid(wanted))
      snprintf(name, sizeof name, "%s", wanted);
    snprintf(line, sizeof line,
             "%s:x:%u:%u:" S2I_ID_GECOS ":%s:" S2I_ID_SHELL "\n", name,
             (unsigned)c->uid, (unsigned)c->gid, getenv("HOME"));
  }
  r = write_passwd(c, text ? text : "", len, line);
  free(text);
  if (r < 0)
    return -1;
  return set_var("USER", name) < 0 || set_var("LOGNAME", name) < 0 ? -1 : 0;
}

/* 1 when the entry name in dirfd is a symlink whose target is target. */
static int links_to(int dirfd, const char *name, const char *target)
{
  char old[PATH_MAX];
  ssize_t n = readlinkat(dirfd, name, old, sizeof old - 1);

  return n >= 0 && (size_t)n == strlen(target) &&
         memcmp(old, target, (size_t)n) == 0;
}

/* Make the entry name in dirfd a symlink to target unless it already is
 * one: a symlink of our own is re-pointed, anything else left alone. */
static void ensure_symlink(int dirfd, const char *name, const char *target,
                           uid_t uid)
{
  struct stat st;

  if (symlinkat(target, dirfd, name) == 0 || errno != EEXIST ||
      fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISLNK(st.st_mode) || st.st_uid != uid || links_to(dirfd, name, target))
    return;
  if (unlinkat(dirfd, name, 0) == 0)
    (void)symlinkat(target, dirfd, name);
}

/* 1 when the s2i-id directory may hold our pointer: the image's own
 * (root, group 0, exactly 0775, so only root and group 0 may change it)
 * or the UID's own, writable by nobody else but group 0. */
static int id_dir_trusted(const struct stat *st, uid_t uid)
{
  if (!S_ISDIR(st->st_mode) || (st->st_mode & S_IWOTH))
    return 0;
  if (st->st_uid == 0)
    return st->st_gid == 0 && (st->st_mode & 07777) == 0775;
  return st->st_uid == uid && (!(st->st_mode & S_IWGRP) || st->st_gid == 0);
}

/* Replace passwd in the trusted directory dirfd by a symlink to
 * PASSWD_LINK_TARGET, through a temporary name renamed over it; nothing
 * is written when it already is that symlink (a restart). */
static void repoint_passwd(int dirfd, uid_t uid)
{
  char tmp[32];

  if (links_to(dirfd, "passwd", PASSWD_LINK_TARGET))
    return;
  snprintf(tmp, sizeof tmp, ".passwd.%u", (unsigned)uid);
  (void)unlinkat(dirfd, tmp, 0);
  if (symlinkat(PASSWD_LINK_TARGET, dirfd, tmp) == 0 &&
      renameat(dirfd, tmp, dirfd, "passwd") < 0)
    (void)unlinkat(dirfd, tmp, 0);
}

/* Point TMP_ROOT/s2i-id/passwd (what /etc/passwd leads to) at
 * TMPDIR/passwd; the only writes outside TMPDIR, see s2i_env.h.  Never
 * fatal, and never into a directory someone else could have planted:
 * where this cannot be done safely, the file there stays in use. */
static void link_passwd(const struct env_ctx *c)
{
  struct stat st;
  int root, dir;

  if (access(S2I_ID_PASSWD_ORIG, F_OK) < 0)
    return;
  root = open(c->tmp_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return;
  dir = openat(root, S2I_ID_LINK_DIR,
               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0 && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR))
    ensure_symlink(root, S2I_ID_LINK_DIR, S2I_ENV_TMP_NAME, c->uid);
  else if (dir >= 0 && fstat(dir, &st) == 0 && id_dir_trusted(&st, c->uid))
    repoint_passwd(dir, c->uid);
  if (dir >= 0)
    close(dir);
  close(root);
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
