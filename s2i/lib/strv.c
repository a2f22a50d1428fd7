#include "strv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void s2i_strv_take(struct s2i_strv *s, char *str)
{
  if (s->n + 2 > s->cap) {
    s->cap = s->cap ? s->cap * 2 : 8;
    s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
  }
  s->v[s->n++] = str;
  s->v[s->n] = NULL;
}

void s2i_strv_add(struct s2i_strv *s, const char *str)
{
  s2i_strv_take(s, xstrdup(str));
}

void s2i_strv_addf(struct s2i_strv *s, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  s2i_strv_take(s, xvasprintf(fmt, ap));
  va_end(ap);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void s2i_strv_sort(struct s2i_strv *s)
{
  if (s->n > 1)
    qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

int s2i_strv_contains(const struct s2i_strv *s, const char *str)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], str) == 0)
      return 1;
  return 0;
}

void s2i_strv_free(struct s2i_strv *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
  s->v = NULL;
  s->n = s->cap = 0;
}

void s2i_strv_add_split(struct s2i_strv *s, const char *str, char sep)
{
  const char *end;

  while ((end = strchr(str, sep)) != NULL) {
    s2i_strv_take(s, xstrndup(str, (size_t)(end - str)));
    str = end + 1;
  }
  s2i_strv_add(s, str);
}
