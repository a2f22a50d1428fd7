#include "labels.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

#define S2I_LABEL_PREFIX "io.openshift.s2i.build."

static void set_if(struct s2i_image *img, const char *key, const char *value)
{
  if (value != NULL)
    s2i_image_set_label(img, key, value);
}

void s2i_labels_apply(struct s2i_image *img, const struct s2i_label_facts *f)
{
  const struct s2i_commit_info *c = f->commit;

  set_if(img, S2I_LABEL_PREFIX "image", f->builder);
  set_if(img, S2I_LABEL_PREFIX "source-location", f->location);
  if (f->context_dir && *f->context_dir)
    set_if(img, S2I_LABEL_PREFIX "source-context-dir", f->context_dir);
  if (c != NULL) {
    set_if(img, S2I_LABEL_PREFIX "commit.id", c->id);
    set_if(img, S2I_LABEL_PREFIX "commit.ref", c->ref);
    set_if(img, S2I_LABEL_PREFIX "commit.author", c->author);
    set_if(img, S2I_LABEL_PREFIX "commit.date", c->date);
    set_if(img, S2I_LABEL_PREFIX "commit.message", c->message);
  }
  set_if(img, "io.k8s.display-name",
         f->display_name && *f->display_name ? f->display_name : f->tag);
  if (f->description && *f->description)
    set_if(img, "io.k8s.description", f->description);
  for (size_t i = 0; f->extra && i < f->extra->n; i++) {
    const char *kv = f->extra->v[i], *eq = strchr(kv, '=');
    cleanup_free char *key = eq ? xstrndup(kv, (size_t)(eq - kv)) : NULL;
    if (key && *key)
      s2i_image_set_label(img, key, eq + 1);
  }
}

static int apply_label_object(struct s2i_image *img, json_t *obj,
                              const char *path, struct s2i_error **err)
{
  const char *key;
  json_t *value;

  if (!json_is_object(obj))
    return s2i_error_make(err, 0, "%s: \"labels\" items must be objects", path);
  json_object_foreach(obj, key, value)
  {
    if (!json_is_string(value))
      return s2i_error_make(err, 0, "%s: label \"%s\" must be a string", path,
                            key);
    s2i_image_set_label(img, key, json_string_value(value));
  }
  return 0;
}

int s2i_labels_load_metadata_at(struct s2i_image *img, const char *root,
                                const char *rel, struct s2i_error **err)
{
  cleanup_json json_t *doc = NULL;
  cleanup_free char *text = NULL;
  json_error_t jerr;
  json_t *labels, *item;
  size_t i, len;

  /* assemble wrote this file: no symlink of its may lead s2i elsewhere */
  if (s2i_fs_read_beneath(&text, &len, root, rel, 1, err) < 0 || text == NULL)
    return text == NULL && *err == NULL ? 0 : -1;
  doc = json_loadb(text, len, 0, &jerr);
  if (doc == NULL)
    return s2i_error_json(err, jerr.text, jerr.line, "%s", rel);
  labels = json_object_get(doc, "labels");
  if (labels == NULL)
    return 0;
  if (!json_is_array(labels))
    return s2i_error_make(err, 0, "%s: \"labels\" must be an array", rel);
  json_array_foreach(labels, i, item)
  {
    if (apply_label_object(img, item, rel, err) < 0)
      return -1;
  }
  return 0;
}

int s2i_labels_load_metadata(struct s2i_image *img, const char *path,
                             struct s2i_error **err)
{
  return s2i_labels_load_metadata_at(img, "/", path, err);
}
