#include "volume.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

static int parse_options(struct s2i_volume *v, const char *opts,
                         const char *spec, struct s2i_error **err)
{
  while (opts && *opts) {
    size_t n = strcspn(opts, ",");
    if (n == 2 && strncmp(opts, "ro", 2) == 0)
      v->ro = 1;
    else if (n == 2 && strncmp(opts, "rw", 2) == 0)
      v->ro = 0;
    else if (!(n == 1 && (opts[0] == 'z' || opts[0] == 'Z')))
      return s2i_error_make(err, 0, "-v %s: unknown option \"%.*s\" (ro, rw)",
                            spec, (int)n, opts);
    opts += n + (opts[n] == ',');
  }
  return 0;
}

int s2i_volume_parse(struct s2i_volume *out, const char *spec,
                     struct s2i_error **err)
{
  const char *c1 = strchr(spec, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

  memset(out, 0, sizeof(*out));
  if (c1 == NULL || c1 == spec || c1[1] == '\0' || c2 == c1 + 1)
    return s2i_error_make(err, 0, "-v %s: want HOST:CONTAINER[:ro|rw]", spec);
  if (spec[0] != '/')
    return s2i_error_make(err, 0,
                          "-v %s: named volumes are not supported (no "
                          "daemon keeps them); give an absolute host path",
                          spec);
  out->host = xstrndup(spec, (size_t)(c1 - spec));
  out->dest = c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)) : xstrdup(c1 + 1);
  if (out->dest[0] != '/' || strcmp(out->dest, "/") == 0 ||
      !s2i_fs_path_is_safe(out->dest + 1))
    return s2i_error_make(err, 0,
                          "-v %s: CONTAINER must be an absolute path below / "
                          "without \"..\"",
                          spec);
  if (!s2i_fs_exists(out->host))
    return s2i_error_make(err, ENOENT, "-v %s: %s", spec, out->host);
  return parse_options(out, c2 ? c2 + 1 : NULL, spec, err);
}

void s2i_volume_free(struct s2i_volume *v)
{
  free(v->host);
  free(v->dest);
  v->host = v->dest = NULL;
}

int s2i_volume_parse_host(char **line, const char *spec, struct s2i_error **err)
{
  const char *c = strchr(spec, ':');
  unsigned char buf[16];
  size_t n = c ? (size_t)(c - spec) : 0;

  *line = NULL;
  if (c == NULL || n == 0 ||
      strspn(spec, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789.-_") != n)
    return s2i_error_make(err, 0, "--add-host %s: want HOST:IP", spec);
  if (inet_pton(AF_INET, c + 1, buf) != 1 &&
      inet_pton(AF_INET6, c + 1, buf) != 1)
    return s2i_error_make(err, 0, "--add-host %s: %s is not an IP address",
                          spec, c + 1);
  *line = xasprintf("%s\t%.*s", c + 1, (int)n, spec);
  return 0;
}

int s2i_volume_check(const struct s2i_strv *volumes,
                     const struct s2i_strv *hosts, struct s2i_error **err)
{
  for (size_t i = 0; volumes && i < volumes->n; i++) {
    struct s2i_volume v;
    int r = s2i_volume_parse(&v, volumes->v[i], err);
    s2i_volume_free(&v);
    if (r < 0)
      return -1;
  }
  for (size_t i = 0; hosts && i < hosts->n; i++) {
    cleanup_free char *line = NULL;
    if (s2i_volume_parse_host(&line, hosts->v[i], err) < 0)
      return -1;
  }
  return 0;
}

/* root+path as a directory (or, for a file volume, an empty file), made
 * one component at a time with nothing followed: an image's symlink must
 * not turn the mount point into a host path. */
static int make_mount_point(const char *root, const char *path, int dir,
                            struct s2i_error **err)
{
  cleanup_free char *p = s2i_fs_join(root, path);
  size_t start = strlen(root) + 1;
  struct stat st;

  for (size_t i = start;; i++) {
    char c = p[i];
    if (c != '/' && c != '\0')
      continue;
    p[i] = '\0';
    int last = c == '\0';
    if (lstat(p, &st) == 0) {
      if (S_ISLNK(st.st_mode) || (!last && !S_ISDIR(st.st_mode)) ||
          (last && dir != !!S_ISDIR(st.st_mode)))
        return s2i_error_make(err, 0, "-v: %s is not a %s in the image",
                              p + start - 1,
                              dir || !last ? "directory" : "file");
    } else if (errno != ENOENT) {
      return s2i_error_make(err, errno, "-v: %s", p);
    } else if (!last || dir ? mkdir(p, 0755) < 0
                            : mknod(p, S_IFREG | 0644, 0) < 0) {
      return s2i_error_make(err, errno, "-v: create %s", p);
    }
    if (last)
      return 0;
    p[i] = '/';
  }
}

static int mount_one(const struct s2i_volume *v, const char *root,
                     const struct s2i_userns *u, struct s2i_error **err)
{
  cleanup_free char *target = s2i_fs_join(root, v->dest);
  unsigned long fl = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV;
  int r = -1;

  if (u && u->fd >= 0) {
    r = s2i_userns_idmap(u, v->host, target, err);
    if (r < 0) { /* a file system without idmapped mounts: a plain bind */
      s2i_error_free(*err);
      *err = NULL;
    }
  }
  if (r < 0 && mount(v->host, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return s2i_error_make(err, errno, "-v: bind %s on %s", v->host, v->dest);
  if (mount(NULL, target, NULL, fl | (v->ro ? MS_RDONLY : 0), NULL) < 0)
    return s2i_error_make(err, errno, "-v: remount %s", v->dest);
  return 0;
}

/* /etc/hosts to mount over; the image must have /etc. */
static int make_hosts_point(const char *root, struct s2i_error **err)
{
  cleanup_free char *etc = s2i_fs_join(root, "etc");
  cleanup_free char *target = s2i_fs_join(root, "etc/hosts");
  struct stat st;

  if (lstat(etc, &st) < 0 || !S_ISDIR(st.st_mode))
    return s2i_error_make(err, 0, "--add-host: the image has no /etc");
  if (lstat(target, &st) == 0)
    return S_ISREG(st.st_mode) ? 0
                               : s2i_error_make(err, 0,
                                                "--add-host: /etc/hosts is "
                                                "not a file in the image");
  if (errno != ENOENT || mknod(target, S_IFREG | 0644, 0) < 0)
    return s2i_error_make(err, errno, "--add-host: create /etc/hosts");
  return 0;
}

int s2i_volume_make_points(const struct s2i_strv *volumes,
                           const struct s2i_strv *hosts, const char *root,
                           struct s2i_error **err)
{
  for (size_t i = 0; volumes && i < volumes->n; i++) {
    struct s2i_volume v;
    int r = s2i_volume_parse(&v, volumes->v[i], err);
    if (r == 0)
      r = make_mount_point(root, v.dest, s2i_fs_is_dir(v.host), err);
    s2i_volume_free(&v);
    if (r < 0)
      return -1;
  }
  return hosts && hosts->n ? make_hosts_point(root, err) : 0;
}

int s2i_volume_mount_all(const struct s2i_strv *volumes, const char *root,
                         const struct s2i_userns *u, struct s2i_error **err)
{
  for (size_t i = 0; volumes && i < volumes->n; i++) {
    struct s2i_volume v;
    int r = s2i_volume_parse(&v, volumes->v[i], err);
    if (r == 0)
      r = mount_one(&v, root, u, err);
    s2i_volume_free(&v);
    if (r < 0)
      return -1;
  }
  return 0;
}

static int write_hosts(const char *file, const char *base,
                       const struct s2i_strv *hosts, struct s2i_error **err)
{
  FILE *f = fopen(file, "we");
  int ok;

  if (f == NULL)
    return s2i_error_make(err, errno, "--add-host: create %s", file);
  fputs(base ? base : "127.0.0.1\tlocalhost\n::1\tlocalhost\n", f);
  if (base && *base && base[strlen(base) - 1] != '\n')
    fputc('\n', f);
  for (size_t i = 0; i < hosts->n; i++) {
    cleanup_free char *line = NULL;
    if (s2i_volume_parse_host(&line, hosts->v[i], err) < 0) {
      fclose(f);
      return -1;
    }
    fprintf(f, "%s\n", line);
  }
  ok = !ferror(f);
  if (fclose(f) != 0 || !ok)
    return s2i_error_make(err, errno, "--add-host: write %s", file);
  return 0;
}

int s2i_volume_mount_hosts(const struct s2i_strv *hosts, const char *root,
                           const char *file, struct s2i_error **err)
{
  cleanup_free char *target = s2i_fs_join(root, "etc/hosts");
  cleanup_free char *base = NULL;

  if (hosts == NULL || hosts->n == 0)
    return 0;
  if (s2i_fs_read_regular(&base, NULL, target, S2I_FS_READ_MAX, O_NOFOLLOW,
                          err) < 0 ||
      write_hosts(file, *base ? base : NULL, hosts, err) < 0)
    return -1;
  if (mount(file, target, NULL, MS_BIND, NULL) < 0 ||
      mount(NULL, target, NULL,
            MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
    return s2i_error_make(err, errno, "--add-host: mount /etc/hosts");
  return 0;
}
