#include "tar.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hdr {
  char name[100], mode[8], uid[8], gid[8], size[12], mtime[12];
  char chksum[8], typeflag, linkname[100], magic[6], version[2];
  char uname[32], gname[32], devmajor[8], devminor[8], prefix[155], pad[12];
};

static int put_block(FILE *out, const void *b, size_t n)
{
  static const char zero[512];
  if (fwrite(b, 1, n, out) != n ||
      (n % 512 && fwrite(zero, 1, 512 - n % 512, out) != 512 - n % 512)) {
    util_err("cannot write the archive: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static void octal(char *field, size_t width, unsigned long long v)
{
  snprintf(field, width, "%0*llo", (int)width - 1, v);
}

static int put_header(FILE *out, const char *name, const struct stat *st,
                      char type, const char *link, size_t size)
{
  struct hdr h;
  memset(&h, 0, sizeof h);
  /* Longer names went into a pax record before; ustar keeps a prefix. */
  memcpy(h.name, name, strnlen(name, sizeof h.name));
  if (link)
    memcpy(h.linkname, link, strnlen(link, sizeof h.linkname));
  octal(h.mode, 8, st->st_mode & 07777);
  octal(h.uid, 8, st->st_uid & 07777777);
  octal(h.gid, 8, st->st_gid & 07777777);
  octal(h.size, 12, size);
  octal(h.mtime, 12, (unsigned long long)st->st_mtime);
  h.typeflag = type;
  memcpy(h.magic, "ustar", 6);
  memcpy(h.version, "00", 2);
  memset(h.chksum, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof h; i++)
    sum += ((unsigned char *)&h)[i];
  snprintf(h.chksum, 8, "%06o", sum);
  return put_block(out, &h, sizeof h);
}

/* A pax 'x' record for names or link targets beyond ustar's 100 bytes. */
static int put_pax(FILE *out, const char *key, const char *val,
                   const struct stat *st)
{
  size_t body = strlen(key) + strlen(val) + 3, len = body + 1;
  while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
    len = body + (size_t)snprintf(NULL, 0, "%zu", len);
  char *rec = xasprintf("%zu %s=%s\n", len, key, val);
  int rc = put_header(out, "././@PaxHeader", st, 'x', NULL, len);
  if (rc == 0)
    rc = put_block(out, rec, len);
  free(rec);
  return rc;
}

static int put_file(FILE *out, const char *path, const struct stat *st)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    util_err("cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  char buf[65536];
  size_t left = (size_t)st->st_size;
  ssize_t n;
  while (left > 0 &&
         (n = read(fd, buf, left < sizeof buf ? left : sizeof buf)) > 0) {
    if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
      break;
    left -= (size_t)n;
  }
  close(fd);
  /* A file that shrank under us is padded so the archive stays valid. */
  memset(buf, 0, sizeof buf);
  while (left > 0) {
    size_t k = left < sizeof buf ? left : sizeof buf;
    fwrite(buf, 1, k, out);
    left -= k;
  }
  size_t rem = (size_t)st->st_size % 512;
  if (rem && fwrite(buf, 1, 512 - rem, out) != 512 - rem) {
    util_err("cannot write the archive: %s", strerror(errno));
    return -1;
  }
  return 0;
}

int tar_put_entry(FILE *out, const char *path, const char *name,
                  const struct stat *st)
{
  char link[4096] = "";
  char type = S_ISDIR(st->st_mode) ? '5' : S_ISLNK(st->st_mode) ? '2' : '0';
  if (type == '2') {
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
      return 0;
    link[n] = '\0';
    if (n >= 100 && put_pax(out, "linkpath", link, st) < 0)
      return -1;
  }
  if (strlen(name) >= 100 && put_pax(out, "path", name, st) < 0)
    return -1;
  size_t size = type == '0' ? (size_t)st->st_size : 0;
  if (put_header(out, name, st, type, type == '2' ? link : NULL, size) < 0)
    return -1;
  if (type == '0')
    return put_file(out, path, st);
  if (type == '5')
    return tar_write_tree(out, path, name);
  return 0;
}

struct tree_ctx {
  FILE *out;
  const char *prefix;
};

static int put_child(const char *path, const char *leaf, void *arg)
{
  struct tree_ctx *c = arg;
  struct stat st;

  if (lstat(path, &st) != 0 ||
      !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
    return 0;
  char *name = xasprintf("%s/%s", c->prefix, leaf);
  int rc = tar_put_entry(c->out, path, name, &st);
  free(name);
  return rc;
}

int tar_write_tree(FILE *out, const char *dir, const char *prefix)
{
  struct tree_ctx c = {out, prefix};

  return util_each_entry(dir, put_child, &c);
}

int tar_finish(FILE *out)
{
  static const char zero[1024];
  if (fwrite(zero, 1, sizeof zero, out) != sizeof zero || fflush(out) != 0) {
    util_err("cannot write the archive: %s", strerror(errno));
    return -1;
  }
  return 0;
}
