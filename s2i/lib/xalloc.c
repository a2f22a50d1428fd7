#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom(void)
{
  fputs("s2i: out of memory\n", stderr);
  abort();
}

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  return p ? p : oom();
}

void *xcalloc(size_t nmemb, size_t size)
{
  void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
  return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  return q ? q : oom();
}

char *xstrdup(const char *s)
{
  char *p = strdup(s);
  return p ? p : oom();
}

char *xstrndup(const char *s, size_t n)
{
  char *p = strndup(s, n);
  return p ? p : oom();
}

char *xvasprintf(const char *fmt, va_list ap)
{
  char *p;

  if (vasprintf(&p, fmt, ap) < 0)
    return oom();
  return p;
}

char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  char *p;

  va_start(ap, fmt);
  p = xvasprintf(fmt, ap);
  va_end(ap);
  return p;
}
