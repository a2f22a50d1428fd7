/* Builders with ONBUILD instructions (the original's onbuild strategy):
 * the original hands such a builder to `docker build` with the source as
 * the context and a Dockerfile of FROM BUILDER (which fires the ONBUILD
 * triggers), ENV lines of .s2i/environment, `RUN sh assemble` when an
 * assemble script was fetched, and ENTRYPOINT ["./run"] (or start, exec,
 * execute, .sh), guessed from the source.  s2i does the same without a
 * daemon: this module parses the triggers and does what needs no
 * sandbox (ENV, USER, WORKDIR, LABEL, EXPOSE, COPY/ADD from the source);
 * build.c runs RUN in the sandbox. */
#ifndef S2I_ONBUILD_H
#define S2I_ONBUILD_H

#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "strv.h"

enum s2i_onbuild_kind {
  S2I_ONBUILD_RUN,
  S2I_ONBUILD_ENV,
  S2I_ONBUILD_USER,
  S2I_ONBUILD_WORKDIR,
  S2I_ONBUILD_COPY, /* COPY and ADD of files of the source */
  S2I_ONBUILD_LABEL,
  S2I_ONBUILD_EXPOSE,
  S2I_ONBUILD_OTHER, /* recorded, not supported: a warning */
};

struct s2i_onbuild_step {
  enum s2i_onbuild_kind kind;
  char *text;           /* the instruction as the image records it */
  char *args;           /* what follows the keyword, trimmed */
  struct s2i_strv argv; /* RUN's exec form, or COPY's sources + dest */
  char *chown;          /* COPY --chown=, or NULL */
};

struct s2i_onbuild {
  struct s2i_onbuild_step *v;
  size_t n;
};

/* The triggers of img (none: out->n == 0).  Fails naming the
 * instruction when it cannot be read (COPY --from, ADD of a URL). */
int s2i_onbuild_parse(struct s2i_onbuild *out, const struct s2i_image *img,
                      struct s2i_error **err);
void s2i_onbuild_free(struct s2i_onbuild *ob);

/* --allowed-uids: every ONBUILD USER must be numeric and in ranges (the
 * original's CheckAllowedUser for an ONBUILD image). */
int s2i_onbuild_check_users(const struct s2i_onbuild *ob, const char *ranges,
                            const char *image, struct s2i_error **err);

/* Docker's variable substitution in ENV, LABEL, EXPOSE, USER, WORKDIR,
 * COPY/ADD: $NAME, ${NAME}, ${NAME:-word}, ${NAME:+word} from img's Env
 * (unset: empty), "\$" for a literal $. */
char *s2i_onbuild_expand(const char *s, const struct s2i_image *img);

/* "A=b C='d e'" or "A b c" (ENV), "k=v ..." (LABEL): NAME=VALUE items. */
int s2i_onbuild_pairs(struct s2i_strv *out, const char *args, int legacy_ok,
                      struct s2i_error **err);

/* The original's GuessEntrypoint: the first (by name) executable regular
 * file of dir called run, start, exec or execute (maybe with .sh); NULL
 * when none. */
char *s2i_onbuild_guess_entrypoint(const char *dir);

/* COPY/ADD: the step's sources (relative to context, which they may not
 * leave) into <upper><dest>, dest relative to workdir unless absolute;
 * owned by uid, group 0.  lowers: the image's layer dirs, to mirror the
 * parents of dest into upper. */
int s2i_onbuild_copy(const struct s2i_onbuild_step *st, const char *context,
                     const char *upper, const struct s2i_strv *lowers,
                     const char *workdir, uid_t uid, struct s2i_error **err);

#endif
