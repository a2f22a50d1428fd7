/* The one error convention of s2i (see docs/error-handling.md).
 *
 * Every fallible function returns int: 0 (or a count) on success, a negative
 * value on failure, in which case it has filled *err with a message that
 * names the object it failed on (a path, a digest, a URL).  Callers either
 * pass the error up untouched or add context with s2i_error_prefix(); they
 * never overwrite a callee's message.  main() prints it once.
 */
#ifndef S2I_ERROR_H
#define S2I_ERROR_H

#include <stdarg.h>

#include "cleanup.h"

struct s2i_error {
  int errnum;    /* errno of the failure, 0 when none applies */
  int exit_code; /* process exit status the CLI should use (S2I_EXIT_*) */
  char *msg;     /* full text, context first: "builder x.tar: layer y: ..." */
};

/* Process exit codes, in one place (as libgit2's CLI does). */
enum {
  S2I_EXIT_OK = 0,
  S2I_EXIT_FAILURE = 1,  /* the build (or command) failed */
  S2I_EXIT_USAGE = 2,    /* bad command line */
  S2I_EXIT_ASSEMBLE = 3, /* assemble (or another builder script) failed */
  S2I_EXIT_INTERRUPTED = 130,
};

/* Fill *err (if err is not NULL and *err is empty) and return -1.  With
 * errnum != 0, ": strerror(errnum)" is appended. */
int s2i_error_make(struct s2i_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int s2i_error_makev(struct s2i_error **err, int errnum, const char *fmt,
                    va_list ap);

/* Put "context: " before the message already in *err; returns -1. */
int s2i_error_prefix(struct s2i_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the exit status main() should use for this error; returns -1. */
int s2i_error_set_exit(struct s2i_error **err, int exit_code);

/* Adapters, one per dependency: they read the library's own error text. */
struct archive;
int s2i_error_archive(struct s2i_error **err, struct archive *a,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether libarchive's result r from a disk writer is a failure: below
 * ARCHIVE_WARN, or a warning caused by a full or failing disk (libarchive
 * reports ENOSPC as a mere warning and leaves a short file behind). */
int s2i_error_archive_disk_failed(struct archive *aw, int r);
int s2i_error_git(struct s2i_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int s2i_error_curl(struct s2i_error **err, int curl_code, const char *errbuf,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int s2i_error_json(struct s2i_error **err, const char *json_text, int line,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void s2i_error_free(struct s2i_error *err);
S2I_DEFINE_CLEANUP_FN(struct s2i_error *, s2i_error_free)
#define cleanup_error S2I_CLEANUP(s2i_error_free)

/* Print "s2i: <msg>" to stderr; returns the exit code to use. */
int s2i_error_report(const struct s2i_error *err);

/* Interruption is the caller's: see ctx.h (s2i_ctx_check_interrupt). */

#endif
