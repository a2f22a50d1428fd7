/* The labels an s2i build puts on its image (s2i's names), and the ones
 * assemble asks for in <destination>/.s2i/image_metadata.json. */
#ifndef S2I_LABELS_H
#define S2I_LABELS_H

#include "error.h"
#include "image.h"
#include "source.h"
#include "strv.h"

struct s2i_label_facts {
  const char *builder;     /* the builder image as named on the command line */
  const char *location;    /* SOURCE as given */
  const char *context_dir; /* NULL or "" when none */
  const struct s2i_commit_info *commit; /* NULL for a plain directory */
  const char *tag;                      /* the output image's name:tag */
  const char *display_name;             /* io.k8s.display-name; NULL: the tag */
  const char *description; /* io.k8s.description; NULL: the builder's */
  /* KEY=VALUE labels given for the output image (OpenShift's
   * output.imageLabels, the original's api.Config.Labels): set last, so
   * they win; NULL: none */
  const struct s2i_strv *extra;
};

void s2i_labels_apply(struct s2i_image *img, const struct s2i_label_facts *f);
/* {"labels":[{"k":"v"},...]}; a missing file adds nothing.  The file is
 * read with no symlink followed (assemble may have planted one): _at
 * resolves rel beneath root, the plain form takes an absolute path. */
int s2i_labels_load_metadata(struct s2i_image *img, const char *path,
                             struct s2i_error **err);
int s2i_labels_load_metadata_at(struct s2i_image *img, const char *root,
                                const char *rel, struct s2i_error **err);

#endif
