#include "mkimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "env.h"
#include "image.h"
#include "layer_diff.h"
#include "layer_writer.h"
#include "layers.h"
#include "log.h"
#include "runtime.h"
#include "store.h"
#include "transport.h"
#include "writer.h"
#include "xalloc.h"

/* Copy an uncompressed layer tar into the store as it is. */
static int ingest_tar(struct s2i_layer *layer, const char *path,
                      struct s2i_store *store, struct s2i_error **err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct s2i_blob_writer *w;
  char buf[1 << 16];
  ssize_t r;

  if (fd < 0)
    return s2i_error_make(err, errno, "layer %s", path);
  if (s2i_store_blob_begin(&w, store, err) < 0)
    return -1;
  while ((r = read(fd, buf, sizeof(buf))) != 0) {
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 || s2i_store_blob_write(w, buf, (size_t)r, err) < 0) {
      s2i_store_blob_abort(w);
      return s2i_error_make(err, errno, "read layer %s", path);
    }
  }
  if (s2i_store_blob_commit(w, NULL, layer->digest, &layer->size, err) < 0)
    return -1;
  memcpy(layer->diff_id, layer->digest, sizeof(layer->digest));
  layer->media_type = xstrdup(S2I_MEDIA_OCI_LAYER);
  return 0;
}

static int is_gzip(const char *path)
{
  unsigned char magic[2] = {0, 0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return 0;
  if (read(fd, magic, 2) != 2)
    magic[0] = 0;
  close(fd);
  return magic[0] == 0x1f && magic[1] == 0x8b;
}

static int make_layer(const struct s2i_ctx *ctx, struct s2i_layer *layer,
                      const struct s2i_mkimage_layer *l, int64_t sde,
                      struct s2i_store *store, struct s2i_error **err)
{
  struct s2i_layer_write_opts wo = S2I_LAYER_WRITE_OPTS_INIT;

  switch (l->kind) {
  case S2I_MKLAYER_DIR:
    wo.source_date_epoch = sde;
    return s2i_layer_write(ctx, layer, l->path, &wo, store, err);
  case S2I_MKLAYER_TAR:
    if (is_gzip(l->path))
      return s2i_error_make(err, 0,
                            "layer %s: compressed layer tarballs are "
                            "not supported, give an uncompressed tar",
                            l->path);
    return ingest_tar(layer, l->path, store, err);
  case S2I_MKLAYER_DIFF:
    return s2i_layer_diff(ctx, layer, l->base, l->path, store, err);
  }
  return s2i_error_make(err, 0, "unknown layer kind");
}

static void apply_config(struct s2i_image *img,
                         const struct s2i_mkimage_opts *o)
{
  if (o->user)
    s2i_image_set_user(img, o->user);
  if (o->workdir)
    s2i_image_set_workdir(img, o->workdir);
  for (size_t i = 0; o->env && i < o->env->n; i++)
    s2i_image_set_env(img, o->env->v[i]);
  for (size_t i = 0; o->labels && i < o->labels->n; i++) {
    const char *kv = o->labels->v[i];
    const char *eq = strchr(kv, '=');
    cleanup_free char *k = xstrndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));
    s2i_image_set_label(img, k, eq ? eq + 1 : "");
  }
  for (size_t i = 0; o->expose && i < o->expose->n; i++)
    s2i_image_expose(img, o->expose->v[i]);
  if (o->entrypoint && o->entrypoint->n)
    s2i_image_set_entrypoint(img, (const char *const *)o->entrypoint->v);
  if (o->cmd && o->cmd->n)
    s2i_image_set_cmd(img, (const char *const *)o->cmd->v);
  for (size_t i = 0; o->onbuild && i < o->onbuild->n; i++)
    s2i_image_add_onbuild(img, o->onbuild->v[i]);
}

static int64_t created_time(void)
{
  int64_t sde = s2i_env_source_date_epoch();

  return sde >= 0 ? sde : (int64_t)time(NULL);
}

static int add_layers(const struct s2i_ctx *ctx, struct s2i_image *img,
                      const struct s2i_mkimage_opts *o, struct s2i_store *store,
                      struct s2i_error **err)
{
  int64_t sde = s2i_env_source_date_epoch();

  for (size_t i = 0; i < o->n_layers; i++) {
    struct s2i_layer layer = {0};
    cleanup_free char *what =
        xasprintf("s2i mkimage layer %s", o->layers[i].path);
    s2i_log_step(ctx, "Adding layer %s", o->layers[i].path);
    if (make_layer(ctx, &layer, &o->layers[i], sde, store, err) < 0)
      return -1;
    s2i_image_add_layer(img, &layer, what);
    free(layer.media_type);
  }
  return 0;
}

/* The runtime layer on top of what is there, so images built FROM this one
 * by other tools (OpenShift's Source strategy) start with the init too. */
static int add_runtime(const struct s2i_ctx *ctx, struct s2i_image *img,
                       const struct s2i_mkimage_opts *o,
                       struct s2i_store *store, struct s2i_error **err)
{
  cleanup_strv struct s2i_strv lowers = S2I_STRV_INIT;

  if (s2i_layers_unpack(ctx, &lowers, img, store, err) < 0)
    return -1;
  return s2i_runtime_add(ctx, img, &lowers, o->runtime_dir,
                         s2i_env_source_date_epoch(), store, err);
}

int s2i_mkimage(const struct s2i_ctx *ctx, const struct s2i_mkimage_opts *o,
                struct s2i_error **err)
{
  cleanup_store struct s2i_store *store = NULL;
  cleanup_image struct s2i_image *img = NULL;

  if (s2i_store_open_at(&store, NULL, o->cache_dir, err) < 0)
    return -1;
  if (o->from == NULL)
    img = s2i_image_new_scratch();
  else if (s2i_transport_open(ctx, &img, o->from, store, err) < 0)
    return -1;
  s2i_image_set_created(img, created_time());
  if (add_layers(ctx, img, o, store, err) < 0)
    return -1;
  apply_config(img, o);
  if (o->runtime && add_runtime(ctx, img, o, store, err) < 0)
    return -1;
  return s2i_writer_write_archive(ctx, img, store, o->tag, o->output, NULL,
                                  err);
}
