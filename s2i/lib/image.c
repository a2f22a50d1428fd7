#include "image.h"

#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

struct s2i_layer_set *s2i_layer_set_new(size_t n)
{
  struct s2i_layer_set *set = xcalloc(1, sizeof(*set));

  set->v = xcalloc(n ? n : 1, sizeof(*set->v));
  set->n = n;
  for (size_t i = 0; i < n; i++)
    set->v[i].size = -1;
  return set;
}

void s2i_layer_set_free(struct s2i_layer_set *set)
{
  if (set == NULL)
    return;
  for (size_t i = 0; i < set->n; i++)
    free(set->v[i].media_type);
  free(set->v);
  free(set);
}

/* ---- the model -------------------------------------------------------- */

struct s2i_image *s2i_image_new_scratch(void)
{
  struct s2i_image *img = xcalloc(1, sizeof(*img));

  img->config = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}",
                          "architecture", "amd64", "os", "linux", "config",
                          "rootfs", "type", "layers", "diff_ids", "history");
  if (img->config == NULL)
    abort();
  return img;
}

void s2i_image_free(struct s2i_image *img)
{
  if (img == NULL)
    return;
  for (size_t i = 0; i < img->n_layers; i++)
    free(img->layers[i].media_type);
  free(img->layers);
  free(img->ref);
  json_decref(img->config);
  free(img);
}

/* Get (creating when asked) the object at parent[key]. */
static json_t *object_at(json_t *parent, const char *key, int create)
{
  json_t *o = json_object_get(parent, key);

  if (json_is_object(o) || !create)
    return json_is_object(o) ? o : NULL;
  o = json_object();
  json_object_set_new(parent, key, o);
  return o;
}

static json_t *container_config(const struct s2i_image *img, int create)
{
  return object_at(img->config, "config", create);
}

static const char *config_string(const struct s2i_image *img, const char *key)
{
  return json_string_value(json_object_get(container_config(img, 0), key));
}

const char *s2i_image_user(const struct s2i_image *img)
{
  return config_string(img, "User");
}

const char *s2i_image_workdir(const struct s2i_image *img)
{
  return config_string(img, "WorkingDir");
}

const char *s2i_image_label(const struct s2i_image *img, const char *key)
{
  json_t *labels = object_at(container_config(img, 0), "Labels", 0);

  return json_string_value(json_object_get(labels, key));
}

json_t *s2i_image_labels(const struct s2i_image *img)
{
  return object_at(container_config(img, 0), "Labels", 0);
}

void s2i_image_env(const struct s2i_image *img, struct s2i_strv *env)
{
  json_t *arr = json_object_get(container_config(img, 0), "Env");
  size_t i;
  json_t *v;

  json_array_foreach(arr, i, v)
  {
    if (json_is_string(v))
      s2i_strv_add(env, json_string_value(v));
  }
}

const char *s2i_image_getenv(const struct s2i_image *img, const char *name)
{
  json_t *arr = json_object_get(container_config(img, 0), "Env");
  size_t n = strlen(name), i;
  const char *found = NULL;
  json_t *v;

  json_array_foreach(arr, i, v)
  {
    const char *a = json_string_value(v);
    if (a && strncmp(a, name, n) == 0 && a[n] == '=')
      found = a + n + 1; /* the last assignment wins, as in a shell */
  }
  return found;
}

static json_t *string_array(const char *const *argv)
{
  json_t *arr = json_array();

  for (size_t i = 0; argv[i] != NULL; i++)
    json_array_append_new(arr, json_string(argv[i]));
  return arr;
}

static void set_or_del(struct s2i_image *img, const char *key, json_t *value)
{
  json_t *cc = container_config(img, 1);

  if (value == NULL)
    json_object_del(cc, key);
  else
    json_object_set_new(cc, key, value);
}

void s2i_image_set_cmd(struct s2i_image *img, const char *const *argv)
{
  set_or_del(img, "Cmd", argv ? string_array(argv) : NULL);
}

void s2i_image_set_entrypoint(struct s2i_image *img, const char *const *argv)
{
  set_or_del(img, "Entrypoint", argv ? string_array(argv) : NULL);
}

void s2i_image_set_user(struct s2i_image *img, const char *user)
{
  set_or_del(img, "User", user ? json_string(user) : NULL);
}

void s2i_image_set_workdir(struct s2i_image *img, const char *dir)
{
  set_or_del(img, "WorkingDir", dir ? json_string(dir) : NULL);
}

void s2i_image_set_label(struct s2i_image *img, const char *key,
                         const char *value)
{
  json_t *labels = object_at(container_config(img, 1), "Labels", 1);

  if (value == NULL)
    json_object_del(labels, key);
  else
    json_object_set_new(labels, key, json_string(value));
}

void s2i_image_set_env(struct s2i_image *img, const char *assignment)
{
  json_t *cc = container_config(img, 1);
  json_t *arr = json_object_get(cc, "Env");
  size_t n = strcspn(assignment, "=");
  size_t i;
  json_t *v;

  if (!json_is_array(arr)) {
    arr = json_array();
    json_object_set_new(cc, "Env", arr);
  }
  json_array_foreach(arr, i, v)
  {
    const char *s = json_string_value(v);
    if (s && strncmp(s, assignment, n) == 0 && (s[n] == '=' || s[n] == '\0')) {
      json_array_set_new(arr, i, json_string(assignment));
      return;
    }
  }
  json_array_append_new(arr, json_string(assignment));
}

void s2i_image_expose(struct s2i_image *img, const char *port_proto)
{
  json_t *ports = object_at(container_config(img, 1), "ExposedPorts", 1);
  cleanup_free char *key = strchr(port_proto, '/')
                               ? xstrdup(port_proto)
                               : xasprintf("%s/tcp", port_proto);

  json_object_set_new(ports, key, json_object());
}

void s2i_image_add_onbuild(struct s2i_image *img, const char *instruction)
{
  json_t *cc = container_config(img, 1);
  json_t *ob = json_object_get(cc, "OnBuild");

  if (!json_is_array(ob)) {
    ob = json_array();
    json_object_set_new(cc, "OnBuild", ob);
  }
  json_array_append_new(ob, json_string(instruction));
}

json_t *s2i_image_onbuild(const struct s2i_image *img)
{
  json_t *ob =
      json_object_get(json_object_get(img->config, "config"), "OnBuild");

  return json_is_array(ob) && json_array_size(ob) > 0 ? ob : NULL;
}

void s2i_image_set_created(struct s2i_image *img, int64_t epoch)
{
  time_t t = (time_t)epoch;
  struct tm tm;
  char buf[64];

  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_object_set_new(img->config, "created", json_string(buf));
}

static json_t *array_at(json_t *parent, const char *key)
{
  json_t *arr = json_object_get(parent, key);

  if (!json_is_array(arr)) {
    arr = json_array();
    json_object_set_new(parent, key, arr);
  }
  return arr;
}

void s2i_image_add_layer(struct s2i_image *img, const struct s2i_layer *layer,
                         const char *created_by)
{
  json_t *rootfs = object_at(img->config, "rootfs", 1);
  json_t *created = json_object_get(img->config, "created");
  json_t *h = json_object();
  struct s2i_layer *l;

  img->layers =
      xrealloc(img->layers, (img->n_layers + 1) * sizeof(*img->layers));
  l = &img->layers[img->n_layers++];
  *l = *layer;
  l->media_type =
      xstrdup(layer->media_type ? layer->media_type : S2I_MEDIA_OCI_LAYER);
  if (!json_is_string(json_object_get(rootfs, "type")))
    json_object_set_new(rootfs, "type", json_string("layers"));
  json_array_append_new(array_at(rootfs, "diff_ids"),
                        json_string(layer->diff_id));
  if (json_is_string(created))
    json_object_set(h, "created", created);
  if (created_by)
    json_object_set_new(h, "created_by", json_string(created_by));
  json_array_append_new(array_at(img->config, "history"), h);
}

int s2i_image_destination(const char **out, const struct s2i_image *img,
                          const char *override, struct s2i_error **err)
{
  const char *d = override && *override
                      ? override
                      : s2i_image_label(img, "io.openshift.s2i.destination");
  const char *what = override && *override
                         ? "--destination"
                         : "label io.openshift.s2i.destination";

  if (d == NULL || *d == '\0') {
    *out = "/tmp";
    return 0;
  }
  if (d[0] != '/' || strcmp(d, "/") == 0 || !s2i_fs_path_is_safe(d + 1))
    return s2i_error_make(err, 0,
                          "%s=\"%s\": want an absolute path below / without "
                          "\"..\"",
                          what, d);
  *out = d;
  return 0;
}

const char *s2i_image_assemble_user(const struct s2i_image *img,
                                    const char *override)
{
  const char *u = override;

  if (u == NULL || *u == '\0')
    u = s2i_image_label(img, "io.openshift.s2i.assemble-user");
  if (u == NULL || *u == '\0')
    u = s2i_image_user(img);
  return (u && *u) ? u : "0";
}
