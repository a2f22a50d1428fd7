#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

struct s2i_blob_writer {
  struct s2i_store *store;
  struct s2i_digest *digest;
  char *tmp_path;
  int fd;
  int64_t size;
};

static char *default_root(void)
{
  const char *v = getenv("S2I_CACHE_DIR");

  if (v && *v)
    return xstrdup(v);
  v = getenv("XDG_CACHE_HOME");
  if (v && *v)
    return xasprintf("%s/s2i", v);
  v = getenv("HOME");
  return xasprintf("%s/.cache/s2i", v && *v ? v : "/var/tmp");
}

/* Builds create and delete thousands of files in tmp/.  ext4 puts a new
 * directory's inodes near its parent's, where the last build's freed inodes
 * are, and its allocator then spends most of a small build's time skipping
 * them (recently_deleted()).  The "top directory" flag makes ext4 spread
 * each build's directory to a fresh group (Orlov), as it does for
 * directories in /: 292 ms -> 161 ms per build in bench/build.sh.  Other
 * file systems refuse the ioctl, which is fine. */
static void spread_new_dirs(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;

  if (fd < 0)
    return;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
    flags |= FS_TOPDIR_FL;
    (void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  close(fd);
}

/* A build killed with SIGKILL (or a power cut) cannot remove its scratch
 * directory; the next s2i that opens the store does, once it is a week
 * old (no build runs that long).  Best effort: errors are ignored. */
static void sweep_stale(const char *tmp)
{
  cleanup_dir DIR *d = opendir(tmp);
  struct dirent *de;
  time_t limit = time(NULL) - 7 * 24 * 3600;

  while (d && (de = readdir(d)) != NULL) {
    struct stat st;
    struct s2i_error *e = NULL;
    if (de->d_name[0] == '.' ||
        fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        st.st_mtime > limit)
      continue;
    cleanup_free char *p = s2i_fs_join(tmp, de->d_name);
    if (s2i_fs_rm_rf(p, &e) < 0)
      s2i_error_free(e);
  }
}

int s2i_store_open(struct s2i_store **out, const char *root,
                   struct s2i_error **err)
{
  cleanup_free char *r = root ? xstrdup(root) : default_root();
  static const char *const subdirs[] = {"blobs/sha256", "layers", "tmp"};
  struct s2i_store *s;

  for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
    cleanup_free char *d = s2i_fs_join(r, subdirs[i]);
    if (s2i_fs_mkdir_p(d, 0700, err) < 0)
      return s2i_error_prefix(err, "store %s", r);
  }
  {
    cleanup_free char *tmp = s2i_fs_join(r, "tmp");
    spread_new_dirs(tmp);
    sweep_stale(tmp);
  }
  s = xcalloc(1, sizeof(*s));
  s->root = s2i_steal(r);
  *out = s;
  return 0;
}

void s2i_store_free(struct s2i_store *store)
{
  if (store == NULL)
    return;
  free(store->root);
  free(store);
}

char *s2i_store_blob_path(const struct s2i_store *store, const char *digest)
{
  return xasprintf("%s/blobs/sha256/%s", store->root, s2i_digest_hex(digest));
}

int s2i_store_has_blob(const struct s2i_store *store, const char *digest)
{
  cleanup_free char *p = NULL;

  if (!s2i_digest_is_valid(digest))
    return 0;
  p = s2i_store_blob_path(store, digest);
  return access(p, F_OK) == 0;
}

char *s2i_store_layer_dir(const struct s2i_store *store, const char *digest)
{
  return xasprintf("%s/layers/%s", store->root, s2i_digest_hex(digest));
}

char *s2i_store_tmp_dir(const struct s2i_store *store)
{
  return xasprintf("%s/tmp", store->root);
}

int s2i_store_blob_begin(struct s2i_blob_writer **out, struct s2i_store *store,
                         struct s2i_error **err)
{
  struct s2i_blob_writer *w = xcalloc(1, sizeof(*w));

  w->tmp_path = xasprintf("%s/tmp/blob-XXXXXX", store->root);
  w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
  if (w->fd < 0) {
    s2i_error_make(err, errno, "create %s", w->tmp_path);
    free(w->tmp_path);
    free(w);
    return -1;
  }
  w->store = store;
  w->digest = s2i_digest_new();
  *out = w;
  return 0;
}

int s2i_store_blob_write(struct s2i_blob_writer *w, const void *buf, size_t len,
                         struct s2i_error **err)
{
  if (s2i_fs_write_all(w->fd, buf, len) < 0)
    return s2i_error_make(err, errno, "write %s", w->tmp_path);
  s2i_digest_update(w->digest, buf, len);
  w->size += (int64_t)len;
  return 0;
}

static void writer_free(struct s2i_blob_writer *w, int unlink_tmp)
{
  if (w->fd >= 0)
    close(w->fd);
  if (unlink_tmp)
    unlink(w->tmp_path);
  free(w->tmp_path);
  free(w);
}

int s2i_store_blob_commit(struct s2i_blob_writer *w, const char *expected,
                          char digest[S2I_DIGEST_LEN + 1], int64_t *size,
                          struct s2i_error **err)
{
  char got[S2I_DIGEST_LEN + 1];
  cleanup_free char *dest = NULL;

  s2i_digest_final(w->digest, got);
  w->digest = NULL;
  if (expected && strcmp(expected, got) != 0) {
    s2i_error_make(err, 0, "digest mismatch: expected %s, content is %s",
                   expected, got);
    writer_free(w, 1);
    return -1;
  }
  dest = s2i_store_blob_path(w->store, got);
  if (fchmod(w->fd, 0644) < 0 || rename(w->tmp_path, dest) < 0) {
    s2i_error_make(err, errno, "store blob %s", dest);
    writer_free(w, 1);
    return -1;
  }
  if (digest)
    memcpy(digest, got, sizeof(got));
  if (size)
    *size = w->size;
  writer_free(w, 0);
  return 0;
}

void s2i_store_blob_abort(struct s2i_blob_writer *w)
{
  char sink[S2I_DIGEST_LEN + 1];

  if (w == NULL)
    return;
  if (w->digest)
    s2i_digest_final(w->digest, sink);
  writer_free(w, 1);
}

int s2i_store_put(struct s2i_store *store, const void *buf, size_t len,
                  char digest[S2I_DIGEST_LEN + 1], struct s2i_error **err)
{
  struct s2i_blob_writer *w;

  if (s2i_store_blob_begin(&w, store, err) < 0)
    return -1;
  if (s2i_store_blob_write(w, buf, len, err) < 0) {
    s2i_store_blob_abort(w);
    return -1;
  }
  return s2i_store_blob_commit(w, NULL, digest, NULL, err);
}
