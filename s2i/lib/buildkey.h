/* The key of a build for `s2i build`'s cache of unchanged rebuilds: a
 * digest of everything that makes the image what it is (the builder's
 * config, the staged tree: source, injected scripts, the directories made
 * for them; the build environment; every option that changes the image).
 * Two builds with one key give the same image but for its creation time,
 * so the second may reuse the first. */
#ifndef S2I_BUILDKEY_H
#define S2I_BUILDKEY_H

#include <jansson.h>

#include "digest.h"
#include "error.h"

/* Hash a directory tree into the key: names (sorted), types, modes,
 * owners, sizes, link targets and file contents; not mtimes. */
int s2i_buildkey_tree(struct s2i_digest *d, const char *dir,
                      struct s2i_error **err);

/* The key: facts (a JSON object of the options, canonical) and the tree
 * digest. */
void s2i_buildkey_final(json_t *facts, const char *tree_digest,
                        char out[S2I_DIGEST_LEN + 1]);

/* The annotation a stored image carries its key in. */
#define S2I_BUILDKEY_ANNOTATION "io.github.s2i.build-key"

#endif
