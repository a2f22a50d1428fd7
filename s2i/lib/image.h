/* The image model every stage shares: a config (JSON, as in the OCI image
 * spec) and an ordered list of layers whose blobs live in the store.
 * Readers (archive.c, later registry.c; transport.c picks one) fill it; build.c
 * edits the config through the setters below; writer.c serialises it. */
#ifndef S2I_IMAGE_H
#define S2I_IMAGE_H

#include <jansson.h>
#include <stdint.h>

#include "cleanup.h"
#include "digest.h"
#include "error.h"
#include "store.h"
#include "strv.h"

#define S2I_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define S2I_MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define S2I_MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define S2I_MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define S2I_MEDIA_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define S2I_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"

struct s2i_layer {
  char digest[S2I_DIGEST_LEN + 1];  /* of the blob as stored (maybe gzip) */
  char diff_id[S2I_DIGEST_LEN + 1]; /* of the uncompressed tar */
  char *media_type;                 /* OCI media type of the blob */
  int64_t size;                     /* blob size in bytes */
};

struct s2i_image {
  char *ref;      /* as the user named it, e.g. "docker-archive:b.tar" */
  json_t *config; /* the whole image config object (owned) */
  struct s2i_layer *layers;
  size_t n_layers;
};

/* An owned array of layers, as a reader collects them before the image
 * exists; s2i_layer_set_new gives every size -1 (not known yet). */
struct s2i_layer_set {
  struct s2i_layer *v;
  size_t n;
};
struct s2i_layer_set *s2i_layer_set_new(size_t n);
void s2i_layer_set_free(struct s2i_layer_set *set);
S2I_DEFINE_CLEANUP_FN(struct s2i_layer_set *, s2i_layer_set_free)
#define cleanup_layer_set S2I_CLEANUP(s2i_layer_set_free)

/* An empty image (no layers, linux/amd64 config), for s2i mkimage. */
struct s2i_image *s2i_image_new_scratch(void);
void s2i_image_free(struct s2i_image *img);
S2I_DEFINE_CLEANUP_FN(struct s2i_image *, s2i_image_free)
#define cleanup_image S2I_CLEANUP(s2i_image_free)

/* Borrowed views into config.config (NULL when absent). */
const char *s2i_image_user(const struct s2i_image *img);
const char *s2i_image_workdir(const struct s2i_image *img);
const char *s2i_image_label(const struct s2i_image *img, const char *key);
/* The Labels object (borrowed), NULL when the image has none. */
json_t *s2i_image_labels(const struct s2i_image *img);
/* Env as NAME=VALUE strings, appended to *env. */
void s2i_image_env(const struct s2i_image *img, struct s2i_strv *env);
/* The value of NAME in the config's Env (borrowed), NULL when unset. */
const char *s2i_image_getenv(const struct s2i_image *img, const char *name);

/* Who runs assemble: override (--assemble-user) if set, else the label
 * io.openshift.s2i.assemble-user, else USER, else "0" (as s2i). */
const char *s2i_image_assemble_user(const struct s2i_image *img,
                                    const char *override);

/* Where the source goes: override (-d/--destination) when given, else the
 * label io.openshift.s2i.destination, default "/tmp".  Fails, naming the
 * option or label, when it is not an absolute path without ".."
 * components: the build joins it onto host directories. */
int s2i_image_destination(const char **out, const struct s2i_image *img,
                          const char *override, struct s2i_error **err);

/* Setters for the image being built. */
void s2i_image_set_cmd(struct s2i_image *img, const char *const *argv);
void s2i_image_set_entrypoint(struct s2i_image *img, const char *const *argv);
void s2i_image_set_user(struct s2i_image *img, const char *user);
void s2i_image_set_workdir(struct s2i_image *img, const char *dir);
void s2i_image_set_label(struct s2i_image *img, const char *key,
                         const char *value);
/* Set NAME=VALUE, replacing an existing NAME. */
void s2i_image_set_env(struct s2i_image *img, const char *assignment);
void s2i_image_expose(struct s2i_image *img, const char *port_proto);
/* Append one ONBUILD instruction ("RUN make"), as docker records it. */
void s2i_image_add_onbuild(struct s2i_image *img, const char *instruction);
/* config.OnBuild (borrowed), NULL when the image has none. */
json_t *s2i_image_onbuild(const struct s2i_image *img);
/* "created" of the config and of new history entries; epoch seconds. */
void s2i_image_set_created(struct s2i_image *img, int64_t epoch);
/* Append a layer (copied) with a history entry "created_by". */
void s2i_image_add_layer(struct s2i_image *img, const struct s2i_layer *layer,
                         const char *created_by);

#endif
