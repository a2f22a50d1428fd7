/* A growable, NULL-terminated vector of owned strings (argv/envp shaped). */
#ifndef S2I_STRV_H
#define S2I_STRV_H

#include <stddef.h>

struct s2i_strv {
  char **v; /* always NULL-terminated once anything was added */
  size_t n;
  size_t cap;
};

#define S2I_STRV_INIT                                                          \
  {                                                                            \
    NULL, 0, 0                                                                 \
  }

void s2i_strv_add(struct s2i_strv *s, const char *str);
void s2i_strv_take(struct s2i_strv *s, char *str); /* takes ownership */
void s2i_strv_addf(struct s2i_strv *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add each sep-separated item of str (empty items too, as given). */
void s2i_strv_add_split(struct s2i_strv *s, const char *str, char sep);
void s2i_strv_sort(struct s2i_strv *s);
int s2i_strv_contains(const struct s2i_strv *s, const char *str);
void s2i_strv_free(struct s2i_strv *s); /* frees items, resets to empty */

static inline void s2i_cleanup_strvp(struct s2i_strv *s)
{
  s2i_strv_free(s);
}
#define cleanup_strv __attribute__((cleanup(s2i_cleanup_strvp)))

#endif
