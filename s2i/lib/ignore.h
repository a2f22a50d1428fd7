/* .s2iignore: one glob per line, relative to the source root, `#` comments,
 * `!` re-includes; rules are applied in order, the last match wins.  A rule
 * matches a path or any of its leading directories ("docs" drops docs/...). */
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
void s2i_ignore_free(struct s2i_ignore *ig);

#endif
