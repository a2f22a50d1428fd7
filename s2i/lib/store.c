#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "refs.h"
#include "rootless.h"
#include "xalloc.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define MEDIA_INDEX "application/vnd.oci.image.index.v1+json"

struct s2i_blob_writer {
  struct s2i_store *store;
  struct s2i_digest *digest;
  char *tmp_path;
  int fd;
  int64_t size;
};

char *s2i_store_default_cache(void)
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

char *s2i_store_default_root(void)
{
  const char *v = getenv("S2I_STORE");

  if (v && *v)
    return xstrdup(v);
  if (geteuid() == 0)
    return xstrdup("/var/lib/s2i");
  v = getenv("XDG_DATA_HOME");
  if (v && *v)
    return xasprintf("%s/s2i", v);
  v = getenv("HOME");
  return xasprintf("%s/.local/share/s2i", v && *v ? v : "/var/tmp");
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

/* Remove the entries of dir older than max_age seconds (-1: all); returns
 * how many went.  Best effort: errors are ignored. */
static long sweep_dir(const char *dir, long max_age, const char *prefix)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  time_t limit = time(NULL) - max_age;
  long n = 0;

  while (d && (de = readdir(d)) != NULL) {
    struct stat st;
    struct s2i_error *e = NULL;
    if (de->d_name[0] == '.' ||
        (prefix && strncmp(de->d_name, prefix, strlen(prefix)) != 0) ||
        fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        (max_age >= 0 && st.st_mtime > limit))
      continue;
    cleanup_free char *p = s2i_fs_join(dir, de->d_name);
    if (s2i_fs_rm_rf(p, &e) < 0)
      s2i_error_free(e);
    else
      n++;
  }
  return n;
}

/* A scratch dir a build claimed (s2i_store_scratch_claim) whose owner is
 * gone: the lock on the dir is free. */
static int scratch_is_dead(int dirfd_, const char *name)
{
  cleanup_free char *marker = s2i_fs_join(name, S2I_SCRATCH_MARKER);
  cleanup_close int fd = -1;
  struct stat st;

  if (fstatat(dirfd_, marker, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISREG(st.st_mode))
    return 0;
  fd = openat(dirfd_, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* The scratch dirs of builds killed with SIGKILL (or lost in a power
 * cut): removed at once, not after the week the age rule waits. */
static long sweep_dead_scratch(const char *dir)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  long n = 0;

  while (d && (de = readdir(d)) != NULL) {
    struct s2i_error *e = NULL;
    if (de->d_name[0] == '.' || !scratch_is_dead(dirfd(d), de->d_name))
      continue;
    cleanup_free char *p = s2i_fs_join(dir, de->d_name);
    if (s2i_fs_rm_rf(p, &e) < 0)
      s2i_error_free(e);
    else
      n++;
  }
  return n;
}

int s2i_store_scratch_claim(const char *dir, struct s2i_error **err)
{
  cleanup_free char *marker = s2i_fs_join(dir, S2I_SCRATCH_MARKER);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int m;

  if (fd < 0 || flock(fd, LOCK_EX) < 0) {
    s2i_error_make(err, errno, "lock %s", dir);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  /* the marker only once the lock is held: a dir without it is never
   * taken for a dead build's */
  m = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (m < 0) {
    s2i_error_make(err, errno, "create %s", marker);
    close(fd);
    return -1;
  }
  close(m);
  return fd;
}

/* With the store to itself (nobody else holds the lock): what killed
 * processes left.  Partial downloads stay a day, to be resumed. */
static long sweep_private(struct s2i_store *s)
{
  cleanup_free char *tmp = s2i_store_private_path(s, "tmp");
  cleanup_free char *partial = s2i_store_private_path(s, "partial");

  return sweep_dir(tmp, -1, NULL) + sweep_dir(partial, 24 * 3600, NULL) +
         sweep_dir(s->root, -1, "index.json.tmp-");
}

static int lock_store(struct s2i_store *s, struct s2i_error **err)
{
  cleanup_free char *p = s2i_store_private_path(s, "lock");

  s->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (s->lock_fd < 0)
    return s2i_error_make(err, errno, "store %s: open %s", s->root, p);
  if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0) {
    sweep_private(s);
    flock(s->lock_fd, LOCK_SH);
    return 0;
  }
  while (flock(s->lock_fd, LOCK_SH) < 0)
    if (errno != EINTR)
      return s2i_error_make(err, errno, "store %s: lock %s", s->root, p);
  return 0;
}

static int make_layout(const char *root, struct s2i_error **err)
{
  static const char *const subdirs[] = {"blobs/sha256", ".s2i/tmp",
                                        ".s2i/partial"};
  cleanup_free char *layout = s2i_fs_join(root, "oci-layout");
  static const char text[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

  for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
    cleanup_free char *d = s2i_fs_join(root, subdirs[i]);
    if (s2i_fs_mkdir_p(d, 0755, err) < 0)
      return s2i_error_prefix(err, "store %s", root);
  }
  if (!s2i_fs_exists(layout) &&
      s2i_fs_write_file_atomic(layout, text, sizeof(text) - 1, 0644, err) < 0)
    return s2i_error_prefix(err, "store %s", root);
  return 0;
}

static int make_cache(const char *cache, struct s2i_error **err)
{
  static const char *const subdirs[] = {"layers", "tmp"};
  cleanup_free char *tmp = s2i_fs_join(cache, "tmp");

  for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
    cleanup_free char *d = s2i_fs_join(cache, subdirs[i]);
    if (s2i_fs_mkdir_p(d, 0700, err) < 0)
      return s2i_error_prefix(err, "cache %s", cache);
  }
  spread_new_dirs(tmp);
  /* A build killed with SIGKILL (or a power cut) cannot remove its
   * scratch directory; the next s2i that opens the cache does, once it is
   * a week old (no build runs that long). */
  sweep_dir(tmp, 7 * 24 * 3600, NULL);
  sweep_dead_scratch(tmp);
  return 0;
}

int s2i_store_open_at(struct s2i_store **out, const char *root,
                      const char *cache, struct s2i_error **err)
{
  cleanup_store struct s2i_store *s = xcalloc(1, sizeof(*s));

  s->lock_fd = -1;
  s->root = root ? xstrdup(root) : s2i_store_default_root();
  s->cache = cache ? xstrdup(cache) : s2i_store_default_cache();
  if (make_layout(s->root, err) < 0 || make_cache(s->cache, err) < 0 ||
      lock_store(s, err) < 0)
    return -1;
  *out = s2i_steal(s);
  return 0;
}

int s2i_store_open(struct s2i_store **out, const char *root,
                   struct s2i_error **err)
{
  return s2i_store_open_at(out, root, root, err);
}

void s2i_store_free(struct s2i_store *store)
{
  if (store == NULL)
    return;
  if (store->lock_fd >= 0)
    close(store->lock_fd);
  free(store->root);
  free(store->cache);
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

#define SINGLE_ID_PREFIX "1id-"

char *s2i_store_layer_dir(const struct s2i_store *store, const char *digest)
{
  /* Unpacked with one id mapped (rootless.h) every file is the caller's:
   * kept apart, so a later build with the builder's ids never uses it. */
  return xasprintf("%s/layers/%s%s", store->cache,
                   s2i_rootless_single_id() ? SINGLE_ID_PREFIX : "",
                   s2i_digest_hex(digest));
}

char *s2i_store_tmp_dir(const struct s2i_store *store)
{
  return xasprintf("%s/tmp", store->cache);
}

char *s2i_store_private_path(const struct s2i_store *store, const char *name)
{
  return xasprintf("%s/.s2i/%s", store->root, name);
}

int s2i_store_blob_begin(struct s2i_blob_writer **out, struct s2i_store *store,
                         struct s2i_error **err)
{
  struct s2i_blob_writer *w = xcalloc(1, sizeof(*w));

  w->tmp_path = xasprintf("%s/.s2i/tmp/blob-XXXXXX", store->root);
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

int s2i_store_read_blob(const struct s2i_store *store, const char *digest,
                        char **out, size_t *len, struct s2i_error **err)
{
  cleanup_free char *p = NULL;

  if (!s2i_digest_is_valid(digest))
    return s2i_error_make(err, 0, "invalid digest \"%s\"", digest);
  p = s2i_store_blob_path(store, digest);
  return s2i_fs_read_file(out, len, p, err);
}

/* ---- tags ------------------------------------------------------------- */

char *s2i_store_tag_name(const char *name)
{
  const char *slash = strrchr(name, '/');

  if (strchr(slash ? slash : name, ':') || strchr(name, '@'))
    return xstrdup(name);
  return xasprintf("%s:latest", name);
}

int s2i_store_index(const struct s2i_store *store, json_t **out,
                    struct s2i_error **err)
{
  cleanup_free char *p = s2i_fs_join(store->root, "index.json");
  cleanup_free char *text = NULL;
  json_error_t je;
  size_t len;

  if (!s2i_fs_exists(p)) {
    *out = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
                     MEDIA_INDEX, "manifests");
    return 0;
  }
  if (s2i_fs_read_file(&text, &len, p, err) < 0)
    return -1;
  *out = json_loadb(text, len, 0, &je);
  if (*out == NULL || !json_is_array(json_object_get(*out, "manifests"))) {
    json_decref(*out);
    *out = NULL;
    return s2i_error_json(err, je.text, je.line, "store index %s", p);
  }
  return 0;
}

static int desc_named(json_t *d, const char *name)
{
  const char *v = json_string_value(
      json_object_get(json_object_get(d, "annotations"), REF_NAME));

  return v && strcmp(v, name) == 0;
}

json_t *s2i_store_index_find(json_t *index, const char *name)
{
  json_t *mans = json_object_get(index, "manifests");
  size_t i;
  json_t *d;

  json_array_foreach(mans, i, d)
  {
    if (desc_named(d, name))
      return d;
  }
  return NULL;
}

/* Run fn on index.json under the index lock and write the result back
 * (temp file + rename) when fn returns > 0. */
static int edit_index(struct s2i_store *store,
                      int (*fn)(json_t *index, void *arg), void *arg,
                      struct s2i_error **err)
{
  cleanup_free char *lock = s2i_store_private_path(store, "index.lock");
  cleanup_free char *path = s2i_fs_join(store->root, "index.json");
  cleanup_close int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  cleanup_json json_t *index = NULL;
  cleanup_free char *text = NULL;
  int r;

  if (fd < 0)
    return s2i_error_make(err, errno, "store %s: open %s", store->root, lock);
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return s2i_error_make(err, errno, "store %s: lock", store->root);
  if (s2i_store_index(store, &index, err) < 0)
    return -1;
  r = fn(index, arg);
  if (r <= 0)
    return r;
  text = json_dumps(index, JSON_INDENT(1) | JSON_SORT_KEYS);
  if (text == NULL)
    abort();
  if (s2i_fs_write_file_atomic(path, text, strlen(text), 0644, err) < 0)
    return s2i_error_prefix(err, "store %s", store->root);
  return r;
}

static void drop_named(json_t *index, const char *name, int *dropped)
{
  json_t *mans = json_object_get(index, "manifests");

  for (size_t i = json_array_size(mans); i-- > 0;)
    if (desc_named(json_array_get(mans, i), name)) {
      json_array_remove(mans, i);
      *dropped = 1;
    }
}

struct tag_args {
  const char *name;
  json_t *desc;
};

static int do_tag(json_t *index, void *arg)
{
  struct tag_args *a = arg;
  int dropped = 0;

  drop_named(index, a->name, &dropped);
  json_array_append(json_object_get(index, "manifests"), a->desc);
  return 1;
}

int s2i_store_tag(struct s2i_store *store, const char *name,
                  const char *media_type, const char *digest, int64_t size,
                  json_t *annotations, struct s2i_error **err)
{
  cleanup_json json_t *desc = NULL;
  json_t *ann = json_object();
  struct tag_args a = {name, NULL};

  if (!s2i_store_has_blob(store, digest))
    return s2i_error_make(err, 0, "tag %s: manifest %s is not in the store",
                          name, digest);
  if (annotations)
    json_object_update(ann, annotations);
  json_object_set_new(ann, REF_NAME, json_string(name));
  desc = json_pack("{s:s, s:s, s:I, s:o}", "mediaType", media_type, "digest",
                   digest, "size", (json_int_t)size, "annotations", ann);
  a.desc = desc;
  return edit_index(store, do_tag, &a, err) < 0 ? -1 : 0;
}

static int do_untag(json_t *index, void *arg)
{
  int dropped = 0;

  drop_named(index, arg, &dropped);
  return dropped;
}

int s2i_store_untag(struct s2i_store *store, const char *name,
                    struct s2i_error **err)
{
  return edit_index(store, do_untag, (void *)name, err);
}

/* A name as the user gives it, or its full registry name. */
char *s2i_store_resolve_name(struct s2i_store *store, const char *ref)
{
  cleanup_json json_t *index = NULL;
  cleanup_ref struct s2i_ref *parsed = NULL;
  cleanup_free char *given = NULL;
  struct s2i_error *e = NULL;

  if (s2i_store_index(store, &index, &e) < 0) {
    s2i_error_free(e);
    return NULL;
  }
  given = s2i_store_tag_name(strncmp(ref, "docker://", 9) == 0 ? ref + 9 : ref);
  if (s2i_store_index_find(index, given))
    return s2i_steal(given);
  if (s2i_ref_parse(&parsed, ref, &e) < 0) {
    s2i_error_free(e);
    return NULL;
  }
  free(given);
  given = s2i_ref_string(parsed);
  return s2i_store_index_find(index, given) ? s2i_steal(given) : NULL;
}

/* ---- prune ------------------------------------------------------------ */

struct reach {
  char **v;
  size_t n, cap;
};

static int reached(const struct reach *r, const char *digest)
{
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->v[i], digest) == 0)
      return 1;
  return 0;
}

static void reach_add(struct reach *r, const char *digest)
{
  if (digest == NULL || reached(r, digest))
    return;
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 64;
    r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
  }
  r->v[r->n++] = xstrdup(digest);
}

/* A manifest or index and everything it names, depth first. */
static void walk(const struct s2i_store *store, struct reach *r,
                 const char *digest, int depth)
{
  cleanup_free char *text = NULL;
  cleanup_json json_t *doc = NULL;
  struct s2i_error *e = NULL;
  size_t len, i;
  json_t *d;

  reach_add(r, digest);
  if (depth > 4 || s2i_store_read_blob(store, digest, &text, &len, &e) < 0) {
    s2i_error_free(e);
    return;
  }
  doc = json_loadb(text, len, 0, NULL);
  reach_add(r, json_string_value(
                   json_object_get(json_object_get(doc, "config"), "digest")));
  json_array_foreach(json_object_get(doc, "layers"), i, d)
  {
    reach_add(r, json_string_value(json_object_get(d, "digest")));
  }
  json_array_foreach(json_object_get(doc, "manifests"), i, d)
  {
    walk(store, r, json_string_value(json_object_get(d, "digest")), depth + 1);
  }
}

static void prune_blobs(struct s2i_store *store, const struct reach *r,
                        struct s2i_prune_stats *st)
{
  cleanup_free char *dir = s2i_fs_join(store->root, "blobs/sha256");
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;

  while (d && (de = readdir(d)) != NULL) {
    char digest[S2I_DIGEST_LEN + 1];
    struct stat sb;
    if (de->d_name[0] == '.' || strlen(de->d_name) != 64)
      continue;
    snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
    if (reached(r, digest) ||
        fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
      st->blobs++;
      st->blob_bytes += (int64_t)sb.st_size;
    }
  }
}

static void reach_free(struct reach *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->v[i]);
  free(r->v);
  memset(r, 0, sizeof(*r));
}

/* What the tags reach: every tagged manifest and what it names. */
static int reach_tagged(const struct s2i_store *store, struct reach *r,
                        struct s2i_error **err)
{
  cleanup_json json_t *index = NULL;
  size_t i;
  json_t *d;

  if (s2i_store_index(store, &index, err) < 0)
    return -1;
  json_array_foreach(json_object_get(index, "manifests"), i, d)
  {
    walk(store, r, json_string_value(json_object_get(d, "digest")), 0);
  }
  return 0;
}

static void drop_layer(struct s2i_store *store, const char *digest,
                       struct s2i_prune_stats *st)
{
  cleanup_free char *dir = s2i_store_layer_dir(store, digest);
  struct s2i_error *e = NULL;

  if (!s2i_fs_exists(dir))
    return;
  if (s2i_fs_rm_rf(dir, &e) < 0)
    s2i_error_free(e);
  else
    st->layers++;
}

int s2i_store_remove_image(const struct s2i_ctx *ctx, struct s2i_store *store,
                           const char *digest, struct s2i_prune_stats *st,
                           struct s2i_error **err)
{
  struct reach tagged = {0}, mine = {0};
  int r = 0;

  memset(st, 0, sizeof(*st));
  if (flock(store->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    s2i_log_info(ctx,
                 "Keeping the previous image %.19s: another s2i process "
                 "uses the store (s2i prune frees it later)",
                 digest);
    return 0;
  }
  if (reach_tagged(store, &tagged, err) < 0)
    r = -1;
  else if (!reached(&tagged, digest)) {
    walk(store, &mine, digest, 0);
    for (size_t i = 0; i < mine.n; i++) {
      cleanup_free char *blob = s2i_store_blob_path(store, mine.v[i]);
      struct stat sb;
      if (reached(&tagged, mine.v[i]))
        continue;
      drop_layer(store, mine.v[i], st);
      if (lstat(blob, &sb) == 0 && unlink(blob) == 0) {
        st->blobs++;
        st->blob_bytes += (int64_t)sb.st_size;
      }
    }
  }
  flock(store->lock_fd, LOCK_SH);
  reach_free(&tagged);
  reach_free(&mine);
  return r;
}

static void prune_layers(struct s2i_store *store, const struct reach *r,
                         struct s2i_prune_stats *st)
{
  cleanup_free char *dir = s2i_fs_join(store->cache, "layers");
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;

  while (d && (de = readdir(d)) != NULL) {
    char digest[S2I_DIGEST_LEN + 1];
    struct s2i_error *e = NULL;
    const char *hex = de->d_name;
    if (strncmp(hex, SINGLE_ID_PREFIX, strlen(SINGLE_ID_PREFIX)) == 0)
      hex += strlen(SINGLE_ID_PREFIX);
    if (de->d_name[0] == '.' || strlen(hex) != 64)
      continue;
    snprintf(digest, sizeof(digest), "sha256:%.64s", hex);
    if (reached(r, digest))
      continue;
    cleanup_free char *p = s2i_fs_join(dir, de->d_name);
    if (s2i_fs_rm_rf(p, &e) < 0)
      s2i_error_free(e);
    else
      st->layers++;
  }
}

static int prune(const struct s2i_ctx *ctx, struct s2i_store *store,
                 struct s2i_prune_stats *st, struct s2i_error **err)
{
  struct reach r = {0};

  memset(st, 0, sizeof(*st));
  if (flock(store->lock_fd, LOCK_EX | LOCK_NB) == 0)
    goto locked;
  s2i_log_info(ctx, "Waiting for the other s2i processes using the store %s",
               store->root);
  while (flock(store->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return s2i_error_make(err, errno, "store %s: lock", store->root);
locked:
  if (reach_tagged(store, &r, err) < 0) {
    flock(store->lock_fd, LOCK_SH);
    reach_free(&r);
    return -1;
  }
  prune_blobs(store, &r, st);
  prune_layers(store, &r, st);
  st->temps = sweep_private(store);
  {
    cleanup_free char *tmp = s2i_store_tmp_dir(store);
    st->temps += sweep_dir(tmp, -1, NULL);
  }
  flock(store->lock_fd, LOCK_SH);
  reach_free(&r);
  return 0;
}

struct prune_call {
  const struct s2i_ctx *ctx;
  struct s2i_store *store;
  struct s2i_prune_stats *st;
};

static int prune_fn(void *arg, struct s2i_error **err)
{
  struct prune_call *c = arg;

  return prune(c->ctx, c->store, c->st, err);
}

/* A rootless build's cache holds files of the caller's subordinate ids:
 * only its user namespace (rootless.h) can remove them. */
int s2i_store_prune(const struct s2i_ctx *ctx, struct s2i_store *store,
                    struct s2i_prune_stats *st, struct s2i_error **err)
{
  struct prune_call c;

  memset(st, 0, sizeof(*st));
  c = (struct prune_call){ctx, store, st};
  return s2i_rootless_run_result(ctx, prune_fn, &c, st, sizeof(*st), err);
}
