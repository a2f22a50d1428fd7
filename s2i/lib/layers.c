#include "layers.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"
#include "fs.h"
#include "log.h"
#include "overlay.h"
#include "rootless.h"
#include "xalloc.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

/* What an unpack names in its errors: the layer digest when unpacking for
 * an image, the blob path otherwise. */
struct unpack {
  const struct s2i_ctx *ctx;
  const char *label;
  struct archive *raw; /* the blob, decompressed: fed to ar and hashed */
  struct archive *ar;
  struct archive *aw;
  struct s2i_progress progress;
  int64_t bytes_seen;
  struct s2i_digest *hash; /* of the decompressed stream: the diff_id */
  char *buf;
};

#define RAW_CHUNK (1 << 16)

/* No FFLAGS: an immutable or append-only flag in a layer would make the
 * cached layer impossible to clean up.  Owner, mode, times, xattrs (file
 * capabilities) and ACLs are part of what the image means. */
static const int extract_flags =
    ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
    ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

/* Open (creating if missing) the directory `rel` below the current
 * directory, one component at a time with O_NOFOLLOW, so a symlink placed
 * by an earlier entry can never redirect a whiteout outside the layer. */
static int open_dir_below(const char *rel, const struct unpack *u,
                          const char *entry, struct s2i_error **err)
{
  cleanup_free char *copy = xstrdup(rel);
  char *save = NULL;
  int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  for (char *c = strtok_r(copy, "/", &save); c && fd >= 0;
       c = strtok_r(NULL, "/", &save)) {
    int next = -1;
    if (strcmp(c, ".") == 0)
      continue;
    if (mkdirat(fd, c, 0755) == 0 || errno == EEXIST)
      next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    close(fd);
    fd = next;
  }
  if (fd < 0)
    return s2i_error_make(err, errno == ELOOP ? ENOTDIR : errno,
                          "layer %s: entry %s: directory %s (refused)",
                          u->label, entry, rel);
  return fd;
}

static int set_opaque(int dirfd, const struct unpack *u, const char *entry,
                      struct s2i_error **err)
{
  /* trusted.* needs the initial user namespace; a rootless overlay
   * (userxattr) reads the user.* twin instead. */
  if (fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) == 0)
    return 0;
  if (errno == EPERM && fsetxattr(dirfd, "user.overlay.opaque", "y", 1, 0) == 0)
    return 0;
  return s2i_error_make(err, errno, "layer %s: entry %s: mark opaque", u->label,
                        entry);
}

/* Replace whatever this layer already has at dir/name by a whiteout. */
static int make_whiteout(int dirfd, const char *dir, const char *name,
                         const struct unpack *u, const char *entry,
                         struct s2i_error **err)
{
  struct stat st;

  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    cleanup_free char *rel = s2i_fs_join(dir, name);
    if (s2i_fs_rm_rf(rel, err) < 0)
      return s2i_error_prefix(err, "layer %s: entry %s", u->label, entry);
  }
  if (mknodat(dirfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0)
    return s2i_error_make(err, errno, "layer %s: entry %s: create whiteout",
                          u->label, entry);
  return 0;
}

/* path is known safe and its last component starts with ".wh.". */
static int apply_whiteout(const char *path, const struct unpack *u,
                          struct s2i_error **err)
{
  cleanup_free char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? path + (slash - dir) + 1 : path;
  const char *name = base + strlen(WHITEOUT_PREFIX);
  int opaque = strcmp(base, OPAQUE_MARKER) == 0;
  cleanup_close int fd = -1;

  /* ".wh..wh.xxx" below the root: aufs bookkeeping too */
  if (!opaque && strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
    return 0;
  if (slash)
    *slash = '\0';
  else
    strcpy(dir, ".");
  if (!opaque &&
      (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
    return s2i_error_make(err, 0, "layer %s: entry %s: invalid whiteout",
                          u->label, path);
  fd = open_dir_below(dir, u, path, err);
  if (fd < 0)
    return -1;
  if (opaque)
    return set_opaque(fd, u, path, err);
  return make_whiteout(fd, dir, name, u, path, err);
}

static int copy_data(const struct unpack *u, const char *path,
                     struct s2i_error **err)
{
  const void *buf;
  size_t len;
  int64_t off;

  for (;;) {
    int r = archive_read_data_block(u->ar, &buf, &len, &off);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r < ARCHIVE_WARN)
      return s2i_error_archive(err, u->ar, "layer %s: entry %s: read", u->label,
                               path);
    if (s2i_ctx_check_interrupt(u->ctx, err) < 0)
      return -1; /* a 1 GB entry must not hold up ^C */
    if (archive_write_data_block(u->aw, buf, len, off) < ARCHIVE_OK)
      return s2i_error_archive(err, u->aw, "layer %s: entry %s: write",
                               u->label, path);
  }
}

static int is_whiteout_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;

  return strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0;
}

static int check_entry_paths(struct archive_entry *e, const struct unpack *u,
                             struct s2i_error **err)
{
  const char *path = archive_entry_pathname(e);
  const char *link = archive_entry_hardlink(e);

  if (path == NULL)
    return s2i_error_make(err, 0, "layer %s: entry without a usable name",
                          u->label);
  if (!s2i_fs_path_is_safe(path))
    return s2i_error_make(err, 0,
                          "layer %s: entry %s escapes the layer root (refused)",
                          u->label, path);
  if (link != NULL && !s2i_fs_path_is_safe(link))
    return s2i_error_make(err, 0,
                          "layer %s: hard link %s -> %s escapes the layer root "
                          "(refused)",
                          u->label, path, link);
  return 0;
}

/* aufs bookkeeping at the root of old docker layers (.wh..wh.plnk/...,
 * .wh..wh.aufs): not image content, skipped as docker skips it. */
static int is_aufs_meta(const char *path)
{
  while (path[0] == '.' && path[1] == '/')
    path += 2;
  return strncmp(path, ".wh..wh.", 8) == 0 &&
         strncmp(path, OPAQUE_MARKER, strlen(OPAQUE_MARKER)) != 0;
}

/* A device node in a layer would be a real device in the cache, opened
 * by the build as whoever it runs as: a host disk.  Dropped, as rootless
 * engines drop what they cannot create. */
static int is_device(struct archive_entry *e)
{
  mode_t type = archive_entry_filetype(e);

  return archive_entry_hardlink(e) == NULL &&
         (type == AE_IFCHR || type == AE_IFBLK);
}

static int unpack_entry(struct unpack *u, struct archive_entry *e,
                        struct s2i_error **err)
{
  const char *path;
  int r;

  if (check_entry_paths(e, u, err) < 0)
    return -1;
  path = archive_entry_pathname(e);
  if (is_aufs_meta(path))
    return 0;
  if (is_whiteout_name(path))
    return apply_whiteout(path, u, err);
  if (is_device(e)) {
    s2i_log_warn(u->ctx, "layer %s: entry %s: device node dropped", u->label,
                 path);
    return 0;
  }
  r = archive_write_header(u->aw, e);
  if (s2i_error_archive_disk_failed(u->aw, r))
    return s2i_error_archive(err, u->aw, "layer %s: entry %s (refused)",
                             u->label, path);
  if (r == ARCHIVE_WARN)
    s2i_log_warn(u->ctx, "layer %s: entry %s: %s", u->label, path,
                 archive_error_string(u->aw));
  if (archive_entry_size(e) > 0 && copy_data(u, path, err) < 0)
    return -1;
  if (s2i_error_archive_disk_failed(u->aw, archive_write_finish_entry(u->aw)))
    return s2i_error_archive(err, u->aw, "layer %s: entry %s", u->label, path);
  return 0;
}

static int unpack_entries(struct unpack *u, struct s2i_error **err)
{
  struct archive_entry *e;

  for (;;) {
    int r = archive_read_next_header(u->ar, &e);
    int64_t seen;
    if (r == ARCHIVE_EOF)
      return 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return s2i_error_archive(err, u->ar, "layer %s: read", u->label);
    if (s2i_ctx_check_interrupt(u->ctx, err) < 0 || unpack_entry(u, e, err) < 0)
      return -1;
    seen = archive_filter_bytes(u->raw, -1);
    if (seen > u->bytes_seen) {
      s2i_progress_add(&u->progress, (uint64_t)(seen - u->bytes_seen));
      u->bytes_seen = seen;
    }
  }
}

/* The tar reader's input: the decompressed blob, hashed on the way. */
static la_ssize_t read_raw(struct archive *a, void *client, const void **buf)
{
  struct unpack *u = client;
  la_ssize_t n = archive_read_data(u->raw, u->buf, RAW_CHUNK);

  if (n < 0) {
    archive_set_error(a, archive_errno(u->raw), "%s",
                      archive_error_string(u->raw));
    return -1;
  }
  s2i_digest_update(u->hash, u->buf, (size_t)n);
  *buf = u->buf;
  return n;
}

/* What the tar reader left (end-of-archive padding) is part of the diff. */
static int drain_raw(struct unpack *u, struct s2i_error **err)
{
  la_ssize_t n;

  while ((n = archive_read_data(u->raw, u->buf, RAW_CHUNK)) > 0)
    s2i_digest_update(u->hash, u->buf, (size_t)n);
  if (n < 0)
    return s2i_error_archive(err, u->raw, "layer %s: read", u->label);
  return 0;
}

/* The blob through every filter libarchive knows (gzip, zstd, xz...), as
 * one raw stream. */
static int open_raw(struct unpack *u, int blob_fd, const char *blob_path,
                    struct s2i_error **err)
{
  struct archive_entry *e;

  archive_read_support_format_raw(u->raw);
  archive_read_support_filter_all(u->raw);
  if (archive_read_open_fd(u->raw, blob_fd, RAW_CHUNK) != ARCHIVE_OK ||
      archive_read_next_header(u->raw, &e) != ARCHIVE_OK)
    return s2i_error_archive(err, u->raw, "layer %s: open %s", u->label,
                             blob_path);
  return 0;
}

/* libarchive's write_disk resolves entry names (and hard link targets)
 * against the working directory, and its symlink checks look at every
 * component it is given: so extract with the destination as cwd, never
 * with absolute names.  Not thread-safe: the cwd is per process. */
static int unpack_in_cwd(struct unpack *u, int blob_fd, const char *blob_path,
                         struct s2i_error **err)
{
  int ret;

  if (open_raw(u, blob_fd, blob_path, err) < 0)
    return -1;
  archive_read_support_format_tar(u->ar);
  /* With one id mapped (rootless.h) no other owner can be set: every
   * file is the caller's, without a warning per file. */
  archive_write_disk_set_options(
      u->aw, s2i_rootless_single_id() ? extract_flags & ~ARCHIVE_EXTRACT_OWNER
                                      : extract_flags);
  if (archive_read_open(u->ar, u, NULL, read_raw, NULL) != ARCHIVE_OK)
    return s2i_error_archive(err, u->ar, "layer %s: open %s", u->label,
                             blob_path);
  ret = unpack_entries(u, err);
  /* close applies the deferred directory modes and times */
  if (archive_write_close(u->aw) != ARCHIVE_OK && ret == 0)
    ret = s2i_error_archive(err, u->aw, "layer %s: finish", u->label);
  return ret;
}

/* "Unpacking layer sha256:0123456789ab" or "... layer <blob file name>" */
static char *progress_title(const char *label)
{
  const char *slash = strrchr(label, '/');

  if (s2i_digest_is_valid(label))
    return xasprintf("Unpacking layer %.19s", label);
  return xasprintf("Unpacking layer %.12s", slash ? slash + 1 : label);
}

static void unpack_free(struct unpack *u)
{
  archive_read_free(u->ar);
  archive_read_free(u->raw);
  archive_write_free(u->aw);
  free(u->buf);
  if (u->hash)
    s2i_digest_final(u->hash, (char[S2I_DIGEST_LEN + 1]){0});
}

/* The content's diff_id against what the image config claims (want, ""
 * or NULL: nothing claimed); out gets the content's. */
static int check_diff_id(struct unpack *u, const char *want,
                         char out[S2I_DIGEST_LEN + 1], struct s2i_error **err)
{
  if (drain_raw(u, err) < 0)
    return -1;
  s2i_digest_final(u->hash, out);
  u->hash = NULL;
  if (want == NULL || *want == '\0' || strcmp(want, out) == 0)
    return 0;
  return s2i_error_make(err, 0,
                        "layer %s: its content's diff_id is %s, the image "
                        "config says %s (refused)",
                        u->label, out, want);
}

/* The blob and the way back are opened before entering dest_dir, so
 * relative paths (a relative S2I_CACHE_DIR) keep working. */
static int unpack_labelled(const struct s2i_ctx *ctx, const char *blob_path,
                           const char *dest_dir, const char *label,
                           const char *want_diff_id,
                           char diff_id[S2I_DIGEST_LEN + 1],
                           struct s2i_error **err)
{
  cleanup_close int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int fd = open(blob_path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *what = progress_title(label);
  struct unpack u = {.ctx = ctx, .label = label};
  struct stat st;
  int ret;

  if (fd < 0 || fstat(fd, &st) < 0)
    return s2i_error_make(err, errno, "layer %s: open %s", label, blob_path);
  if (cwd < 0 || chdir(dest_dir) < 0)
    return s2i_error_make(err, errno, "layer %s: enter %s", label, dest_dir);
  u.raw = archive_read_new();
  u.ar = archive_read_new();
  u.aw = archive_write_disk_new();
  u.hash = s2i_digest_new();
  u.buf = xmalloc(RAW_CHUNK);
  s2i_progress_begin(&u.progress, ctx, what, (uint64_t)st.st_size);
  ret = unpack_in_cwd(&u, fd, blob_path, err);
  s2i_progress_end(&u.progress);
  if (ret == 0)
    ret = check_diff_id(&u, want_diff_id, diff_id, err);
  unpack_free(&u);
  if (fchdir(cwd) < 0 && ret == 0)
    ret = s2i_error_make(err, errno, "layer %s: return to working directory",
                         label);
  return ret;
}

int s2i_layers_unpack_blob(const struct s2i_ctx *ctx, const char *blob_path,
                           const char *dest_dir, struct s2i_error **err)
{
  char diff_id[S2I_DIGEST_LEN + 1];

  return unpack_labelled(ctx, blob_path, dest_dir, blob_path, NULL, diff_id,
                         err);
}

/* The diff_id of a blob without unpacking it: for a layer cached before
 * diff_ids were recorded. */
static int blob_diff_id(const char *blob, const char *label,
                        char out[S2I_DIGEST_LEN + 1], struct s2i_error **err)
{
  cleanup_close int fd = open(blob, O_RDONLY | O_CLOEXEC);
  struct unpack u = {.label = label};
  int ret;

  if (fd < 0)
    return s2i_error_make(err, errno, "layer %s: open %s", label, blob);
  u.raw = archive_read_new();
  u.hash = s2i_digest_new();
  u.buf = xmalloc(RAW_CHUNK);
  ret = open_raw(&u, fd, blob, err);
  if (ret == 0)
    ret = check_diff_id(&u, NULL, out, err);
  unpack_free(&u);
  return ret;
}

/* A cached layer dir was unpacked from a blob with a known digest; the
 * diff_id its content had sits beside it ("<dir>.diff_id"), so an image
 * that claims another diff_id for the same blob is refused as well. */
static int check_cached(const struct s2i_layer *l, const char *dir,
                        const char *blob, struct s2i_error **err)
{
  cleanup_free char *side = xasprintf("%s.diff_id", dir);
  cleanup_free char *text = NULL;
  cleanup_error struct s2i_error *missing = NULL;
  char have[S2I_DIGEST_LEN + 1];

  if (s2i_fs_read_regular(&text, NULL, side, 128, O_NOFOLLOW, &missing) == 0 &&
      s2i_digest_is_valid(text))
    snprintf(have, sizeof(have), "%s", text);
  else if (blob_diff_id(blob, l->digest, have, err) < 0 ||
           s2i_fs_write_file_atomic(side, have, strlen(have), 0644, err) < 0)
    return -1;
  if (l->diff_id[0] == '\0' || strcmp(have, l->diff_id) == 0)
    return 0;
  return s2i_error_make(err, 0,
                        "layer %s: its content's diff_id is %s, the image "
                        "config says %s (refused)",
                        l->digest, have, l->diff_id);
}

/* Unpack into a private temp dir, then rename into place: a reader never
 * sees half a layer, and when two builds race the loser drops its copy. */
static int unpack_fresh(const struct s2i_ctx *ctx, const struct s2i_layer *l,
                        const char *dir, const char *blob,
                        struct s2i_store *store, struct s2i_error **err)
{
  cleanup_free char *tmp_parent = s2i_store_tmp_dir(store);
  cleanup_free char *tmp = NULL;
  cleanup_free char *side = xasprintf("%s.diff_id", dir);
  cleanup_error struct s2i_error *ignored = NULL;
  char diff_id[S2I_DIGEST_LEN + 1];

  if (s2i_fs_mkdtemp(&tmp, tmp_parent, "layer-", err) < 0)
    return s2i_error_prefix(err, "layer %s", l->digest);
  /* mkdtemp made it 0700; a layer without a "./" entry keeps that */
  if (chmod(tmp, 0755) < 0)
    s2i_error_make(err, errno, "layer %s: chmod %s", l->digest, tmp);
  else if (unpack_labelled(ctx, blob, tmp, l->digest, l->diff_id, diff_id,
                           err) == 0 &&
           s2i_fs_write_file_atomic(side, diff_id, strlen(diff_id), 0644,
                                    err) == 0) {
    if (rename(tmp, dir) == 0)
      return 0;
    if (errno == EEXIST || errno == ENOTEMPTY) {
      s2i_fs_rm_rf(tmp, &ignored); /* another build won the race */
      return 0;
    }
    s2i_error_make(err, errno, "layer %s: rename %s to %s", l->digest, tmp,
                   dir);
  }
  s2i_fs_rm_rf(tmp, &ignored);
  return -1;
}

static int unpack_cached(const struct s2i_ctx *ctx, char **out,
                         struct s2i_store *store, const struct s2i_layer *l,
                         struct s2i_error **err)
{
  cleanup_free char *dir = s2i_store_layer_dir(store, l->digest);
  cleanup_free char *blob = s2i_store_blob_path(store, l->digest);

  if (s2i_fs_is_dir(dir)) {
    if (check_cached(l, dir, blob, err) < 0)
      return -1;
  } else if (!s2i_fs_exists(blob)) {
    return s2i_error_make(err, ENOENT, "layer %s: blob %s", l->digest, blob);
  } else if (unpack_fresh(ctx, l, dir, blob, store, err) < 0) {
    return -1;
  }
  *out = s2i_steal(dir);
  return 0;
}

int s2i_layers_unpack(const struct s2i_ctx *ctx, struct s2i_strv *dirs,
                      const struct s2i_image *img, struct s2i_store *store,
                      struct s2i_error **err)
{
  for (size_t i = 0; i < img->n_layers; i++) {
    char *dir = NULL;
    const char *digest = img->layers[i].digest;
    if (!s2i_digest_is_valid(digest))
      return s2i_error_make(err, 0, "layer %zu: invalid digest '%s'", i + 1,
                            digest);
    if (unpack_cached(ctx, &dir, store, &img->layers[i], err) < 0)
      return -1;
    s2i_strv_take(dirs, dir);
  }
  return 0;
}
