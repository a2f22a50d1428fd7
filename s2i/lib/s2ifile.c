#include "s2ifile.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

/* .s2ifile holds a few options, never megabytes. */
#define S2IFILE_MAX (1024 * 1024)

static char *dup_string(json_t *o, const char *key)
{
  const char *v = json_string_value(json_object_get(o, key));

  return v ? xstrdup(v) : NULL;
}

static int parse(struct s2i_s2ifile *out, const char *text, const char *path,
                 struct s2i_error **err)
{
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  json_t *flags, *v;
  const char *k;

  if (root == NULL || !json_is_object(root)) {
    json_decref(root);
    return s2i_error_make(err, 0, "%s: not a JSON object (line %d: %s)", path,
                          je.line, je.text);
  }
  out->source = dup_string(root, "source");
  out->builder = dup_string(root, "builderImage");
  out->tag = dup_string(root, "tag");
  flags = json_object_get(root, "flags");
  json_object_foreach(flags, k, v)
  {
    if (json_is_string(v))
      s2i_strv_addf(&out->flags, "%s=%s", k, json_string_value(v));
  }
  json_decref(root);
  return 1;
}

static int read_small(char **out, const char *path, struct s2i_error **err)
{
  size_t len;

  if (s2i_fs_read_file(out, &len, path, err) < 0)
    return -1;
  if (len > S2IFILE_MAX || strlen(*out) != len)
    return s2i_error_make(err, 0, "%s: not a small text file", path);
  return 0;
}

int s2i_s2ifile_load(struct s2i_s2ifile *out, const char *path,
                     struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  cleanup_free char *old = NULL;

  memset(out, 0, sizeof(*out));
  if (!s2i_fs_exists(path)) {
    char *slash = strrchr(path, '/');
    old = slash ? xasprintf("%.*s/.stifile", (int)(slash - path), path)
                : xstrdup(".stifile");
    if (!s2i_fs_exists(old))
      return 0;
    path = old;
  }
  if (read_small(&text, path, err) < 0)
    return -1;
  return parse(out, text, path, err);
}

int s2i_s2ifile_save(const struct s2i_s2ifile *f, const char *path,
                     struct s2i_error **err)
{
  json_t *root = json_object();
  json_t *flags = json_object();
  cleanup_free char *text = NULL;

  json_object_set_new(root, "source", json_string(f->source ? f->source : ""));
  json_object_set_new(root, "builderImage",
                      json_string(f->builder ? f->builder : ""));
  if (f->tag && *f->tag)
    json_object_set_new(root, "tag", json_string(f->tag));
  for (size_t i = 0; i < f->flags.n; i++) {
    const char *eq = strchr(f->flags.v[i], '=');
    cleanup_free char *k =
        xstrndup(f->flags.v[i], (size_t)(eq - f->flags.v[i]));
    json_object_set_new(flags, k, json_string(eq + 1));
  }
  json_object_set_new(root, "flags", flags);
  text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (text == NULL)
    abort(); /* only when out of memory */
  return s2i_fs_write_file_atomic(path, text, strlen(text), 0644, err);
}

void s2i_s2ifile_free(struct s2i_s2ifile *f)
{
  free(f->source);
  free(f->builder);
  free(f->tag);
  s2i_strv_free(&f->flags);
  memset(f, 0, sizeof(*f));
}
