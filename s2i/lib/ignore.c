#include "ignore.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

struct ignore_rule {
  char *glob;
  int negate;
};

struct s2i_ignore {
  struct ignore_rule *rules;
  size_t n;
  size_t cap;
  int has_negation;
};

/* Turn one line into a glob on the root-relative path, or NULL when the
 * line holds no rule.  Edits line in place. */
static char *rule_glob(char *line, int *negate)
{
  char *end;

  while (isspace((unsigned char)*line))
    line++;
  end = line + strlen(line);
  while (end > line && isspace((unsigned char)end[-1]))
    *--end = '\0';
  if (*line == '#')
    return NULL;
  *negate = *line == '!';
  if (*negate)
    line++;
  /* Every rule is root-relative already; "/x", "./x" and "x/" say the same. */
  while (*line == '/' || (line[0] == '.' && line[1] == '/'))
    line += *line == '/' ? 1 : 2;
  end = line + strlen(line);
  while (end > line && end[-1] == '/')
    *--end = '\0';
  return *line ? line : NULL;
}

static void add_rule(struct s2i_ignore *ig, const char *glob, int negate)
{
  if (ig->n == ig->cap) {
    ig->cap = ig->cap ? ig->cap * 2 : 8;
    ig->rules = xrealloc(ig->rules, ig->cap * sizeof(*ig->rules));
  }
  ig->rules[ig->n].glob = xstrdup(glob);
  ig->rules[ig->n].negate = negate;
  ig->n++;
  ig->has_negation |= negate;
}

int s2i_ignore_parse(struct s2i_ignore **out, const char *text)
{
  struct s2i_ignore *ig = xcalloc(1, sizeof(*ig));
  cleanup_free char *copy = xstrdup(text ? text : "");
  char *line, *next, *glob;
  int negate;

  for (line = copy; line != NULL; line = next) {
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    glob = rule_glob(line, &negate);
    if (glob != NULL)
      add_rule(ig, glob, negate);
  }
  *out = ig;
  return 0;
}

int s2i_ignore_load(struct s2i_ignore **out, const char *path,
                    struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  struct stat st;

  if (lstat(path, &st) < 0 && errno == ENOENT)
    return s2i_ignore_parse(out, "");
  /* The repository wrote it: a symlink to /dev/zero or a FIFO must not
   * eat memory or hang the build. */
  if (s2i_fs_read_regular(&text, NULL, path, S2I_FS_READ_MAX, O_NOFOLLOW, err) <
      0)
    return -1;
  return s2i_ignore_parse(out, text);
}

/* The glob matches path itself or one of its leading directories. */
static int rule_matches(const char *glob, char *path)
{
  for (char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
    int hit;

    *slash = '\0';
    hit = fnmatch(glob, path, FNM_PATHNAME) == 0;
    *slash = '/';
    if (hit)
      return 1;
  }
  return fnmatch(glob, path, FNM_PATHNAME) == 0;
}

int s2i_ignore_match(const struct s2i_ignore *ig, const char *relpath)
{
  cleanup_free char *path = NULL;
  int excluded = 0;

  if (ig == NULL || ig->n == 0)
    return 0;
  while (*relpath == '/')
    relpath++;
  path = xstrdup(relpath);
  for (size_t i = 0; i < ig->n; i++)
    if (rule_matches(ig->rules[i].glob, path))
      excluded = !ig->rules[i].negate;
  return excluded;
}

int s2i_ignore_has_negation(const struct s2i_ignore *ig)
{
  return ig != NULL && ig->has_negation;
}

void s2i_ignore_free(struct s2i_ignore *ig)
{
  if (ig == NULL)
    return;
  for (size_t i = 0; i < ig->n; i++)
    free(ig->rules[i].glob);
  free(ig->rules);
  free(ig);
}
