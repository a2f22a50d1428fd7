/* Cleanup attributes for locals (crun style).  Hand ownership out by
 * nulling the local after storing it: `*out = buf; buf = NULL;`. */
#ifndef S2I_CLEANUP_H
#define S2I_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void s2i_cleanup_freep(void *p)
{
  free(*(void **)p);
}

static inline void s2i_cleanup_closep(int *fd)
{
  if (*fd >= 0)
    close(*fd);
}

static inline void s2i_cleanup_filep(FILE **f)
{
  if (*f != NULL)
    fclose(*f);
}

static inline void s2i_cleanup_dirp(DIR **d)
{
  if (*d != NULL)
    closedir(*d);
}

#define cleanup_free __attribute__((cleanup(s2i_cleanup_freep)))
#define cleanup_close __attribute__((cleanup(s2i_cleanup_closep)))
#define cleanup_file __attribute__((cleanup(s2i_cleanup_filep)))
#define cleanup_dir __attribute__((cleanup(s2i_cleanup_dirp)))

/* Typed cleanups for the owned types of libs2i.  Next to each *_free:
 *
 *   S2I_DEFINE_CLEANUP_FN(struct s2i_image *, s2i_image_free)
 *   #define cleanup_image S2I_CLEANUP(s2i_image_free)
 *
 * and a local `cleanup_image struct s2i_image *img = NULL;` is freed on
 * every return (a NULL is skipped). */
#define S2I_DEFINE_CLEANUP_FN(type, free_fn)                                   \
  static inline void free_fn##_p(type *p)                                      \
  {                                                                            \
    if (*p != NULL)                                                            \
      free_fn(*p);                                                             \
  }
#define S2I_CLEANUP(free_fn) __attribute__((cleanup(free_fn##_p)))

/* Steal a pointer out of a cleanup local. */
#define s2i_steal(p)                                                           \
  ({                                                                           \
    __typeof__(p) s2i_steal_tmp_ = (p);                                        \
    (p) = NULL;                                                                \
    s2i_steal_tmp_;                                                            \
  })

/* jansson values */
#include <jansson.h>
static inline void s2i_cleanup_jsonp(json_t **j)
{
  json_decref(*j);
}
#define cleanup_json __attribute__((cleanup(s2i_cleanup_jsonp)))
#endif
