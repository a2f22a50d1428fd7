#include "buildkey.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

static int only_names(const struct dirent *de)
{
  return strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
}

static int hash_file(struct s2i_digest *d, int dirfd, const char *name,
                     const char *path, struct s2i_error **err)
{
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char buf[1 << 16];
  ssize_t r;

  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", path);
  while ((r = read(fd, buf, sizeof(buf))) > 0)
    s2i_digest_update(d, buf, (size_t)r);
  if (r < 0)
    return s2i_error_make(err, errno, "read %s", path);
  return 0;
}

static int hash_dir(struct s2i_digest *d, const char *dir, const char *rel,
                    int depth, struct s2i_error **err)
{
  struct dirent **ents = NULL;
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int n, ret = 0;

  if (dfd < 0)
    return s2i_error_make(err, errno, "open %s", dir);
  if (depth > 256)
    return s2i_error_make(err, 0, "%s: too deep", dir);
  n = scandir(dir, &ents, only_names, alphasort);
  if (n < 0)
    return s2i_error_make(err, errno, "read %s", dir);
  for (int i = 0; i < n; i++) {
    const char *name = ents[i]->d_name;
    cleanup_free char *path = s2i_fs_join(dir, name);
    cleanup_free char *r =
        rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
    char line[512], target[4096];
    struct stat st;
    ssize_t tl;
    if (ret < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (ret == 0)
        ret = s2i_error_make(err, errno, "stat %s", path);
      free(ents[i]);
      continue;
    }
    snprintf(line, sizeof(line), "%o %u %u %lld ", (unsigned)st.st_mode,
             (unsigned)st.st_uid, (unsigned)st.st_gid,
             S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL);
    s2i_digest_update(d, line, strlen(line));
    s2i_digest_update(d, r, strlen(r) + 1);
    if (S_ISLNK(st.st_mode)) {
      tl = readlinkat(dfd, name, target, sizeof(target));
      if (tl > 0)
        s2i_digest_update(d, target, (size_t)tl);
    } else if (S_ISREG(st.st_mode)) {
      ret = hash_file(d, dfd, name, path, err);
    } else if (S_ISDIR(st.st_mode)) {
      ret = hash_dir(d, path, r, depth + 1, err);
    }
    free(ents[i]);
  }
  free(ents);
  return ret;
}

int s2i_buildkey_tree(struct s2i_digest *d, const char *dir,
                      struct s2i_error **err)
{
  return hash_dir(d, dir, "", 0, err);
}

void s2i_buildkey_final(json_t *facts, const char *tree_digest,
                        char out[S2I_DIGEST_LEN + 1])
{
  char *text;

  json_object_set_new(facts, "tree", json_string(tree_digest));
  text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL)
    abort();
  s2i_digest_buffer(text, strlen(text), out);
  free(text);
}
