#include "writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "log.h"
#include "refs.h"
#include "xalloc.h"

#define CHUNK (1 << 20)
#define MAX_NAME 255

/* Everything the tarball holds besides layer data, rendered up front so a
 * failure to render leaves no temp file behind. */
struct plan {
  const struct s2i_ctx *ctx;
  char *config;
  char config_digest[S2I_DIGEST_LEN + 1];
  char *manifest;
  char manifest_digest[S2I_DIGEST_LEN + 1];
  char *index;
  char *docker_manifest;
  int64_t *sizes; /* of each layer blob in the store */
};

static void plan_clear(struct plan *p)
{
  free(p->config);
  free(p->manifest);
  free(p->index);
  free(p->docker_manifest);
  free(p->sizes);
}

char *s2i_writer_config_json(const struct s2i_image *img)
{
  char *s = json_dumps(img->config, JSON_COMPACT | JSON_SORT_KEYS);

  if (s == NULL)
    abort(); /* only on out of memory */
  return s;
}

/* ---- tag: name[:tag], docker reference grammar ----------------------- */

static int valid_name(const char *name)
{
  size_t n = strcspn(name, "/");

  /* Like docker: the first component is a registry host when it looks
   * like one (has '.' or ':', or is localhost) and more follow. */
  if (s2i_ref_names_host(name)) {
    if (!s2i_ref_valid_domain(name, n))
      return 0;
    name += n + 1;
  }
  return s2i_ref_valid_path(name, strlen(name));
}

/* "name" becomes "name:latest"; the tag is the ':' after the last '/'. */
int s2i_writer_normalise_tag(char **out, const char *tag,
                             struct s2i_error **err)
{
  const char *slash = strrchr(tag, '/');
  const char *colon = strrchr(slash ? slash : tag, ':');
  cleanup_free char *name = NULL;

  if (strchr(tag, '@'))
    return s2i_error_make(err, 0,
                          "invalid tag \"%s\": a digest reference "
                          "cannot name a saved image",
                          tag);
  name = colon ? xstrndup(tag, (size_t)(colon - tag)) : xstrdup(tag);
  if (strlen(name) > MAX_NAME || !valid_name(name))
    return s2i_error_make(err, 0,
                          "invalid tag \"%s\": the name must be "
                          "lowercase [a-z0-9] parts joined by '.', '_', '-' "
                          "or '/', optionally after host[:port]/",
                          tag);
  if (colon && !s2i_ref_valid_tag(colon + 1))
    return s2i_error_make(err, 0,
                          "invalid tag \"%s\": the tag after ':' "
                          "must be 1-128 of [A-Za-z0-9_.-], not starting "
                          "with '.' or '-'",
                          tag);
  *out = colon ? xstrdup(tag) : xasprintf("%s:latest", tag);
  return 0;
}

/* ---- what goes in the tarball ---------------------------------------- */

/* The config must describe exactly the layers we write, or consumers
 * refuse the image (or worse, load a different file system). */
static int check_consistent(const struct s2i_image *img, struct s2i_error **err)
{
  json_t *ids =
      json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");

  if (json_array_size(ids) != img->n_layers)
    return s2i_error_make(err, 0,
                          "image config lists %zu diff_ids for %zu "
                          "layers",
                          json_array_size(ids), img->n_layers);
  for (size_t i = 0; i < img->n_layers; i++) {
    const char *id = json_string_value(json_array_get(ids, i));
    if (id == NULL || strcmp(id, img->layers[i].diff_id) != 0)
      return s2i_error_make(err, 0,
                            "layer %s: config diff_id %s does not "
                            "match the layer's %s",
                            img->layers[i].digest, id ? id : "(none)",
                            img->layers[i].diff_id);
  }
  return 0;
}

static int stat_layers(int64_t *sizes, const struct s2i_image *img,
                       struct s2i_store *store, struct s2i_error **err)
{
  for (size_t i = 0; i < img->n_layers; i++) {
    const struct s2i_layer *l = &img->layers[i];
    cleanup_free char *blob = NULL;
    struct stat st;

    if (!s2i_digest_is_valid(l->digest))
      return s2i_error_make(err, 0, "layer %zu: invalid digest \"%s\"", i,
                            l->digest);
    blob = s2i_store_blob_path(store, l->digest);
    if (stat(blob, &st) < 0)
      return s2i_error_make(err, errno, "layer %s is not in the store (%s)",
                            l->digest, blob);
    if (l->size > 0 && l->size != (int64_t)st.st_size)
      return s2i_error_make(err, 0,
                            "layer %s: %lld bytes in the store, the "
                            "image says %lld",
                            l->digest, (long long)st.st_size,
                            (long long)l->size);
    sizes[i] = (int64_t)st.st_size;
  }
  return 0;
}

static json_t *descriptor(const char *media_type, const char *digest,
                          int64_t size)
{
  return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest,
                   "size", (json_int_t)size);
}

static char *dump(json_t *j)
{
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

  json_decref(j);
  if (s == NULL)
    abort();
  return s;
}

static void render_manifest(struct plan *p, const struct s2i_image *img)
{
  json_t *layers = json_array();

  for (size_t i = 0; i < img->n_layers; i++)
    json_array_append_new(
        layers, descriptor(img->layers[i].media_type ? img->layers[i].media_type
                                                     : S2I_MEDIA_OCI_LAYER,
                           img->layers[i].digest, p->sizes[i]));
  p->manifest =
      dump(json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
                     S2I_MEDIA_OCI_MANIFEST, "config",
                     descriptor(S2I_MEDIA_OCI_CONFIG, p->config_digest,
                                (int64_t)strlen(p->config)),
                     "layers", layers));
  s2i_digest_buffer(p->manifest, strlen(p->manifest), p->manifest_digest);
}

/* podman names a loaded OCI image after io.containerd.image.name (as
 * docker save writes it), skopeo's oci-archive:PATH:REF matches ref.name. */
static void render_index(struct plan *p, const char *name)
{
  json_t *desc = descriptor(S2I_MEDIA_OCI_MANIFEST, p->manifest_digest,
                            (int64_t)strlen(p->manifest));

  if (name) /* an image built without TAG has no name (as the original) */
    json_object_set_new(desc, "annotations",
                        json_pack("{s:s, s:s}", "io.containerd.image.name",
                                  name, "org.opencontainers.image.ref.name",
                                  name));
  p->index =
      dump(json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType",
                     S2I_MEDIA_OCI_INDEX, "manifests", desc));
}

static char *blob_name(const char *digest)
{
  return xasprintf("blobs/sha256/%s", s2i_digest_hex(digest));
}

static void render_docker_manifest(struct plan *p, const struct s2i_image *img,
                                   const char *name)
{
  cleanup_free char *cfg = blob_name(p->config_digest);
  json_t *layers = json_array();

  for (size_t i = 0; i < img->n_layers; i++) {
    cleanup_free char *b = blob_name(img->layers[i].digest);
    json_array_append_new(layers, json_string(b));
  }
  p->docker_manifest = dump(json_pack(
      "[{s:s, s:o, s:o}]", "Config", cfg, "RepoTags",
      name ? json_pack("[s]", name) : json_array(), "Layers", layers));
}

static int make_plan(struct plan *p, const struct s2i_image *img,
                     struct s2i_store *store, const char *name,
                     struct s2i_error **err)
{
  memset(p, 0, sizeof(*p));
  if (check_consistent(img, err) < 0)
    return -1;
  p->sizes = xcalloc(img->n_layers + 1, sizeof(*p->sizes));
  if (stat_layers(p->sizes, img, store, err) < 0)
    return -1;
  p->config = s2i_writer_config_json(img);
  s2i_digest_buffer(p->config, strlen(p->config), p->config_digest);
  render_manifest(p, img);
  render_index(p, name);
  render_docker_manifest(p, img, name);
  return 0;
}

/* ---- the tarball ------------------------------------------------------ */

/* Fixed metadata (mtime 0, root-owned, no user/group names) keeps the
 * bytes a function of the image alone. */
static int put_header(struct archive *a, const char *name, int64_t size,
                      int is_dir, struct s2i_error **err)
{
  struct archive_entry *e = archive_entry_new();
  int r;

  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(e, is_dir ? 0755 : 0644);
  archive_entry_set_size(e, is_dir ? 0 : size);
  archive_entry_set_mtime(e, 0, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return s2i_error_archive(err, a, "entry %s", name);
  return 0;
}

static int put_text(struct archive *a, const char *name, const char *text,
                    struct s2i_error **err)
{
  size_t len = strlen(text);

  if (put_header(a, name, (int64_t)len, 0, err) < 0)
    return -1;
  if (archive_write_data(a, text, len) != (la_ssize_t)len)
    return s2i_error_archive(err, a, "entry %s", name);
  return 0;
}

static int copy_blob(struct archive *a, int fd, const char *name, int64_t size,
                     struct s2i_progress *prog, struct s2i_error **err)
{
  cleanup_free char *buf = xmalloc(CHUNK);
  int64_t done = 0;
  ssize_t r;

  while ((r = read(fd, buf, CHUNK)) != 0) {
    if (r < 0 && errno == EINTR && !s2i_ctx_interrupted(prog->ctx))
      continue;
    if (r < 0)
      return s2i_error_make(err, errno, "read blob for %s", name);
    if (s2i_ctx_check_interrupt(prog->ctx, err) < 0)
      return -1;
    if (archive_write_data(a, buf, (size_t)r) != r)
      return s2i_error_archive(err, a, "entry %s", name);
    done += r;
    s2i_progress_add(prog, (uint64_t)r);
  }
  if (done != size)
    return s2i_error_make(err, 0,
                          "entry %s: blob changed size while being "
                          "copied",
                          name);
  return 0;
}

/* Layer bytes go out exactly as stored: same digests, no recompression. */
static int put_blob(struct archive *a, struct s2i_store *store,
                    const char *digest, int64_t size, struct s2i_progress *prog,
                    struct s2i_error **err)
{
  cleanup_free char *name = blob_name(digest);
  cleanup_free char *blob = s2i_store_blob_path(store, digest);
  cleanup_close int fd = open(blob, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", blob);
  if (put_header(a, name, size, 0, err) < 0)
    return -1;
  return copy_blob(a, fd, name, size, prog, err);
}

static int seen_before(const struct s2i_image *img, size_t i)
{
  for (size_t j = 0; j < i; j++)
    if (strcmp(img->layers[j].digest, img->layers[i].digest) == 0)
      return 1;
  return 0;
}

static int put_layers(struct archive *a, const struct plan *p,
                      const struct s2i_image *img, struct s2i_store *store,
                      struct s2i_error **err)
{
  struct s2i_progress prog;
  uint64_t total = 0;
  int r = 0;

  for (size_t i = 0; i < img->n_layers; i++)
    total += (uint64_t)p->sizes[i];
  s2i_progress_begin(&prog, p->ctx, "writing image", total);
  for (size_t i = 0; r == 0 && i < img->n_layers; i++)
    if (!seen_before(img, i))
      r = put_blob(a, store, img->layers[i].digest, p->sizes[i], &prog, err);
  s2i_progress_end(&prog);
  return r;
}

static int put_all(struct archive *a, const struct plan *p,
                   const struct s2i_image *img, struct s2i_store *store,
                   struct s2i_error **err)
{
  cleanup_free char *cfg = blob_name(p->config_digest);
  cleanup_free char *man = blob_name(p->manifest_digest);

  if (put_text(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err) <
          0 ||
      put_header(a, "blobs/", 0, 1, err) < 0 ||
      put_header(a, "blobs/sha256/", 0, 1, err) < 0 ||
      put_layers(a, p, img, store, err) < 0 ||
      put_text(a, cfg, p->config, err) < 0 ||
      put_text(a, man, p->manifest, err) < 0 ||
      put_text(a, "index.json", p->index, err) < 0 ||
      put_text(a, "manifest.json", p->docker_manifest, err) < 0)
    return -1;
  return 0;
}

static int finish(struct archive *a, int fd, const char *tmp, const char *path,
                  struct s2i_error **err)
{
  if (archive_write_close(a) != ARCHIVE_OK)
    return s2i_error_archive(err, a, "write %s", tmp);
  if (fchmod(fd, 0644) < 0)
    return s2i_error_make(err, errno, "chmod %s", tmp);
  if (rename(tmp, path) < 0)
    return s2i_error_make(err, errno, "rename %s to %s", tmp, path);
  return 0;
}

/* "<path>.tmp-XXXXXX" files that a killed s2i left: the writer holds an
 * flock on its temp file while it writes, so one we can lock is an
 * orphan (a concurrent build's is locked and stays). */
static void sweep_orphans(const struct s2i_ctx *ctx, const char *path)
{
  cleanup_free char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? path + (slash - dir) + 1 : path;
  cleanup_free char *prefix = xasprintf("%s.tmp-", base);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;

  if (slash)
    slash[slash == dir ? 1 : 0] = '\0';
  d = opendir(slash ? dir : ".");
  while (d && (de = readdir(d)) != NULL) {
    int fd;
    if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
        strlen(de->d_name) != strlen(prefix) + 6)
      continue;
    fd = openat(dirfd(d), de->d_name,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        unlinkat(dirfd(d), de->d_name, 0) == 0)
      s2i_log_info(ctx, "removed %s, left by an interrupted build", de->d_name);
    if (fd >= 0)
      close(fd);
  }
}

static int write_tarball(const char *path, const struct plan *p,
                         const struct s2i_image *img, struct s2i_store *store,
                         struct s2i_error **err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp-XXXXXX", path);
  cleanup_close int fd = -1;
  struct archive *a;
  int r;

  sweep_orphans(p->ctx, path);
  fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0 || flock(fd, LOCK_EX) < 0)
    return s2i_error_make(err, errno, "create %s", tmp);
  a = archive_write_new();
  /* 1 MiB writes: libarchive's 10 KiB default meant 25,000 write calls
   * for the python builder; no padding after the end-of-archive blocks */
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 1 << 20) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_fd(a, fd) != ARCHIVE_OK)
    r = s2i_error_archive(err, a, "write %s", tmp);
  else
    r = put_all(a, p, img, store, err);
  if (r == 0)
    r = finish(a, fd, tmp, path, err);
  archive_write_free(a);
  if (r < 0)
    unlink(tmp);
  return r;
}

int s2i_writer_write_archive(const struct s2i_ctx *ctx,
                             const struct s2i_image *img,
                             struct s2i_store *store, const char *tag,
                             const char *path,
                             char manifest_digest[S2I_DIGEST_LEN + 1],
                             struct s2i_error **err)
{
  cleanup_free char *name = NULL;
  struct plan p;
  int r;

  if (tag && s2i_writer_normalise_tag(&name, tag, err) < 0)
    return s2i_error_prefix(err, "write %s", path);
  r = make_plan(&p, img, store, name, err);
  p.ctx = ctx;
  if (r == 0)
    r = write_tarball(path, &p, img, store, err);
  if (r == 0 && manifest_digest)
    memcpy(manifest_digest, p.manifest_digest, sizeof(p.manifest_digest));
  plan_clear(&p);
  if (r < 0)
    return s2i_error_prefix(err, "write %s", path);
  return 0;
}

int s2i_writer_store_image(const struct s2i_ctx *ctx,
                           const struct s2i_image *img, struct s2i_store *store,
                           const char *tag, json_t *annotations,
                           char manifest_digest[S2I_DIGEST_LEN + 1],
                           struct s2i_error **err)
{
  cleanup_free char *name = NULL;
  char d[S2I_DIGEST_LEN + 1];
  struct plan p;
  int r;

  if (s2i_writer_normalise_tag(&name, tag, err) < 0)
    return s2i_error_prefix(err, "store %s", store->root);
  r = make_plan(&p, img, store, name, err);
  p.ctx = ctx;
  if (r == 0)
    r = s2i_store_put(store, p.config, strlen(p.config), d, err);
  if (r == 0)
    r = s2i_store_put(store, p.manifest, strlen(p.manifest), d, err);
  if (r == 0)
    r = s2i_store_tag(store, name, S2I_MEDIA_OCI_MANIFEST, p.manifest_digest,
                      (int64_t)strlen(p.manifest), annotations, err);
  if (r == 0 && manifest_digest)
    memcpy(manifest_digest, p.manifest_digest, sizeof(p.manifest_digest));
  plan_clear(&p);
  if (r < 0)
    return s2i_error_prefix(err, "store %s as %s", store->root, name);
  return 0;
}
