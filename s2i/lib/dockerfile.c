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

static void put_scripts(FILE *f, const struct s2i_dockerfile *d,
                        const char *owner)
{
  const struct s2i_script *run = &d->scripts->s[S2I_SCRIPT_RUN];
  int injected = 0;

  for (int i = 0; i < S2I_SCRIPT_COUNT; i++)
    injected |= d->scripts->s[i].path && d->scripts->s[i].injected;
  if (injected)
    fprintf(f, "COPY --chown=%s upload/scripts %s/scripts\n", owner, d->dest);
  if (run->injected)
    fprintf(f, "COPY upload/scripts/run %s/run\n", S2I_INJECTED_RUN_DIR);
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
 * save-artifacts (or the injected one) into ARTIFACTS_TAR. */
static void put_cached_stage(FILE *f, const struct s2i_dockerfile *d,
                             const char *owner)
{
  const struct s2i_script *sa = &d->scripts->s[S2I_SCRIPT_SAVE_ARTIFACTS];
  cleanup_free char *from = from_reference(d->incremental_from);
  cleanup_free char *path =
      sa->injected
          ? xasprintf("%s/scripts/save-artifacts", d->dest)
          : xstrdup(sa->path ? sa->path : "/usr/libexec/s2i/save-artifacts");

  fprintf(f, "FROM %s AS cached\n", from);
  if (sa->injected)
    fprintf(f, "COPY --chown=%s upload/scripts/save-artifacts %s\n", owner,
            path);
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
          "RUN if [ -s " ARTIFACTS_TAR " ]; then mkdir -p %1$s/artifacts; "
          "tar -xf " ARTIFACTS_TAR " -C %1$s/artifacts; fi && \\\n"
          "    rm " ARTIFACTS_TAR "\n",
          d->dest);
}

static void put_injections(FILE *f, const struct s2i_dockerfile *d,
                           const char *owner)
{
  if (d->n_inj > 0)
    fputs("# Copying in injected content\n", f);
  for (size_t i = 0; i < d->n_inj; i++)
    fprintf(f, "COPY --chown=%s upload/injections%s %s\n", owner, d->inj[i].src,
            d->inj[i].dest);
}

/* The original removes what --inject brought (a Dockerfile cannot
 * truncate in place): one RUN, one rm per file. */
static void put_injection_cleanup(FILE *f, const struct s2i_dockerfile *d)
{
  const struct s2i_strv *v = d->injected_files;

  if (v == NULL || v->n == 0)
    return;
  fputs("# Cleaning up injected secret content\n", f);
  for (size_t i = 0; i < v->n; i++)
    fprintf(f, "%s%s", i ? " && \\\n    rm " : "RUN rm ", v->v[i]);
  fputc('\n', f);
}

char *s2i_dockerfile_render(const struct s2i_dockerfile *d)
{
  const struct s2i_script *run = &d->scripts->s[S2I_SCRIPT_RUN];
  cleanup_free char *from = from_reference(d->builder);
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
  fprintf(f, "FROM %s\n", from);
  put_labels(f, d);
  put_env(f, d->env);
  if (d->incremental_from)
    fprintf(f,
            "COPY --chown=%s --from=cached " ARTIFACTS_TAR " " ARTIFACTS_TAR
            "\n",
            owner);
  put_scripts(f, d, owner);
  fprintf(f, "COPY --chown=%s upload/src %s/src\n", owner, d->dest);
  put_injections(f, d, owner);
  fprintf(f, "USER %s\n", d->user);
  if (d->incremental_from)
    put_artifacts_extract(f, d);
  fprintf(f, "RUN %s\n", d->scripts->s[S2I_SCRIPT_ASSEMBLE].path);
  put_injection_cleanup(f, d);
  fprintf(f, "CMD [\"%s\"]\n",
          run->injected ? S2I_INJECTED_RUN_DIR "/run" : run->path);
  fclose(f);
  return text;
}

int s2i_dockerfile_write(const struct s2i_dockerfile *d, struct s2i_error **err)
{
  cleanup_free char *text = s2i_dockerfile_render(d);

  return s2i_fs_write_file_atomic(d->path, text, strlen(text), 0644, err);
}
