/* Submodule URLs as .gitmodules writes them.  A pushed repository is not
 * trusted, and s2i runs as root on the build host: a submodule URL may
 * not lead to the host's own files or repositories.  Refused are file://
 * URLs, absolute paths, and relative URLs ("../x") that climb above the
 * root of the superproject's URL.  Relative URLs are resolved by libgit2
 * (git_submodule_resolve_url) against the superproject's URL. */
#ifndef S2I_GITURL_H
#define S2I_GITURL_H

#include "error.h"

/* 0 when url may be used with a superproject at base; else -1 with *err
 * naming url and why. */
int s2i_giturl_check(const char *url, const char *base, struct s2i_error **err);

/* The path of a file:// URL (host empty or localhost), else NULL. */
const char *s2i_giturl_file_path(const char *url);

/* The URL to fetch: url itself unless it is relative, then url resolved
 * against base (git's rule: "../x" next to the superproject).  scratch is
 * a private directory for libgit2's scratch repository.  A file:// base
 * (the user's own location) is resolved as its path: libgit2 1.5 folds
 * "file:///a" into "file://a" when it applies "../". */
int s2i_giturl_resolve(char **out, const char *base, const char *url,
                       const char *scratch, struct s2i_error **err);

#endif
