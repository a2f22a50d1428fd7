/* .s2iignore: one glob per line, relative to the source root, `#` comments,
 * `!` re-includes; rules are applied in order, the last match wins.  A rule
 * matches a path or any of its leading directories ("docs" drops docs/...).
 * Globs are fnmatch(FNM_PATHNAME) patterns on the path from the root, so
 * "*.pyc" matches only at the top, as in s2i; a leading or trailing '/' is
 * allowed and ignored.  s2i_ignore_parse cannot fail (it returns 0). */
#ifndef S2I_IGNORE_H
#define S2I_IGNORE_H

#include "error.h"

struct s2i_ignore;

int s2i_ignore_parse(struct s2i_ignore **out, const char *text);
/* A missing file gives an empty rule set. */
int s2i_ignore_load(struct s2i_ignore **out, const char *path,
                    struct s2i_error **err);
/* 1 when relpath ("a/b.txt", no leading slash) is excluded. */
int s2i_ignore_match(const struct s2i_ignore *ig, const char *relpath);
/* 1 when some `!` rule exists: a walker must then not prune an ignored
 * directory, as a later rule may re-include something below it. */
int s2i_ignore_has_negation(const struct s2i_ignore *ig);
void s2i_ignore_free(struct s2i_ignore *ig);
S2I_DEFINE_CLEANUP_FN(struct s2i_ignore *, s2i_ignore_free)
#define cleanup_ignore S2I_CLEANUP(s2i_ignore_free)

#endif
