/* `s2i build --as-dockerfile PATH`: write the Dockerfile and upload/ context
 * that OpenShift BuildConfig (Source strategy) builds with buildah, instead
 * of building.  The source and injected scripts are staged by build.c into
 * <dir of PATH>/upload/src and upload/scripts. */
#ifndef S2I_DOCKERFILE_H
#define S2I_DOCKERFILE_H

#include "error.h"
#include "inject.h"
#include "scripts.h"
#include "source.h"
#include "strv.h"

struct s2i_dockerfile {
  const char *path;    /* the Dockerfile to write */
  const char *builder; /* FROM, as given */
  const char *user;    /* the assemble user spec (USER) */
  const char *dest;    /* io.openshift.s2i.destination */
  const struct s2i_strv *env;
  const struct s2i_scripts *scripts;
  const struct s2i_source *source;
  const char *location;
  const char *context_dir;
  const char *tag;
  const char *display_name; /* -n, or NULL */
  const char *description;  /* --description, or NULL */
  const char *scripts_url;  /* --scripts-url: recorded as the image's label */
  const char *destination;  /* -d: recorded as the image's label */
  const struct s2i_strv *labels; /* --label KEY=VALUE, or NULL */
  /* --incremental: the previous image (TAG or --incremental-from), whose
   * save-artifacts output a first stage hands to assemble; NULL: none */
  const char *incremental_from;
  /* --inject: staged under upload/injections<src>; inj_files are the
   * files (image paths) removed after assemble */
  const struct s2i_injection *inj;
  size_t n_inj;
  const struct s2i_strv *inj_files;
};

int s2i_dockerfile_write(const struct s2i_dockerfile *d,
                         struct s2i_error **err);
/* The Dockerfile text (for tests). */
char *s2i_dockerfile_render(const struct s2i_dockerfile *d);

#endif
