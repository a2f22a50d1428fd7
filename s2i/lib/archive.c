#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "xalloc.h"

#define CHUNK (1 << 20)
#define MAX_JSON_ENTRY (16 << 20) /* manifests and configs are KBs */

/* One regular file (or link to one) seen in the archive. */
struct entry {
  char *name;
  char *link;                      /* alias target, normalised; or NULL */
  char digest[S2I_DIGEST_LEN + 1]; /* of a blob in the store, or "" */
  char *data;                      /* small JSON kept in memory */
  size_t len;
};

/* Where blobs and files come from: a tarball already read into entries (and
 * the store), or an OCI layout directory read on demand. */
struct source {
  const struct s2i_ctx *ctx;
  const char *transport;
  const char *path;
  struct s2i_store *store;
  int is_dir;
  struct entry *ents;
  size_t n, cap;
};

static void source_clear(struct source *src)
{
  for (size_t i = 0; i < src->n; i++) {
    free(src->ents[i].name);
    free(src->ents[i].link);
    free(src->ents[i].data);
  }
  free(src->ents);
}

static struct entry *source_add(struct source *src, const char *name)
{
  struct entry *e;

  if (src->n == src->cap) {
    src->cap = src->cap ? src->cap * 2 : 32;
    src->ents = xrealloc(src->ents, src->cap * sizeof(*src->ents));
  }
  e = &src->ents[src->n++];
  memset(e, 0, sizeof(*e));
  e->name = xstrdup(name);
  return e;
}

/* Collapse "./", "//" and "dir/.." so names written by different tools
 * compare equal; NULL when the name climbs above the archive root. */
static char *normalise(const char *name)
{
  char *out = xmalloc(strlen(name) + 1);
  size_t o = 0;
  const char *p = name;

  while (*p) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (o == 0) {
        free(out);
        return NULL;
      }
      while (o > 0 && out[--o] != '/')
        ;
    } else if (n > 0 && !(n == 1 && p[0] == '.')) {
      if (o > 0)
        out[o++] = '/';
      memcpy(out + o, p, n);
      o += n;
    }
    p += n;
    while (*p == '/')
      p++;
  }
  out[o] = '\0';
  return out;
}

static struct entry *source_find(struct source *src, const char *name)
{
  cleanup_free char *want = normalise(name);

  for (int hops = 0; want != NULL && hops < 16; hops++) {
    struct entry *e = NULL;
    for (size_t i = src->n; i-- > 0;)
      if (strcmp(src->ents[i].name, want) == 0) {
        e = &src->ents[i];
        break;
      }
    if (e == NULL || e->link == NULL)
      return e;
    free(want);
    want = xstrdup(e->link);
  }
  return NULL;
}

/* The digest a path claims by its name: blobs/sha256/<hex> (OCI, Docker 25)
 * or <hex>.tar / <hex>.json (skopeo's docker-archive). */
static int digest_from_name(const char *name, char out[S2I_DIGEST_LEN + 1])
{
  const char *base = strrchr(name, '/');
  size_t n;

  base = base ? base + 1 : name;
  n = strlen(base);
  if (strncmp(name, "blobs/sha256/", 13) == 0 && base == name + 13 && n == 64)
    snprintf(out, S2I_DIGEST_LEN + 1, "sha256:%s", base);
  else if (base == name && n == 68 && strcmp(base + 64, ".tar") == 0)
    snprintf(out, S2I_DIGEST_LEN + 1, "sha256:%.64s", base);
  else if (base == name && n == 69 && strcmp(base + 64, ".json") == 0)
    snprintf(out, S2I_DIGEST_LEN + 1, "sha256:%.64s", base);
  else
    return 0;
  return s2i_digest_is_valid(out);
}

/* ---- the one pass over a tarball ------------------------------------- */

/* Top-level metadata is small and read into memory; legacy per-layer
 * metadata (<id>/json, <id>/VERSION) is not needed; the rest is blobs. */
enum kind { KIND_SKIP, KIND_MEMORY, KIND_BLOB };

static enum kind classify(const char *name)
{
  const char *base = strrchr(name, '/');
  size_t n = strlen(name);

  if (base == NULL &&
      (strcmp(name, "oci-layout") == 0 || strcmp(name, "repositories") == 0 ||
       (n > 5 && strcmp(name + n - 5, ".json") == 0)))
    return KIND_MEMORY;
  if (base && strncmp(name, "blobs/", 6) != 0 &&
      (strcmp(base, "/json") == 0 || strcmp(base, "/VERSION") == 0))
    return KIND_SKIP;
  return KIND_BLOB;
}

static int read_to_memory(struct archive *a, struct entry *e, int64_t size,
                          struct s2i_error **err)
{
  la_ssize_t r;

  if (size < 0 || size > MAX_JSON_ENTRY)
    return s2i_error_make(err, 0,
                          "entry %s: too large for metadata (%lld "
                          "bytes)",
                          e->name, (long long)size);
  e->data = xmalloc((size_t)size + 1);
  while ((r = archive_read_data(a, e->data + e->len, (size_t)size - e->len)) >
         0)
    e->len += (size_t)r;
  if (r < 0)
    return s2i_error_archive(err, a, "entry %s", e->name);
  if (e->len != (size_t)size)
    return s2i_error_make(err, 0, "entry %s: truncated", e->name);
  e->data[e->len] = '\0';
  return 0;
}

static int stream_blob(struct archive *a, struct s2i_blob_writer *w,
                       const char *name, struct s2i_progress *prog,
                       struct s2i_error **err)
{
  cleanup_free char *buf = xmalloc(CHUNK);
  la_ssize_t r;

  while ((r = archive_read_data(a, buf, CHUNK)) > 0) {
    if (s2i_ctx_check_interrupt(prog->ctx, err) < 0 ||
        s2i_store_blob_write(w, buf, (size_t)r, err) < 0)
      return -1;
    s2i_progress_add(prog, (uint64_t)r);
  }
  if (r < 0)
    return s2i_error_archive(err, a, "entry %s", name);
  return 0;
}

/* Copy one entry into the store, checked against the digest its name
 * claims; a blob the store already holds is skipped, not re-read. */
static int ingest_entry(struct source *src, struct archive *a, struct entry *e,
                        struct s2i_progress *prog, struct s2i_error **err)
{
  char expected[S2I_DIGEST_LEN + 1];
  int named = digest_from_name(e->name, expected);
  struct s2i_blob_writer *w;

  if (named && s2i_store_has_blob(src->store, expected)) {
    memcpy(e->digest, expected, sizeof(expected));
    if (archive_read_data_skip(a) != ARCHIVE_OK)
      return s2i_error_archive(err, a, "entry %s", e->name);
    return 0;
  }
  if (s2i_store_blob_begin(&w, src->store, err) < 0)
    return -1;
  if (stream_blob(a, w, e->name, prog, err) < 0) {
    s2i_store_blob_abort(w);
    return -1;
  }
  if (s2i_store_blob_commit(w, named ? expected : NULL, e->digest, NULL, err) <
      0)
    return s2i_error_prefix(err, "entry %s", e->name);
  return 0;
}

/* A symlink's target is relative to its own directory, a hard link's to the
 * archive root; both become aliases resolved at lookup. */
static void add_link(struct source *src, const char *name, const char *target,
                     int hard)
{
  const char *slash = strrchr(name, '/');
  cleanup_free char *joined = NULL;
  struct entry *e;

  if (hard || target[0] == '/' || slash == NULL)
    joined = xstrdup(target);
  else
    joined = xasprintf("%.*s/%s", (int)(slash - name), name, target);
  e = source_add(src, name);
  e->link = normalise(joined);
  if (e->link == NULL)
    e->link = xstrdup("");
}

static int read_entry(struct source *src, struct archive *a,
                      struct archive_entry *ae, struct s2i_progress *prog,
                      struct s2i_error **err)
{
  cleanup_free char *name = normalise(archive_entry_pathname(ae));
  const char *hard = archive_entry_hardlink(ae);
  struct entry *e;

  if (name == NULL || *name == '\0')
    return 0; /* "." or a name escaping the root: never looked up */
  if (hard) {
    add_link(src, name, hard, 1);
    return 0;
  }
  if (archive_entry_filetype(ae) == AE_IFLNK) {
    add_link(src, name, archive_entry_symlink(ae), 0);
    return 0;
  }
  if (archive_entry_filetype(ae) != AE_IFREG || classify(name) == KIND_SKIP)
    return 0;
  e = source_add(src, name);
  if (classify(name) == KIND_MEMORY)
    return read_to_memory(a, e, archive_entry_size(ae), err);
  return ingest_entry(src, a, e, prog, err);
}

static int open_tar(struct archive **out, const char *path,
                    struct s2i_error **err)
{
  struct archive *a;
  struct stat st;

  if (stat(path, &st) < 0)
    return s2i_error_make(err, errno, "cannot read");
  if (S_ISDIR(st.st_mode))
    return s2i_error_make(err, 0,
                          "is a directory, not a tarball (an OCI "
                          "layout directory is read with oci:DIR)");
  a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK) {
    s2i_error_archive(err, a, "not a readable tar archive");
    archive_read_free(a);
    return -1;
  }
  *out = a;
  return 0;
}

static int read_all_entries(struct source *src, struct archive *a,
                            struct s2i_progress *prog, struct s2i_error **err)
{
  struct archive_entry *ae;
  int r;

  for (;;) {
    if (s2i_ctx_check_interrupt(src->ctx, err) < 0)
      return -1;
    r = archive_read_next_header(a, &ae);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) /* RETRY: a bad header */
      return s2i_error_archive(err, a, "%s",
                               src->n ? "corrupt or truncated tar archive"
                                      : "not a tar archive");
    if (read_entry(src, a, ae, prog, err) < 0)
      return -1;
  }
}

static int scan_tar(struct source *src, struct s2i_error **err)
{
  struct archive *a = NULL;
  struct s2i_progress prog;
  struct stat st;
  int ret;

  if (open_tar(&a, src->path, err) < 0)
    return -1;
  stat(src->path, &st);
  s2i_progress_begin(&prog, src->ctx, src->path, (uint64_t)st.st_size);
  ret = read_all_entries(src, a, &prog, err);
  s2i_progress_end(&prog);
  archive_read_free(a);
  return ret;
}

/* ---- files and blobs, from either source ------------------------------ */

static int parse_json(json_t **out, const char *text, size_t len,
                      const char *what, struct s2i_error **err)
{
  json_error_t je;

  *out = json_loadb(text, len, 0, &je);
  if (*out == NULL)
    return s2i_error_json(err, je.text, je.line, "%s", what);
  return 0;
}

static int read_store_json(json_t **out, struct source *src, const char *digest,
                           const char *what, struct s2i_error **err)
{
  cleanup_free char *p = s2i_store_blob_path(src->store, digest);
  cleanup_free char *text = NULL;
  size_t len;

  if (s2i_fs_read_regular(&text, &len, p, MAX_JSON_ENTRY, 0, err) < 0)
    return s2i_error_prefix(err, "%s %s", what, digest);
  return parse_json(out, text, len, what, err);
}

static int copy_fd_to_blob(const struct s2i_ctx *ctx, int fd,
                           struct s2i_blob_writer *w, const char *file,
                           struct s2i_error **err)
{
  cleanup_free char *buf = xmalloc(CHUNK);
  ssize_t r;

  while ((r = read(fd, buf, CHUNK)) != 0) {
    if (r < 0 && errno == EINTR && !s2i_ctx_interrupted(ctx))
      continue;
    if (r < 0)
      return s2i_error_make(err, errno, "read %s", file);
    if (s2i_ctx_check_interrupt(ctx, err) < 0 ||
        s2i_store_blob_write(w, buf, (size_t)r, err) < 0)
      return -1;
  }
  return 0;
}

/* Make sure a blob an index/manifest names is in the store: from the
 * tarball's entries, or copied (and verified) from the layout directory. */
static int ensure_blob(struct source *src, const char *digest,
                       struct s2i_error **err)
{
  cleanup_free char *rel = NULL;
  cleanup_free char *file = NULL;
  struct s2i_blob_writer *w;
  cleanup_close int fd = -1;
  struct stat st;
  int r;

  if (!s2i_digest_is_valid(digest))
    return s2i_error_make(err, 0, "invalid digest \"%s\"", digest);
  rel = xasprintf("blobs/sha256/%s", s2i_digest_hex(digest));
  if (!src->is_dir) {
    struct entry *e = source_find(src, rel);
    if (e == NULL || strcmp(e->digest, digest) != 0)
      return s2i_error_make(err, 0, "blob %s is missing from the archive",
                            digest);
    return 0;
  }
  file = s2i_fs_join(src->path, rel);
  /* a FIFO or a device in the layout must neither hang nor stream forever:
   * only regular files, not through a symlink */
  fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return s2i_error_make(err, errno, "blob %s (%s)", digest, file);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return s2i_error_make(err, 0, "blob %s (%s): not a regular file (refused)",
                          digest, file);
  if (s2i_store_has_blob(src->store, digest))
    return 0;
  if (s2i_store_blob_begin(&w, src->store, err) < 0)
    return -1;
  r = copy_fd_to_blob(src->ctx, fd, w, file, err);
  if (r < 0) {
    s2i_store_blob_abort(w);
    return -1;
  }
  if (s2i_store_blob_commit(w, digest, NULL, NULL, err) < 0)
    return s2i_error_prefix(err, "%s", file);
  return 0;
}

/* A top-level file (manifest.json, index.json): 1 when found, 0 when absent,
 * <0 on error. */
static int read_named_json(json_t **out, struct source *src, const char *name,
                           struct s2i_error **err)
{
  cleanup_free char *file = NULL;
  cleanup_free char *text = NULL;
  struct entry *e;
  size_t len;

  if (src->is_dir) {
    file = s2i_fs_join(src->path, name);
    if (!s2i_fs_exists(file))
      return 0;
    if (s2i_fs_read_regular(&text, &len, file, MAX_JSON_ENTRY, O_NOFOLLOW,
                            err) < 0)
      return -1;
    return parse_json(out, text, len, name, err) < 0 ? -1 : 1;
  }
  e = source_find(src, name);
  if (e == NULL)
    return 0;
  if (e->data)
    return parse_json(out, e->data, e->len, name, err) < 0 ? -1 : 1;
  return read_store_json(out, src, e->digest, name, err) < 0 ? -1 : 1;
}

/* ---- from manifests to the image model -------------------------------- */

static const char *const media_types[][2] = {
    {S2I_MEDIA_OCI_LAYER, S2I_MEDIA_OCI_LAYER},
    {S2I_MEDIA_OCI_LAYER_GZIP, S2I_MEDIA_OCI_LAYER_GZIP},
    {S2I_MEDIA_OCI_LAYER_ZSTD, S2I_MEDIA_OCI_LAYER_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", S2I_MEDIA_OCI_LAYER},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip",
     S2I_MEDIA_OCI_LAYER_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd",
     S2I_MEDIA_OCI_LAYER_ZSTD},
};

/* Layers are re-described with OCI media types, since we write OCI. */
static const char *oci_media_type(const char *mt)
{
  for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
    if (strcmp(mt, media_types[i][0]) == 0)
      return media_types[i][1];
  return NULL;
}

/* docker-archive layers carry no media type: look at the magic bytes. */
static int sniff_media_type(const char **out, const char *blob,
                            struct s2i_error **err)
{
  unsigned char m[4] = {0};
  FILE *f = fopen(blob, "rb");

  if (f == NULL)
    return s2i_error_make(err, errno, "open %s", blob);
  if (fread(m, 1, sizeof(m), f) < 2)
    memset(m, 0, sizeof(m));
  fclose(f);
  if (m[0] == 0x1f && m[1] == 0x8b)
    *out = S2I_MEDIA_OCI_LAYER_GZIP;
  else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    *out = S2I_MEDIA_OCI_LAYER_ZSTD;
  else
    *out = S2I_MEDIA_OCI_LAYER;
  return 0;
}

/* Size, media type and diff_id of one layer whose digest is set. */
static int finish_layer(struct s2i_layer *l, struct source *src,
                        json_t *diff_id, struct s2i_error **err)
{
  cleanup_free char *blob = s2i_store_blob_path(src->store, l->digest);
  const char *mt = l->media_type;
  struct stat st;

  if (stat(blob, &st) < 0)
    return s2i_error_make(err, errno, "layer %s", l->digest);
  if (l->size >= 0 && l->size != (int64_t)st.st_size)
    return s2i_error_make(err, 0,
                          "layer %s: manifest says %lld bytes, blob "
                          "has %lld",
                          l->digest, (long long)l->size, (long long)st.st_size);
  l->size = (int64_t)st.st_size;
  if (mt == NULL) {
    if (sniff_media_type(&mt, blob, err) < 0)
      return -1;
    l->media_type = xstrdup(mt);
  }
  if (!s2i_digest_is_valid(json_string_value(diff_id)))
    return s2i_error_make(err, 0, "layer %s: config has no valid diff_id",
                          l->digest);
  snprintf(l->diff_id, sizeof(l->diff_id), "%s", json_string_value(diff_id));
  /* An uncompressed blob IS the diff: its digest must be the diff_id. */
  if (strcmp(mt, S2I_MEDIA_OCI_LAYER) == 0 && strcmp(l->digest, l->diff_id))
    return s2i_error_make(err, 0,
                          "layer %s: uncompressed, but the config's "
                          "diff_id is %s",
                          l->digest, l->diff_id);
  return 0;
}

/* Takes the config reference and the layers. */
static int build_image(struct s2i_image **out, struct source *src,
                       json_t *config, struct s2i_layer_set *layers,
                       struct s2i_error **err)
{
  json_t *diff_ids =
      json_object_get(json_object_get(config, "rootfs"), "diff_ids");
  cleanup_image struct s2i_image *img = xcalloc(1, sizeof(*img));
  size_t n = layers->n;

  img->config = config;
  img->layers = s2i_steal(layers->v);
  img->n_layers = n;
  layers->n = 0; /* the image owns them now */
  s2i_layer_set_free(layers);
  if (!json_is_object(config))
    return s2i_error_make(err, 0, "image config is not a JSON object");
  if (json_array_size(diff_ids) != n)
    return s2i_error_make(err, 0, "config lists %zu diff_ids for %zu layers",
                          json_array_size(diff_ids), n);
  for (size_t i = 0; i < n; i++)
    if (finish_layer(&img->layers[i], src, json_array_get(diff_ids, i), err) <
        0)
      return -1;
  *out = s2i_steal(img);
  return 0;
}

/* ---- docker-archive: manifest.json ----------------------------------- */

static int tag_matches(json_t *tags, const char *ref)
{
  cleanup_free char *with_latest = xasprintf("%s:latest", ref);
  size_t i;
  json_t *t;

  json_array_foreach(tags, i, t)
  {
    const char *s = json_string_value(t);
    if (s && (strcmp(s, ref) == 0 || strcmp(s, with_latest) == 0))
      return 1;
  }
  return 0;
}

static int docker_select(json_t **out, json_t *manifest, const char *ref,
                         struct s2i_error **err)
{
  size_t i;
  json_t *m;

  if (!json_is_array(manifest) || json_array_size(manifest) == 0)
    return s2i_error_make(err, 0, "manifest.json lists no image");
  if (ref == NULL) {
    if (json_array_size(manifest) > 1)
      return s2i_error_make(err, 0,
                            "manifest.json lists %zu images; name "
                            "one as docker-archive:PATH:NAME:TAG",
                            json_array_size(manifest));
    *out = json_array_get(manifest, 0);
    return 0;
  }
  json_array_foreach(manifest, i, m)
  {
    if (tag_matches(json_object_get(m, "RepoTags"), ref)) {
      *out = m;
      return 0;
    }
  }
  return s2i_error_make(err, 0, "manifest.json has no image tagged %s", ref);
}

/* A config kept in memory was never hashed: check the name it claims. */
static int docker_config(json_t **out, struct source *src, const char *path,
                         struct s2i_error **err)
{
  struct entry *e = source_find(src, path);
  char claimed[S2I_DIGEST_LEN + 1], got[S2I_DIGEST_LEN + 1];

  if (e == NULL)
    return s2i_error_make(err, 0,
                          "manifest.json names config %s, which is "
                          "not in the archive",
                          path);
  if (e->data == NULL)
    return read_store_json(out, src, e->digest, path, err);
  s2i_digest_buffer(e->data, e->len, got);
  if (digest_from_name(e->name, claimed) && strcmp(claimed, got) != 0)
    return s2i_error_make(err, 0,
                          "entry %s: digest mismatch: expected %s, "
                          "content is %s",
                          e->name, claimed, got);
  return parse_json(out, e->data, e->len, path, err);
}

static int docker_layers(struct s2i_layer *layers, struct source *src,
                         json_t *paths, struct s2i_error **err)
{
  size_t i;
  json_t *p;

  json_array_foreach(paths, i, p)
  {
    const char *name = json_string_value(p);
    struct entry *e = name ? source_find(src, name) : NULL;
    if (name == NULL)
      return s2i_error_make(err, 0,
                            "manifest.json: layer %zu is not a "
                            "path",
                            i);
    if (e == NULL || e->digest[0] == '\0')
      return s2i_error_make(err, 0,
                            "manifest.json names layer %s, which is "
                            "not in the archive",
                            name);
    memcpy(layers[i].digest, e->digest, sizeof(e->digest));
  }
  return 0;
}

static int resolve_docker(struct s2i_image **out, struct source *src,
                          json_t *manifest, const char *ref,
                          struct s2i_error **err)
{
  json_t *m = NULL, *paths;
  cleanup_json json_t *config = NULL;
  cleanup_layer_set struct s2i_layer_set *layers = NULL;
  const char *cfg_path;

  if (docker_select(&m, manifest, ref, err) < 0)
    return -1;
  cfg_path = json_string_value(json_object_get(m, "Config"));
  paths = json_object_get(m, "Layers");
  if (cfg_path == NULL || !json_is_array(paths))
    return s2i_error_make(err, 0,
                          "manifest.json: entry lacks Config or "
                          "Layers");
  layers = s2i_layer_set_new(json_array_size(paths));
  if (docker_layers(layers->v, src, paths, err) < 0 ||
      docker_config(&config, src, cfg_path, err) < 0)
    return -1;
  return build_image(out, src, s2i_steal(config), s2i_steal(layers), err);
}

/* ---- OCI layout: index.json -> manifest -> config + layers ------------ */

/* docker save puts the tag alone in ref.name and the full name in
 * io.containerd.image.name: accept either. */
static int names_match(json_t *annotations, const char *ref)
{
  static const char *const keys[] = {"org.opencontainers.image.ref.name",
                                     "io.containerd.image.name"};

  for (size_t k = 0; k < 2; k++) {
    const char *v = json_string_value(json_object_get(annotations, keys[k]));
    if (v && strcmp(v, ref) == 0)
      return 1;
  }
  return 0;
}

static int oci_select(json_t **out, json_t *index, const char *ref,
                      struct s2i_error **err)
{
  json_t *mans = json_object_get(index, "manifests");
  size_t i;
  json_t *d;

  if (json_array_size(mans) == 0)
    return s2i_error_make(err, 0, "index.json lists no manifest");
  if (ref == NULL) {
    if (json_array_size(mans) > 1)
      return s2i_error_make(err, 0,
                            "index.json lists %zu manifests; name "
                            "one as oci-archive:PATH:REF",
                            json_array_size(mans));
    *out = json_array_get(mans, 0);
    return 0;
  }
  json_array_foreach(mans, i, d)
  {
    if (names_match(json_object_get(d, "annotations"), ref)) {
      *out = d;
      return 0;
    }
  }
  return s2i_error_make(err, 0, "index.json has no manifest named %s", ref);
}

static int oci_blob_json(json_t **out, struct source *src, json_t *desc,
                         const char *what, struct s2i_error **err)
{
  const char *digest = json_string_value(json_object_get(desc, "digest"));

  if (digest == NULL)
    return s2i_error_make(err, 0, "%s descriptor has no digest", what);
  if (ensure_blob(src, digest, err) < 0 ||
      read_store_json(out, src, digest, digest, err) < 0)
    return s2i_error_prefix(err, "%s", what);
  return 0;
}

static int oci_layers(struct s2i_layer *layers, struct source *src,
                      json_t *descs, struct s2i_error **err)
{
  size_t i;
  json_t *d;

  json_array_foreach(descs, i, d)
  {
    const char *digest = json_string_value(json_object_get(d, "digest"));
    const char *mt = json_string_value(json_object_get(d, "mediaType"));
    if (digest == NULL || mt == NULL)
      return s2i_error_make(err, 0,
                            "manifest: layer %zu lacks digest or "
                            "mediaType",
                            i);
    if (oci_media_type(mt) == NULL)
      return s2i_error_make(err, 0, "layer %s: unsupported media type %s",
                            digest, mt);
    if (ensure_blob(src, digest, err) < 0)
      return s2i_error_prefix(err, "manifest names layer %s", digest);
    snprintf(layers[i].digest, sizeof(layers[i].digest), "%s", digest);
    layers[i].media_type = xstrdup(oci_media_type(mt));
    layers[i].size = json_integer_value(json_object_get(d, "size"));
  }
  return 0;
}

static int is_index_type(const char *mt)
{
  return mt && (strcmp(mt, S2I_MEDIA_OCI_INDEX) == 0 ||
                strstr(mt, "manifest.list") != NULL);
}

static int resolve_oci(struct s2i_image **out, struct source *src,
                       json_t *index, const char *ref, struct s2i_error **err)
{
  json_t *desc = NULL, *descs;
  cleanup_json json_t *manifest = NULL;
  cleanup_json json_t *config = NULL;
  cleanup_layer_set struct s2i_layer_set *layers = NULL;

  if (oci_select(&desc, index, ref, err) < 0)
    return -1;
  if (is_index_type(json_string_value(json_object_get(desc, "mediaType"))))
    return s2i_error_make(err, 0,
                          "index.json names a nested index (a "
                          "multi-platform image), which is not supported; "
                          "copy one platform with skopeo first");
  if (oci_blob_json(&manifest, src, desc, "manifest", err) < 0)
    return -1;
  if (is_index_type(json_string_value(json_object_get(manifest, "mediaType"))))
    return s2i_error_make(err, 0,
                          "manifest is a nested index (a "
                          "multi-platform image), which is not supported");
  descs = json_object_get(manifest, "layers");
  layers = s2i_layer_set_new(json_array_size(descs));
  if (oci_layers(layers->v, src, descs, err) < 0 ||
      oci_blob_json(&config, src, json_object_get(manifest, "config"), "config",
                    err) < 0)
    return -1;
  return build_image(out, src, s2i_steal(config), s2i_steal(layers), err);
}

/* ---- entry point ------------------------------------------------------ */

static int resolve(struct s2i_image **out, struct source *src, const char *ref,
                   struct s2i_error **err)
{
  cleanup_json json_t *doc = NULL;
  int docker =
      src->transport == NULL || strcmp(src->transport, "docker-archive") == 0;
  int r;

  if (docker) {
    r = read_named_json(&doc, src, "manifest.json", err);
    if (r != 0)
      return r < 0 ? -1 : resolve_docker(out, src, doc, ref, err);
    if (src->transport != NULL)
      return s2i_error_make(err, 0, "no manifest.json: not a docker-archive%s",
                            source_find(src, "index.json")
                                ? " (it has index.json: use oci-archive:)"
                                : "");
  }
  r = read_named_json(&doc, src, "index.json", err);
  if (r != 0)
    return r < 0 ? -1 : resolve_oci(out, src, doc, ref, err);
  return s2i_error_make(err, 0, "no %s: not an %s",
                        docker ? "manifest.json or index.json" : "index.json",
                        docker ? "image archive" : "OCI image layout");
}

int s2i_archive_read(const struct s2i_ctx *ctx, struct s2i_image **out,
                     const char *transport, const char *path, const char *ref,
                     struct s2i_store *store, struct s2i_error **err)
{
  struct source src = {ctx, transport, path, store, 0, NULL, 0, 0};
  struct s2i_image *img = NULL;
  int r;

  src.is_dir = transport && strcmp(transport, "oci") == 0;
  if (src.is_dir && !s2i_fs_is_dir(path))
    r = s2i_error_make(err, s2i_fs_exists(path) ? ENOTDIR : ENOENT,
                       "cannot read layout directory");
  else
    r = src.is_dir ? 0 : scan_tar(&src, err);
  if (r == 0)
    r = resolve(&img, &src, ref, err);
  source_clear(&src);
  if (r < 0)
    return s2i_error_prefix(err, "%s %s", transport ? transport : "image",
                            path);
  if (transport == NULL)
    img->ref = xstrdup(path);
  else
    img->ref =
        xasprintf("%s:%s%s%s", transport, path, ref ? ":" : "", ref ? ref : "");
  *out = img;
  return 0;
}
