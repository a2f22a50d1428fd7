/* .s2ifile: the options of a build, saved by `s2i build --use-config` and
 * read back by the next one, in the original's format:
 *   {"source": "...", "builderImage": "...", "tag": "...",
 *    "flags": {"scripts-url": "...", "env-0": "A=1", "env-1": "B=2"}}
 * (each -e is saved as its own env-N, other flags by their long name; an
 * option without a value is "true").  .stifile is the deprecated name. */
#ifndef S2I_S2IFILE_H
#define S2I_S2IFILE_H

#include "error.h"
#include "strv.h"

#define S2I_S2IFILE ".s2ifile"

struct s2i_s2ifile {
  char *source;
  char *builder;
  char *tag;
  struct s2i_strv flags; /* "name=value", in the file's order */
};

/* Read path (falling back to .stifile beside it); a missing file is an
 * empty result, not an error: returns 1 when one was read, 0 when none. */
int s2i_s2ifile_load(struct s2i_s2ifile *out, const char *path,
                     struct s2i_error **err);
/* Written to a temp file and renamed over path. */
int s2i_s2ifile_save(const struct s2i_s2ifile *f, const char *path,
                     struct s2i_error **err);
void s2i_s2ifile_free(struct s2i_s2ifile *f);

#endif
