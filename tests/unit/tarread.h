/* Reading a layer blob back with libarchive, for the tests of the code that
 * writes layers (check_layer_writer.c, check_layer_diff.c). */
#ifndef S2I_TARREAD_H
#define S2I_TARREAD_H

#include <archive.h>
#include <archive_entry.h>

#include "store.h"
#include "testutil.h"

/* What a tar entry said. */
struct rent {
  char *name;
  mode_t type, perm;
  int64_t size, uid, gid, mtime;
  char *hardlink, *symlink;
  char *data; /* the entry's bytes, NUL-terminated */
  int atime_set, ctime_set, uname_set;
};

struct rtar {
  struct rent *e;
  size_t n;
};

static inline char *tr_dup(const char *s)
{
  return s ? xstrdup(s) : NULL;
}

static inline char *tr_data(struct archive *a, int64_t size)
{
  char *buf = xmalloc((size_t)size + 1);

  ck_assert_int_eq(archive_read_data(a, buf, (size_t)size), size);
  buf[size] = '\0';
  return buf;
}

static inline void tr_entry(struct rent *r, struct archive *a,
                            struct archive_entry *e)
{
  r->name = xstrdup(archive_entry_pathname(e));
  r->type = archive_entry_filetype(e);
  r->perm = archive_entry_perm(e);
  r->size = archive_entry_size(e);
  r->uid = archive_entry_uid(e);
  r->gid = archive_entry_gid(e);
  r->mtime = archive_entry_mtime(e);
  r->hardlink = tr_dup(archive_entry_hardlink(e));
  r->symlink = tr_dup(archive_entry_symlink(e));
  r->data = tr_data(a, r->size); /* "" for all but regular files */
  r->atime_set = archive_entry_atime_is_set(e);
  r->ctime_set = archive_entry_ctime_is_set(e);
  r->uname_set = archive_entry_uname(e) && *archive_entry_uname(e);
}

/* Every entry of the blob `digest` in st. */
static inline void read_tar(struct rtar *t, struct s2i_store *st,
                            const char *digest)
{
  char *path = s2i_store_blob_path(st, digest);
  struct archive *a = archive_read_new();
  struct archive_entry *e;

  memset(t, 0, sizeof(*t));
  archive_read_support_format_tar(a);
  ck_assert_int_eq(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    t->e = xrealloc(t->e, (t->n + 1) * sizeof(*t->e));
    tr_entry(&t->e[t->n++], a, e);
  }
  archive_read_free(a);
  free(path);
}

static inline void free_tar(struct rtar *t)
{
  for (size_t i = 0; i < t->n; i++) {
    free(t->e[i].name);
    free(t->e[i].hardlink);
    free(t->e[i].symlink);
    free(t->e[i].data);
  }
  free(t->e);
}

/* The entry called name, or NULL. */
static inline const struct rent *find_entry(const struct rtar *t,
                                            const char *name)
{
  for (size_t i = 0; i < t->n; i++)
    if (strcmp(t->e[i].name, name) == 0)
      return &t->e[i];
  return NULL;
}

#endif
