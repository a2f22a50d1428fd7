#include "layer_diff.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cleanup.h"
#include "digest.h"
#include "fs.h"
#include "layer_writer.h"
#include "log.h"
#include "strv.h"
#include "xalloc.h"

/* One tar entry, reduced to what decides "same file". */
struct sig {
  char *path;
  char *text;     /* type, mode, owner, size, link, content digest */
  char *hardlink; /* normalised hard link target, or NULL */
  int is_dir;
};

struct sig_set {
  struct sig *v;
  size_t n, cap;
};

static void set_free(struct sig_set *s);
#define cleanup_sig_set __attribute__((cleanup(set_free)))

static int cmp_sig(const void *a, const void *b)
{
  return strcmp(((const struct sig *)a)->path, ((const struct sig *)b)->path);
}

static void set_free(struct sig_set *s)
{
  for (size_t i = 0; i < s->n; i++) {
    free(s->v[i].path);
    free(s->v[i].text);
    free(s->v[i].hardlink);
  }
  free(s->v);
}

static const struct sig *set_find(const struct sig_set *s, const char *path)
{
  struct sig key = {.path = (char *)path};

  return bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_sig);
}

/* "./usr/bin/" -> "usr/bin"; NULL for the root itself. */
static char *normalise(const char *p)
{
  size_t n;

  while (p[0] == '.' && p[1] == '/')
    p += 2;
  while (*p == '/')
    p++;
  n = strlen(p);
  while (n > 0 && p[n - 1] == '/')
    n--;
  if (n == 0 || (n == 1 && p[0] == '.'))
    return NULL;
  return xstrndup(p, n);
}

static char *entry_signature(struct archive *a, struct archive_entry *e)
{
  char d[S2I_DIGEST_LEN + 1] = "-";
  const char *link = archive_entry_symlink(e);
  const char *hard = archive_entry_hardlink(e);

  if (archive_entry_filetype(e) == AE_IFREG && hard == NULL) {
    struct s2i_digest *h = s2i_digest_new();
    const void *buf;
    size_t len;
    la_int64_t off;
    while (archive_read_data_block(a, &buf, &len, &off) == ARCHIVE_OK)
      s2i_digest_update(h, buf, len);
    s2i_digest_final(h, d);
  }
  return xasprintf(
      "%o %lld %lld %lld %lu %s %s %s", (unsigned)archive_entry_mode(e),
      (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
      (long long)archive_entry_size(e), (unsigned long)archive_entry_rdev(e),
      link ? link : "", hard ? hard : "", d);
}

static struct archive *open_tar(const char *path, struct s2i_error **err)
{
  struct archive *a = archive_read_new();

  archive_read_support_format_tar(a);
  archive_read_support_filter_all(a);
  if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
    s2i_error_archive(err, a, "open %s", path);
    archive_read_free(a);
    return NULL;
  }
  return a;
}

static int read_sigs(struct sig_set *s, const char *path,
                     struct s2i_error **err)
{
  struct archive *a = open_tar(path, err);
  struct archive_entry *e;
  int r;

  if (a == NULL)
    return -1;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    char *p = normalise(archive_entry_pathname(e));
    if (p == NULL)
      continue;
    if (s->n == s->cap) {
      s->cap = s->cap ? s->cap * 2 : 1024;
      s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n].path = p;
    s->v[s->n].is_dir = archive_entry_filetype(e) == AE_IFDIR;
    s->v[s->n].hardlink =
        archive_entry_hardlink(e) ? normalise(archive_entry_hardlink(e)) : NULL;
    s->v[s->n++].text = entry_signature(a, e);
  }
  if (r != ARCHIVE_EOF)
    s2i_error_archive(err, a, "read %s", path);
  archive_read_free(a);
  if (r != ARCHIVE_EOF)
    return -1;
  qsort(s->v, s->n, sizeof(*s->v), cmp_sig);
  return 0;
}

/* Mark path and its ancestors (so they carry FULL's attributes). */
static void mark_with_parents(struct s2i_strv *changed, const char *path)
{
  cleanup_free char *p = xstrdup(path);
  char *slash;

  for (;;) {
    s2i_strv_add(changed, p);
    slash = strrchr(p, '/');
    if (slash == NULL)
      return;
    *slash = '\0';
  }
}

/* A BASE path FULL deleted that needs a whiteout of its own: its parent is
 * still a directory in FULL (a parent deleted or replaced by a non-directory
 * hides it already).  *parent: the parent, NULL for the root. */
static int needs_whiteout(const struct sig_set *full, const char *p,
                          char **parent)
{
  const char *slash = strrchr(p, '/');
  const struct sig *ps;

  *parent = NULL;
  if (set_find(full, p))
    return 0;
  if (slash == NULL)
    return 1;
  *parent = xstrndup(p, (size_t)(slash - p));
  ps = set_find(full, *parent);
  return ps && ps->is_dir;
}

static void find_changes(const struct sig_set *base, const struct sig_set *full,
                         struct s2i_strv *changed)
{
  for (size_t i = 0; i < full->n; i++) {
    const struct sig *b = set_find(base, full->v[i].path);
    if (b && strcmp(b->text, full->v[i].text) == 0)
      continue;
    mark_with_parents(changed, full->v[i].path);
    /* a hard link needs its target in the same layer */
    if (full->v[i].hardlink)
      mark_with_parents(changed, full->v[i].hardlink);
  }
  /* a whiteout's directory goes in the layer with FULL's attributes, not
   * as the 0755 root-owned dir mkdir would leave */
  for (size_t i = 0; i < base->n; i++) {
    cleanup_free char *parent = NULL;
    if (needs_whiteout(full, base->v[i].path, &parent) && parent)
      mark_with_parents(changed, parent);
  }
  s2i_strv_sort(changed);
}

/* Whiteouts are made before FULL's entries are extracted, so that the
 * extraction sets the directories' final mtimes. */
static int add_whiteouts(const struct sig_set *base, const struct sig_set *full,
                         const char *dir, struct s2i_error **err)
{
  static const struct timespec epoch0[2] = {{0, 0}, {0, 0}};

  for (size_t i = 0; i < base->n; i++) {
    const char *p = base->v[i].path;
    cleanup_free char *parent = NULL;
    cleanup_free char *host = NULL, *hdir = NULL;
    if (!needs_whiteout(full, p, &parent))
      continue;
    host = s2i_fs_join(dir, p);
    hdir = parent ? s2i_fs_join(dir, parent) : xstrdup(dir);
    if (s2i_fs_mkdir_p(hdir, 0755, err) < 0)
      return -1;
    if (mknod(host, S_IFCHR | 0600, makedev(0, 0)) < 0 && errno != EEXIST)
      return s2i_error_make(err, errno, "whiteout %s", host);
    /* a whiteout's time means nothing: not the clock's, or the layer's
     * digest would change from run to run */
    if (utimensat(AT_FDCWD, host, epoch0, AT_SYMLINK_NOFOLLOW) < 0)
      return s2i_error_make(err, errno, "whiteout %s", host);
  }
  return 0;
}

static int in_sorted(const struct s2i_strv *v, const char *p)
{
  size_t lo = 0, hi = v->n;

  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(v->v[mid], p);
    if (c == 0)
      return 1;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static int copy_data(struct archive *a, struct archive *disk)
{
  const void *buf;
  size_t len;
  la_int64_t off;
  int r;

  while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
    if (archive_write_data_block(disk, buf, len, off) != ARCHIVE_OK)
      return -1;
  return r == ARCHIVE_EOF ? 0 : -1;
}

static int extract_one(struct archive *a, struct archive *disk,
                       struct archive_entry *e, const char *dir,
                       const char *rel)
{
  cleanup_free char *dest = s2i_fs_join(dir, rel);
  const char *hard = archive_entry_hardlink(e);
  cleanup_free char *hrel = hard ? normalise(hard) : NULL;
  cleanup_free char *hdest = hrel ? s2i_fs_join(dir, hrel) : NULL;

  archive_entry_set_pathname(e, dest);
  if (hdest)
    archive_entry_set_hardlink(e, hdest);
  if (archive_write_header(disk, e) != ARCHIVE_OK || copy_data(a, disk) < 0)
    return -1;
  return archive_write_finish_entry(disk) == ARCHIVE_OK ? 0 : -1;
}

/* A root file system tarball may hold /dev nodes (mmdebstrap makes
 * some): never part of a layer, since layers.c would drop them anyway and
 * the sandbox brings its own /dev. */
static int is_device(struct archive_entry *e)
{
  mode_t type = archive_entry_filetype(e);

  return archive_entry_hardlink(e) == NULL &&
         (type == AE_IFCHR || type == AE_IFBLK);
}

static int extract_changed(const char *full_tar, const struct s2i_strv *changed,
                           const char *dir, struct s2i_error **err)
{
  struct archive *a = open_tar(full_tar, err);
  struct archive *disk = archive_write_disk_new();
  struct archive_entry *e;
  int r, ret = 0;

  if (a == NULL)
    return archive_write_free(disk), -1;
  archive_write_disk_set_options(
      disk, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  while (ret == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    cleanup_free char *rel = normalise(archive_entry_pathname(e));
    if (rel == NULL || !in_sorted(changed, rel) || is_device(e))
      continue;
    if (!s2i_fs_path_is_safe(rel))
      ret = s2i_error_make(err, 0, "%s: entry %s escapes the root", full_tar,
                           rel);
    else if (extract_one(a, disk, e, dir, rel) < 0)
      ret = s2i_error_archive(err, disk, "%s: extract %s", full_tar, rel);
  }
  archive_read_free(a);
  archive_write_free(disk);
  return ret;
}

int s2i_layer_diff(const struct s2i_ctx *ctx, struct s2i_layer *out,
                   const char *base_tar, const char *full_tar,
                   struct s2i_store *store, struct s2i_error **err)
{
  cleanup_sig_set struct sig_set base = {0}, full = {0};
  cleanup_strv struct s2i_strv changed = S2I_STRV_INIT;
  cleanup_free char *tmp = s2i_store_tmp_dir(store);
  cleanup_free char *dir = NULL;
  cleanup_error struct s2i_error *ignored = NULL;
  struct s2i_layer_write_opts wo = S2I_LAYER_WRITE_OPTS_INIT;
  int ret = -1;

  if (read_sigs(&base, base_tar, err) < 0 ||
      read_sigs(&full, full_tar, err) < 0)
    return -1;
  find_changes(&base, &full, &changed);
  s2i_log_debug(ctx, 1, "%zu of %zu entries differ from %s", changed.n, full.n,
                base_tar);
  if (s2i_fs_mkdtemp(&dir, tmp, "diff-", err) < 0)
    return -1;
  wo.from_overlay_upper = 1;
  if (add_whiteouts(&base, &full, dir, err) == 0 &&
      extract_changed(full_tar, &changed, dir, err) == 0)
    ret = s2i_layer_write(ctx, out, dir, &wo, store, err);
  s2i_fs_rm_rf(dir, &ignored); /* undo: the scratch tree */
  return ret;
}
