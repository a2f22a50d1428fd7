#include "dockerfile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fs.h"
#include "image.h"
#include "labels.h"
#include "xalloc.h"

/* A Dockerfile double-quoted string. */
static void put_quoted(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\' || *s == '$')
      fputc('\\', f);
    fputc(*s == '\n' ? ' ' : *s, f);
  }
  fputc('"', f);
}

static void put_labels(FILE *f, const struct s2i_dockerfile *d)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_label_facts facts = {
      .builder = d->builder,
      .location = d->location,
      .context_dir = d->context_dir,
      .commit = d->source && d->source->is_git ? &d->source->commit : NULL,
      .tag = d->tag,
      .display_name = d->display_name,
      .description = d->description,
      .extra = d->labels,
  };
  json_t *labels;
  const char *key;
  json_t *value;

  s2i_labels_apply(img, &facts);
  /* as the original: the scripts and destination this build used */
  if (d->scripts_url && *d->scripts_url)
    s2i_image_set_label(img, "io.openshift.s2i.scripts-url", d->scripts_url);
  if (d->destination && *d->destination)
    s2i_image_set_label(img, "io.openshift.s2i.destination", d->destination);
  labels = json_object_get(json_object_get(img->config, "config"), "Labels");
  json_object_foreach(labels, key, value)
  {
    fputs("LABEL ", f);
    put_quoted(f, key);
    fputc('=', f);
    put_quoted(f, json_string_value(value));
    fputc('\n', f);
  }
  s2i_image_free(img);
}

static void put_env(FILE *f, const struct s2i_strv *env)
{
  for (size_t i = 0; i < env->n; i++) {
    const char *eq = strchr(env->v[i], '=');
    cleanup_free char *name = xstrndup(env->v[i], (size_t)(eq - env->v[i]));
    fputs("ENV ", f);
    fputs(name, f);
    fputc('=', f);
    put_quoted(f, eq + 1);
    fputc('\n', f);
  }
}

/* FROM wants an image reference; a bare tarball path becomes a
 * docker-archive: reference podman/buildah can read. */
static char *from_reference(const char *builder)
{
  char *abs;

  if (strchr(builder, ':') || !s2i_fs_exists(builder))
    return xstrdup(builder);
  abs = realpath(builder, NULL);
  if (abs == NULL)
    return xstrdup(builder);
  char *ref = xasprintf("docker-archive:%s", abs);
  free(abs);
  return ref;
}

/* The original's comment before a script the builder image must have. */
#define FROM_IMAGE_COMMENT                                                     \
  "# %s script sourced from builder image based on user input or image "       \
  "metadata.\n"
#define MUST_EXIST_COMMENT                                                     \
  "# If this file does not exist in the image, the build will fail.\n"

static int any_uploaded(const struct s2i_dockerfile *d)
{
  for (int i = 0; i < S2I_SCRIPT_COUNT; i++)
    if (d->scripts->s[i].path && d->scripts->s[i].injected)
      return 1;
  return 0;
}

/* Where script id runs from: <dest>/scripts when it was uploaded (the
 * source's .s2i/bin or a file:// or http(s):// URL), else the image's. */
static char *script_path(const struct s2i_dockerfile *d, enum s2i_script_id id)
{
  const struct s2i_script *sc = &d->scripts->s[id];

  if (sc->injected)
    return xasprintf("%s/scripts/%s", d->dest, s2i_script_name(id));
  if (sc->path)
    return xstrdup(sc->path);
  return xasprintf("/usr/libexec/s2i/%s", s2i_script_name(id));
}

/* Where save-artifacts' tar is handed from the first stage to the second
 * (the original's path). */
#define ARTIFACTS_TAR "/tmp/artifacts.tar"

static int is_root(const char *user)
{
  return strcmp(user, "root") == 0 || strcmp(user, "0") == 0 ||
         strncmp(user, "0:", 2) == 0;
}

/* --incremental: a first stage, the previous image, runs its
 * save-artifacts (or the uploaded one) into ARTIFACTS_TAR. */
static void put_cached_stage(FILE *f, const struct s2i_dockerfile *d,
                             const char *owner)
{
  const struct s2i_script *sa = &d->scripts->s[S2I_SCRIPT_SAVE_ARTIFACTS];
  cleanup_free char *from = from_reference(d->incremental_from);
  cleanup_free char *path = script_path(d, S2I_SCRIPT_SAVE_ARTIFACTS);

  fprintf(f, "FROM %s as cached\n", from);
  if (sa->injected)
    fprintf(f,
            "# Copying in override save-artifacts script\n"
            "COPY --chown=%s upload/scripts/save-artifacts %s\n",
            owner, path);
  else
    fprintf(f, FROM_IMAGE_COMMENT, "Save-artifacts");
  if (!is_root(d->user))
    fprintf(f, "USER %s\n", d->user);
  fprintf(f,
          "RUN if [ -s %1$s ]; then %1$s > " ARTIFACTS_TAR
          "; else touch " ARTIFACTS_TAR "; fi\n",
          path);
}

static void put_artifacts_extract(FILE *f, const struct s2i_dockerfile *d)
{
  fprintf(f,
          "# Extract artifact content\n"
          "RUN if [ -s " ARTIFACTS_TAR " ]; then mkdir -p %1$s/artifacts; "
          "tar -xf " ARTIFACTS_TAR " -C %1$s/artifacts; fi && \\\n"
          "    rm " ARTIFACTS_TAR "\n",
          d->dest);
}

/* --inject: each directory from upload/injections<SRC> to its DEST. */
static void put_injections(FILE *f, const struct s2i_dockerfile *d,
                           const char *owner)
{
  if (d->n_inj > 0)
    fputs("# Copying in injected content\n", f);
  for (size_t i = 0; i < d->n_inj; i++)
    fprintf(f, "COPY --chown=%s upload/injections%s %s\n", owner, d->inj[i].src,
            d->inj[i].dest);
}

/* After assemble, the injected files are removed, as the original does. */
static void put_injections_cleanup(FILE *f, const struct s2i_dockerfile *d)
{
  if (d->inj_files == NULL || d->inj_files->n == 0)
    return;
  fputs("# Cleaning up injected secret content\n", f);
  for (size_t i = 0; i < d->inj_files->n; i++)
    fprintf(f, "%s%s", i ? " && \\\n    rm " : "RUN rm ", d->inj_files->v[i]);
  fputc('\n', f);
}

/* RUN assemble or CMD run, with the original's comments when the script
 * is the builder image's. */
static void put_script_line(FILE *f, const struct s2i_dockerfile *d,
                            const char *verb, enum s2i_script_id id,
                            const char *what)
{
  cleanup_free char *path = script_path(d, id);

  if (!d->scripts->s[id].injected)
    fprintf(f, FROM_IMAGE_COMMENT MUST_EXIST_COMMENT, what);
  fprintf(f, "%s %s\n", verb, path);
}

static void put_main_stage(FILE *f, const struct s2i_dockerfile *d,
                           const char *owner)
{
  cleanup_free char *from = from_reference(d->builder);

  fprintf(f, "FROM %s\n", from);
  put_labels(f, d);
  put_env(f, d->env);
  if (d->incremental_from)
    fprintf(f,
            "COPY --chown=%s --from=cached " ARTIFACTS_TAR " " ARTIFACTS_TAR
            "\n",
            owner);
  if (any_uploaded(d))
    fprintf(f,
            "# Copying in override assemble/run scripts\n"
            "COPY --chown=%s upload/scripts %s/scripts\n",
            owner, d->dest);
  fprintf(f, "# Copying in source code\nCOPY --chown=%s upload/src %s/src\n",
          owner, d->dest);
  put_injections(f, d, owner);
  if (!is_root(d->user))
    fprintf(f, "USER %s\n", d->user);
  if (d->incremental_from)
    put_artifacts_extract(f, d);
  put_script_line(f, d, "RUN", S2I_SCRIPT_ASSEMBLE, "Assemble");
  put_injections_cleanup(f, d);
  /* CMD in the original's shell form: sh -c execs the one command, so the
   * run script still gets the signals */
  put_script_line(f, d, "CMD", S2I_SCRIPT_RUN, "Run");
}

char *s2i_dockerfile_render(const struct s2i_dockerfile *d)
{
  /* the assemble user, in group 0 unless the spec names a group */
  cleanup_free char *owner =
      strchr(d->user, ':') ? xstrdup(d->user) : xasprintf("%s:0", d->user);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  if (f == NULL)
    abort();
  if (d->incremental_from)
    put_cached_stage(f, d, owner);
  put_main_stage(f, d, owner);
  fclose(f);
  return text;
}

int s2i_dockerfile_write(const struct s2i_dockerfile *d, struct s2i_error **err)
{
  cleanup_free char *text = s2i_dockerfile_render(d);

  return s2i_fs_write_file_atomic(d->path, text, strlen(text), 0644, err);
}
