#include "webconf.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *webconf_abs(const char *home, const char *path)
{
  if (path[0] == '/')
    return xstrdup(path);
  if (path[0] == '.' && path[1] == '\0')
    return xstrdup(home);
  return xasprintf("%s/%s", home,
                   path[0] == '.' && path[1] == '/' ? path + 2 : path);
}

void webconf_quote(FILE *f, const char *s)
{
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'' || *s == '\\')
      fputc('\\', f);
    fputc(*s, f);
  }
  fputc('\'', f);
}

void webconf_pystr(FILE *f, const char *s)
{
  fputc('\'', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\'' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(f, "\\x%02x", *p);
    else
      fputc(*p, f);
  }
  fputc('\'', f);
}

static int check_path(const char *label, const char *home, const char *v,
                      char *err, size_t len)
{
  char *abs = webconf_abs(home, v);
  int rc = sa_check_abs_path(label, abs, err, len);
  free(abs);
  return rc;
}

static int check_entry(const struct server_opts *o, const struct webctx *c,
                       char *err, size_t len)
{
  int module = o->application_type && !strcmp(o->application_type, "module");
  if (module && !sa_is_module(o->entry_point)) {
    snprintf(err, len, "entry point %s is not a Python module name",
             o->entry_point);
    return -1;
  }
  if (!sa_is_identifier(o->callable_object)) {
    snprintf(err, len, "callable %s is not a Python identifier",
             o->callable_object);
    return -1;
  }
  return module ? 0
                : check_path("entry point", c->home, o->entry_point, err, len);
}

int webconf_check(const struct server_opts *o, const struct webctx *c,
                  char *err, size_t len)
{
  if (sa_check_abs_path("application directory", c->home, err, len) < 0 ||
      sa_check_abs_path("virtualenv", c->venv, err, len) < 0 ||
      (c->dir && sa_check_abs_path("server directory", c->dir, err, len) < 0))
    return -1;
  if (o->document_root &&
      check_path("document root", c->home, o->document_root, err, len) < 0)
    return -1;
  if (o->working_directory && check_path("working directory", c->home,
                                         o->working_directory, err, len) < 0)
    return -1;
  return o->entry_point ? check_entry(o, c, err, len) : 0;
}

FILE *webconf_create(const char *dir, const char *name, char **path)
{
  *path = xasprintf("%s/%s", dir, name);
  if (unlink(*path) < 0 && errno != ENOENT) {
    util_err("cannot replace %s: %s", *path, strerror(errno));
    return NULL;
  }
  int fd =
      open(*path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
  if (!f) {
    util_err("cannot write %s: %s", *path, strerror(errno));
    if (fd >= 0)
      close(fd);
  }
  return f;
}
