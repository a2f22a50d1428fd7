/* Small helpers shared by the builder programs: logging, memory,
 * paths and files.  Everything here is libc-only so the programs link
 * statically with musl and run in any image. */
#ifndef S2I_BUILDER_UTIL_H
#define S2I_BUILDER_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Set once by main: prefixes every warning and error line. */
extern const char *util_prog;

/* " -----> msg" progress lines (mod_wsgi-docker's style) on stdout. */
void util_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: WARNING: msg" on stderr. */
void util_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: error: msg" on stderr. */
void util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getenv with a default for unset or empty variables. */
const char *util_env(const char *name, const char *dflt);

bool util_is_dir(const char *path);
bool util_is_file(const char *path);
/* A regular file that the caller may execute. */
bool util_is_exec(const char *path);
/* Present at all (any type, symlinks not followed). */
bool util_exists(const char *path);

/* mkdir -p with MODE for each created component; <0 with error printed. */
int util_mkdir_p(const char *path, unsigned mode);
/* BASE/NAME when it is (or is now made, 0700) a real directory owned by
 * this user without group/other write, else a fresh BASE/NAME.XXXXXX
 * from mkdtemp: never a directory someone else could have prepared.
 * NULL with the error printed; the caller frees. */
char *util_private_dir(const char *base, const char *name);
/* Copies the tree SRC into DST (merging), keeping modes, times, symlinks. */
/* Call fn(path, name, ctx) for each entry of dir but "." and "..", in
 * readdir order; stops at the first non-zero return and returns it. */
int util_each_entry(const char *dir,
                    int (*fn)(const char *path, const char *name, void *ctx),
                    void *ctx);
int util_copy_tree(const char *src, const char *dst);
/* rm -rf PATH (symlinks removed, not followed); errors ignored. */
void util_rm_tree(const char *path);
/* Whole file as a NUL-terminated string, or NULL with error printed. */
char *util_read_file(const char *path, size_t *len);
/* Writes TEXT to PATH (created 0644, replaced); <0 with error printed. */
int util_write_file(const char *path, const char *text);

#endif
