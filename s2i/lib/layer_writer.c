#include "layer_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "overlay.h"
#include "xalloc.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

struct writer {
  const struct s2i_ctx *ctx;
  struct archive *a;
  struct archive_entry_linkresolver *links;
  struct s2i_blob_writer *blob;
  const struct s2i_layer_write_opts *opts;
  struct s2i_strv
      exclude; /* normalised: no leading "./" or "/", no "/" at end */
  const char *root;
  struct s2i_error *io_err; /* a store failure seen inside libarchive */
};

/* One directory entry, under the name it gets in the tar. */
struct child {
  char *disk;    /* name on disk */
  char *emitted; /* ".wh.NAME" for a whiteout, else disk */
  struct stat st;
  int whiteout;
};

static la_ssize_t on_write(struct archive *a, void *ctx, const void *buf,
                           size_t len)
{
  struct writer *w = ctx;

  if (s2i_store_blob_write(w->blob, buf, len, &w->io_err) < 0) {
    archive_set_error(a, w->io_err->errnum, "%s", w->io_err->msg);
    return -1;
  }
  return (la_ssize_t)len;
}

/* A failure inside libarchive: the store's own error when the write
 * callback failed (it names the blob file), else libarchive's text. */
static int fail_archive(struct writer *w, struct s2i_error **err,
                        const char *rel, const char *what)
{
  if (w->io_err != NULL && (err == NULL || *err == NULL)) {
    if (err != NULL)
      *err = s2i_steal(w->io_err);
    return s2i_error_prefix(err, "layer from %s: %s", w->root, rel);
  }
  return s2i_error_archive(err, w->a, "layer from %s: %s: %s", w->root, rel,
                           what);
}

static int64_t clamp_mtime(const struct writer *w, const struct stat *st)
{
  int64_t t = st->st_mtim.tv_sec;

  if (w->opts->source_date_epoch >= 0 && t > w->opts->source_date_epoch)
    return w->opts->source_date_epoch;
  return t;
}

static int is_excluded(const struct writer *w, const char *rel)
{
  return s2i_strv_contains(&w->exclude, rel);
}

static void normalise_excludes(struct s2i_strv *out, const struct s2i_strv *in)
{
  for (size_t i = 0; in != NULL && i < in->n; i++) {
    const char *s = in->v[i];
    size_t n;
    while (*s == '/' || (s[0] == '.' && s[1] == '/'))
      s += *s == '/' ? 1 : 2;
    n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
      n--;
    if (n > 0)
      s2i_strv_take(out, xstrndup(s, n));
  }
}

/* Header fields that depend only on the tree: never atime, ctime, dev,
 * ino or names, which would make two writes of one tree differ. */
static struct archive_entry *new_entry(const struct writer *w, const char *rel,
                                       const struct stat *st)
{
  struct archive_entry *e = archive_entry_new();

  archive_entry_set_pathname(e, rel);
  archive_entry_set_filetype(e, st->st_mode & S_IFMT);
  archive_entry_set_perm(e, st->st_mode & 07777);
  archive_entry_set_uid(e, st->st_uid);
  archive_entry_set_gid(e, st->st_gid);
  archive_entry_set_mtime(e, clamp_mtime(w, st), 0);
  return e;
}

/* An empty regular file, mode 0, owned by 0:0: a whiteout or an opaque
 * marker, as the OCI image spec writes them. */
static int write_marker(struct writer *w, const char *rel,
                        const struct stat *st, struct s2i_error **err)
{
  struct archive_entry *e = archive_entry_new();
  int r;

  archive_entry_set_pathname(e, rel);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_size(e, 0);
  archive_entry_set_mtime(e, clamp_mtime(w, st), 0);
  r = archive_write_header(w->a, e);
  archive_entry_free(e);
  if (r < ARCHIVE_WARN || archive_write_finish_entry(w->a) < ARCHIVE_WARN)
    return fail_archive(w, err, rel, "write");
  return 0;
}

/* The second and later names of a multiply linked file become hard link
 * entries.  The resolver is fed a shadow entry so that dev/ino/nlink never
 * reach the real header (pax would record them). */
static void resolve_hardlink(struct writer *w, struct archive_entry *e,
                             const struct stat *st)
{
  struct archive_entry *shadow, *spare = NULL;

  if (!S_ISREG(st->st_mode) || st->st_nlink < 2)
    return;
  shadow = archive_entry_new();
  archive_entry_set_pathname(shadow, archive_entry_pathname(e));
  archive_entry_set_filetype(shadow, AE_IFREG);
  archive_entry_set_dev(shadow, st->st_dev);
  archive_entry_set_ino64(shadow, st->st_ino);
  archive_entry_set_nlink(shadow, st->st_nlink);
  archive_entry_set_size(shadow, st->st_size);
  archive_entry_linkify(w->links, &shadow, &spare);
  if (shadow != NULL && archive_entry_hardlink(shadow) != NULL) {
    archive_entry_set_hardlink(e, archive_entry_hardlink(shadow));
    archive_entry_set_size(e, 0);
  }
  archive_entry_free(shadow);
  archive_entry_free(spare);
}

/* File capabilities are part of what a program can do; every other xattr
 * (overlay's own trusted.overlay.*, SELinux labels of the build host) is
 * left out. */
static void add_capability(struct archive_entry *e, const char *host)
{
  char buf[256];
  ssize_t n = lgetxattr(host, "security.capability", buf, sizeof(buf));

  if (n > 0)
    archive_entry_xattr_add_entry(e, "security.capability", buf, (size_t)n);
}

static int fill_entry(struct writer *w, struct archive_entry *e,
                      const char *rel, const char *host, const struct stat *st,
                      struct s2i_error **err)
{
  if (S_ISREG(st->st_mode)) {
    archive_entry_set_size(e, st->st_size);
    resolve_hardlink(w, e, st);
    if (archive_entry_hardlink(e) == NULL) /* the first name carries it */
      add_capability(e, host);
  } else if (S_ISLNK(st->st_mode)) {
    cleanup_free char *target = xmalloc((size_t)st->st_size + 1);
    ssize_t n = readlink(host, target, (size_t)st->st_size + 1);
    if (n < 0 || n > st->st_size)
      return s2i_error_make(err, n < 0 ? errno : EAGAIN,
                            "layer from %s: read link %s", w->root, rel);
    target[n] = '\0';
    archive_entry_set_symlink(e, target);
  } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
    archive_entry_set_rdevmajor(e, major(st->st_rdev));
    archive_entry_set_rdevminor(e, minor(st->st_rdev));
  }
  return 0;
}

/* Stream a file's bytes: never more than its header announced (a file
 * that grew is cut, one that shrank is padded by libarchive). */
static int write_data(struct writer *w, const char *rel, const char *host,
                      int64_t size, struct s2i_error **err)
{
  cleanup_close int fd = open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  char buf[1 << 16];

  if (fd < 0)
    return s2i_error_make(err, errno, "layer from %s: open %s", w->root, rel);
  while (size > 0) {
    size_t want = size < (int64_t)sizeof(buf) ? (size_t)size : sizeof(buf);
    ssize_t n;
    /* a 1 GB file must not hold up ^C: checked every 64 KiB */
    if (s2i_ctx_check_interrupt(w->ctx, err) < 0)
      return -1;
    n = read(fd, buf, want);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return s2i_error_make(err, errno, "layer from %s: read %s", w->root, rel);
    if (n == 0)
      break;
    if (archive_write_data(w->a, buf, (size_t)n) < 0)
      return fail_archive(w, err, rel, "write");
    size -= n;
  }
  return 0;
}

static int write_entry(struct writer *w, const char *rel, const char *host,
                       const struct stat *st, struct s2i_error **err)
{
  struct archive_entry *e = new_entry(w, rel, st);
  int r = fill_entry(w, e, rel, host, st, err);
  int64_t size = archive_entry_size(e);

  if (r == 0) {
    r = archive_write_header(w->a, e);
    if (r == ARCHIVE_WARN)
      s2i_log_debug(w->ctx, 2, "layer from %s: %s: %s", w->root, rel,
                    archive_error_string(w->a));
    r = r < ARCHIVE_WARN ? fail_archive(w, err, rel, "write header") : 0;
  }
  archive_entry_free(e);
  if (r == 0 && S_ISREG(st->st_mode) && size > 0)
    r = write_data(w, rel, host, size, err);
  if (r == 0 && archive_write_finish_entry(w->a) < ARCHIVE_WARN)
    r = fail_archive(w, err, rel, "write");
  return r;
}

static int cmp_child(const void *a, const void *b)
{
  return strcmp(((const struct child *)a)->emitted,
                ((const struct child *)b)->emitted);
}

static void free_children(struct child *c, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (c[i].emitted != c[i].disk)
      free(c[i].emitted);
    free(c[i].disk);
  }
  free(c);
}

static int add_child(struct writer *w, struct child *c, const char *host,
                     const char *name, struct s2i_error **err)
{
  cleanup_free char *p = s2i_fs_join(host, name);

  if (lstat(p, &c->st) < 0)
    return s2i_error_make(err, errno, "layer from %s: stat %s", w->root, p);
  c->disk = xstrdup(name);
  c->whiteout = w->opts->from_overlay_upper && s2i_overlay_is_whiteout(&c->st);
  c->emitted = c->whiteout ? xasprintf(WHITEOUT_PREFIX "%s", name) : c->disk;
  return 0;
}

/* The entries of one directory, sorted by the name they get in the tar. */
static int read_children(struct writer *w, const char *host, struct child **out,
                         size_t *n_out, struct s2i_error **err)
{
  cleanup_dir DIR *d = opendir(host);
  struct child *c = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;

  if (d == NULL)
    return s2i_error_make(err, errno, "layer from %s: open %s", w->root, host);
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (n == cap)
      c = xrealloc(c, (cap = cap ? cap * 2 : 16) * sizeof(*c));
    if (add_child(w, &c[n], host, de->d_name, err) < 0) {
      free_children(c, n);
      return -1;
    }
    n++;
  }
  if (errno != 0) {
    free_children(c, n);
    return s2i_error_make(err, errno, "layer from %s: read %s", w->root, host);
  }
  if (n > 1)
    qsort(c, n, sizeof(*c), cmp_child);
  *out = c;
  *n_out = n;
  return 0;
}

static int write_dir(struct writer *w, const char *rel, struct s2i_error **err);

/* Overlay features that record a change somewhere other than the path
 * itself (renamed dirs, metadata-only copy-up) cannot be expressed as a tar
 * entry of that path: refuse rather than write a wrong layer. */
static int check_overlay_features(const struct writer *w, const char *rel,
                                  const char *host, const struct stat *st,
                                  struct s2i_error **err)
{
  const char *name = S_ISDIR(st->st_mode) ? "trusted.overlay.redirect"
                                          : "trusted.overlay.metacopy";

  if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode))
    return 0;
  if (lgetxattr(host, name, NULL, 0) < 0)
    return 0;
  return s2i_error_make(err, 0,
                        "layer from %s: %s: overlay %s is not supported "
                        "(mount without redirect_dir/metacopy)",
                        w->root, rel, name + strlen("trusted.overlay."));
}

static int write_child(struct writer *w, const char *parent,
                       const struct child *c, struct s2i_error **err)
{
  cleanup_free char *rel =
      *parent ? xasprintf("%s/%s", parent, c->disk) : xstrdup(c->disk);
  cleanup_free char *host = s2i_fs_join(w->root, rel);
  cleanup_free char *marker = NULL;

  if (is_excluded(w, rel))
    return 0;
  if (s2i_ctx_check_interrupt(w->ctx, err) < 0)
    return -1;
  if (c->whiteout) {
    marker =
        *parent ? xasprintf("%s/%s", parent, c->emitted) : xstrdup(c->emitted);
    return write_marker(w, marker, &c->st, err);
  }
  if (S_ISSOCK(c->st.st_mode)) {
    s2i_log_debug(w->ctx, 2, "layer from %s: %s: socket left out", w->root,
                  rel);
    return 0;
  }
  if (w->opts->from_overlay_upper &&
      check_overlay_features(w, rel, host, &c->st, err) < 0)
    return -1;
  if (write_entry(w, rel, host, &c->st, err) < 0)
    return -1;
  if (!S_ISDIR(c->st.st_mode))
    return 0;
  if (w->opts->from_overlay_upper && s2i_overlay_is_opaque(host)) {
    marker = xasprintf("%s/" OPAQUE_MARKER, rel);
    if (write_marker(w, marker, &c->st, err) < 0)
      return -1;
  }
  return write_dir(w, rel, err);
}

static int write_dir(struct writer *w, const char *rel, struct s2i_error **err)
{
  cleanup_free char *host = *rel ? s2i_fs_join(w->root, rel) : xstrdup(w->root);
  struct child *c = NULL;
  size_t n = 0;
  int ret = 0;

  if (read_children(w, host, &c, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n && ret == 0; i++)
    ret = write_child(w, rel, &c[i], err);
  free_children(c, n);
  return ret;
}

static int write_tar(struct writer *w, struct s2i_error **err)
{
  int ret;

  archive_write_set_format_pax_restricted(w->a);
  archive_write_add_filter_none(w->a);
  /* 1 MiB writes into the blob (hash + write per block), no padding */
  archive_write_set_bytes_per_block(w->a, 1 << 20);
  archive_write_set_bytes_in_last_block(w->a, 1);
  if (archive_write_open2(w->a, w, NULL, on_write, NULL, NULL) != ARCHIVE_OK)
    return fail_archive(w, err, ".", "open");
  ret = write_dir(w, "", err);
  if (archive_write_close(w->a) != ARCHIVE_OK && ret == 0)
    ret = fail_archive(w, err, ".", "finish");
  return ret;
}

int s2i_layer_write(const struct s2i_ctx *ctx, struct s2i_layer *layer,
                    const char *root, const struct s2i_layer_write_opts *opts,
                    struct s2i_store *store, struct s2i_error **err)
{
  static const struct s2i_layer_write_opts defaults = S2I_LAYER_WRITE_OPTS_INIT;
  struct writer w = {.ctx = ctx, .opts = opts ? opts : &defaults, .root = root};
  int ret;

  if (!s2i_fs_is_dir(root))
    return s2i_error_make(err, ENOTDIR, "layer from %s", root);
  if (s2i_store_blob_begin(&w.blob, store, err) < 0)
    return s2i_error_prefix(err, "layer from %s", root);
  normalise_excludes(&w.exclude, w.opts->exclude);
  w.a = archive_write_new();
  w.links = archive_entry_linkresolver_new();
  archive_entry_linkresolver_set_strategy(w.links,
                                          ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  ret = write_tar(&w, err);
  archive_write_free(w.a);
  archive_entry_linkresolver_free(w.links);
  s2i_strv_free(&w.exclude);
  s2i_error_free(w.io_err);
  if (ret < 0) {
    s2i_store_blob_abort(w.blob);
    return -1;
  }
  memset(layer, 0, sizeof(*layer));
  if (s2i_store_blob_commit(w.blob, NULL, layer->digest, &layer->size, err) < 0)
    return s2i_error_prefix(err, "layer from %s", root);
  memcpy(layer->diff_id, layer->digest, sizeof(layer->diff_id));
  layer->media_type = xstrdup(S2I_MEDIA_OCI_LAYER);
  return 0;
}
