/* Web server configuration generated at start under TMPDIR (the root
 * file system is read-only): nginx for static sites, Apache httpd +
 * mod_wsgi for WSGI apps, the latter laid out as mod_wsgi-express does. */
#ifndef S2I_BUILDER_WEBCONF_H
#define S2I_BUILDER_WEBCONF_H

#include "server_args.h"

#include <stdio.h>

struct webctx {
  const char *dir;  /* server root: config, pid, temp files */
  const char *home; /* relative paths in options resolve here */
  const char *venv; /* python-home for mod_wsgi */
  int port;
  /* Log destinations as Apache directive arguments: '/dev/stdout' when
   * this user can reopen it, else a piped logger ("||run --log-relay 1")
   * writing to the inherited descriptor (a pipe made by a container
   * runtime as root cannot be reopened by an arbitrary UID). */
  const char *stdout_log, *stderr_log;
  int stdout_direct; /* nginx can only log to a path it opens */
  /* Otherwise a FIFO copied to stdout (run's stdout_fifo), or NULL. */
  const char *access_fifo;
};

/* PATH made absolute against HOME; the caller frees it. */
char *webconf_abs(const char *home, const char *path);

/* The one gate before any config is written: the context's paths and
 * the entry point (which may come from APP_MODULE / APP_HOME) pass the
 * same checks as server_args values.  <0 with the reason in ERR. */
int webconf_check(const struct server_opts *o, const struct webctx *c,
                  char *err, size_t len);

/* S as an Apache argument: '...' with ' and \ backslash-escaped. */
void webconf_quote(FILE *f, const char *s);
/* S as a Python string literal: '...', with \ ' and control characters
 * escaped. */
void webconf_pystr(FILE *f, const char *s);

/* DIR/NAME created afresh (an existing entry is removed, symlinks are
 * never followed), 0600; *PATH is set (caller frees).  NULL with the
 * error printed. */
FILE *webconf_create(const char *dir, const char *name, char **path);

/* Writes DIR/nginx.conf and fills ARGV (static, up to 8 entries) with
 * the nginx command line.  Returns <0 with the error printed. */
int nginx_conf_write(const struct server_opts *o, const struct webctx *c,
                     char **argv);

/* Writes DIR/httpd.conf and DIR/handler.wsgi and fills ARGV (up to 8
 * entries) with the apache2 command line. */
int httpd_conf_write(const struct server_opts *o, const struct webctx *c,
                     char **argv);

#endif
