/* --inject SRC:DEST (the original's -i): a host directory whose files are
 * there while assemble runs and truncated to zero length in the image, as
 * the original does, so that credentials (a pip.conf with a token, an
 * .npmrc) help the build without shipping in it. */
#ifndef S2I_INJECT_H
#define S2I_INJECT_H

#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "strv.h"

struct s2i_injection {
  char *src;  /* host directory, as given */
  char *dest; /* absolute path inside the image, normalised */
};

/* "SRC:DEST": DEST relative to workdir unless absolute; it may not climb
 * out with "..".  SRC must be a directory.  Errors name the spec. */
int s2i_inject_parse(struct s2i_injection *out, const char *spec,
                     const char *workdir, struct s2i_error **err);
void s2i_injection_free(struct s2i_injection *inj);

/* Copy SRC's tree to <upper><dest>, owned by uid:0, modes kept. */
int s2i_inject_copy(const struct s2i_ctx *ctx, const struct s2i_injection *inj,
                    const char *upper, uid_t uid, struct s2i_error **err);

/* After assemble: every regular file SRC holds is truncated to zero length
 * at <upper><dest> (opened beneath upper, no symlink followed: assemble
 * may have swapped one in).  Files assemble removed stay removed. */
int s2i_inject_truncate(const struct s2i_injection *inj, const char *upper,
                        struct s2i_error **err);

/* The image paths of the regular files SRC holds, at DEST (what the
 * original's --as-dockerfile removes after assemble), added to out. */
int s2i_inject_list(const struct s2i_injection *inj, struct s2i_strv *out,
                    struct s2i_error **err);

#endif
