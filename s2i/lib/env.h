/* Build environment: NAME=VALUE assignments from .s2i/environment, -E files
 * and -e options, in that order, a later NAME replacing an earlier one. */
#ifndef S2I_ENV_H
#define S2I_ENV_H

#include <stdint.h>

#include "error.h"
#include "strv.h"

/* "NAME=VALUE" (VALUE may contain '='); NAME must be [A-Za-z_][A-Za-z0-9_]*.
 * Replaces an existing NAME in env, keeping its position. */
int s2i_env_set(struct s2i_strv *env, const char *assignment,
                struct s2i_error **err);
/* Lines NAME=VALUE, blank lines and `#` comments skipped, spaces around a
 * line trimmed, one pair of matching quotes around VALUE ("x" or 'x')
 * removed; an error names the file and line; a NUL byte is an error.
 * Linear in the file's size.  The file is read whole, up to
 * S2I_FS_READ_MAX, and must be a regular file (not a FIFO or a device).
 * missing_ok: a missing file adds nothing. */
int s2i_env_load_file(struct s2i_strv *env, const char *path, int missing_ok,
                      struct s2i_error **err);
/* The same format from a buffer of len bytes, NUL-terminated after them
 * (modified in place); name is used in errors ("name:line: ..."). */
int s2i_env_parse(struct s2i_strv *env, char *text, size_t len,
                  const char *name, struct s2i_error **err);

/* What a process in an image needs when the image's Env lacks it: PATH
 * (Docker's default) and HOME=/. */
void s2i_env_add_defaults(struct s2i_strv *env);

/* $SOURCE_DATE_EPOCH of s2i's own environment (reproducible builds), or -1
 * when unset or not a whole number >= 0. */
int64_t s2i_env_source_date_epoch(void);

/* The value of NAME in env, or NULL. */
const char *s2i_env_get(const struct s2i_strv *env, const char *name);

#endif
