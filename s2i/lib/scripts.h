/* Find the builder scripts (assemble, run, save-artifacts, usage) the way
 * the original s2i does, each one separately, first found wins:
 *   1. --scripts-url
 *   2. the source's .s2i/bin/ (then the deprecated .sti/bin/)
 *   3. the builder's io.openshift.s2i.scripts-url label (then the
 *      deprecated io.s2i.scripts-url label and STI_SCRIPTS_URL variable)
 *   4. --image-scripts-url, default image:///usr/libexec/s2i
 * Every URL may be image:// (a path inside the builder), file:// or
 * http(s)://.  Scripts that do not come from the image are "injected":
 * copied (file://) or downloaded (http(s)://) into a host directory that
 * the build places at <destination>/scripts for assemble. */
#ifndef S2I_SCRIPTS_H
#define S2I_SCRIPTS_H

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "strv.h"

/* Where a builder keeps its scripts when it says nothing (the original's
 * --image-scripts-url default). */
#define S2I_DEFAULT_IMAGE_SCRIPTS_URL "image:///usr/libexec/s2i"

enum s2i_script_id {
  S2I_SCRIPT_ASSEMBLE,
  S2I_SCRIPT_RUN,
  S2I_SCRIPT_SAVE_ARTIFACTS,
  S2I_SCRIPT_USAGE,
  S2I_SCRIPT_COUNT,
  /* only for s2i_scripts_resolve_one, of a runtime image (extended.h) */
  S2I_SCRIPT_ASSEMBLE_RUNTIME = S2I_SCRIPT_COUNT
};

struct s2i_script {
  char *path;   /* absolute path inside the image; NULL when not found */
  char *origin; /* where it came from, for logs: URL or "source .s2i/bin" */
  int injected; /* copied into inject_dir (not part of the image) */
};

struct s2i_scripts {
  struct s2i_script s[S2I_SCRIPT_COUNT];
};

struct s2i_scripts_opts {
  const struct s2i_ctx *ctx;     /* for the deprecation warnings */
  const char *scripts_url;       /* --scripts-url, or NULL */
  const char *source_dir;        /* staged source on the host, or NULL */
  const struct s2i_image *image; /* the builder: its scripts-url label */
  const char *image_scripts_url; /* --image-scripts-url; NULL: the default */
  const struct s2i_strv *lowers; /* image layer dirs, bottom first */
  const char *inject_dir;        /* host dir for injected scripts */
  const char *inject_path;       /* the same dir inside the image */
};

/* Where an injected run script is kept in the image (it becomes CMD, and
 * <destination> is usually /tmp, which an emptyDir hides at run time). */
#define S2I_INJECTED_RUN_DIR "/usr/libexec/s2i"

const char *s2i_script_name(enum s2i_script_id id);
/* The builder's own scripts URL as the original reads it: the label
 * io.openshift.s2i.scripts-url, else the deprecated label
 * io.s2i.scripts-url, else the deprecated Env STI_SCRIPTS_URL; NULL when
 * none.  *from (if given) names which one it was. */
const char *s2i_scripts_image_url(const struct s2i_image *img,
                                  const char **from);
/* Resolves all four; errors when assemble or run (required) is missing,
 * naming every place that was searched. */
int s2i_scripts_resolve(struct s2i_scripts *out,
                        const struct s2i_scripts_opts *o,
                        struct s2i_error **err);
/* One script, the same lookup, none required: out->path stays NULL when
 * it is nowhere (e.g. save-artifacts of a previous image). */
int s2i_scripts_resolve_one(struct s2i_script *out, enum s2i_script_id id,
                            const struct s2i_scripts_opts *o,
                            struct s2i_error **err);
void s2i_scripts_free(struct s2i_scripts *s);
/* A struct s2i_scripts local (by value). */
#define cleanup_scripts __attribute__((cleanup(s2i_scripts_free)))

#endif
