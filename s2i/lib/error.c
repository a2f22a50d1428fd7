#include "error.h"

#include <archive.h>
#include <curl/curl.h>
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

int s2i_error_makev(struct s2i_error **err, int errnum, const char *fmt,
                    va_list ap)
{
  char *text;
  struct s2i_error *e;

  if (err == NULL || *err != NULL)
    return -1;
  text = xvasprintf(fmt, ap);
  e = xcalloc(1, sizeof(*e));
  e->errnum = errnum;
  e->exit_code = S2I_EXIT_FAILURE;
  if (errnum != 0) {
    e->msg = xasprintf("%s: %s", text, strerror(errnum));
    free(text);
  } else {
    e->msg = text;
  }
  *err = e;
  return -1;
}

int s2i_error_make(struct s2i_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  s2i_error_makev(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int s2i_error_prefix(struct s2i_error **err, const char *fmt, ...)
{
  va_list ap;
  char *ctx, *msg;

  if (err == NULL || *err == NULL)
    return -1;
  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  msg = xasprintf("%s: %s", ctx, (*err)->msg);
  free(ctx);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

int s2i_error_set_exit(struct s2i_error **err, int exit_code)
{
  if (err != NULL && *err != NULL)
    (*err)->exit_code = exit_code;
  return -1;
}

int s2i_error_archive(struct s2i_error **err, struct archive *a,
                      const char *fmt, ...)
{
  va_list ap;
  char *ctx;
  const char *why = a ? archive_error_string(a) : NULL;

  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  s2i_error_make(err, 0, "%s: %s", ctx, why ? why : "archive error");
  free(ctx);
  return -1;
}

int s2i_error_archive_disk_failed(struct archive *aw, int r)
{
  int e;

  if (r < ARCHIVE_WARN)
    return 1;
  if (r != ARCHIVE_WARN)
    return 0;
  e = archive_errno(aw);
  return e == ENOSPC || e == EDQUOT || e == EIO || e == EFBIG || e == EROFS;
}

int s2i_error_git(struct s2i_error **err, const char *fmt, ...)
{
  va_list ap;
  char *ctx;
  const git_error *ge = git_error_last();

  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  s2i_error_make(err, 0, "%s: %s", ctx,
                 ge && ge->message ? ge->message : "git error");
  free(ctx);
  return -1;
}

int s2i_error_curl(struct s2i_error **err, int curl_code, const char *errbuf,
                   const char *fmt, ...)
{
  va_list ap;
  char *ctx;
  const char *why =
      errbuf && *errbuf ? errbuf : curl_easy_strerror((CURLcode)curl_code);

  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  s2i_error_make(err, 0, "%s: %s", ctx, why);
  free(ctx);
  return -1;
}

int s2i_error_json(struct s2i_error **err, const char *json_text, int line,
                   const char *fmt, ...)
{
  va_list ap;
  char *ctx;

  va_start(ap, fmt);
  ctx = xvasprintf(fmt, ap);
  va_end(ap);
  if (line > 0)
    s2i_error_make(err, 0, "%s: invalid JSON at line %d: %s", ctx, line,
                   json_text);
  else
    s2i_error_make(err, 0, "%s: invalid JSON: %s", ctx, json_text);
  free(ctx);
  return -1;
}

void s2i_error_free(struct s2i_error *err)
{
  if (err == NULL)
    return;
  free(err->msg);
  free(err);
}

int s2i_error_report(const struct s2i_error *err)
{
  if (err == NULL)
    return S2I_EXIT_FAILURE;
  fprintf(stderr, "s2i: %s\n", err->msg);
  return err->exit_code;
}
