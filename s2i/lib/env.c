#include "env.h"

#include <stdlib.h>

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

/* Length of the NAME in "NAME=VALUE", or 0 when NAME is not a valid shell
 * identifier or there is no '=' (the builder's scripts export these). */
static size_t name_len(const char *assignment)
{
  const char *p = assignment;

  if (!(isalpha((unsigned char)*p) || *p == '_'))
    return 0;
  while (isalnum((unsigned char)*p) || *p == '_')
    p++;
  return *p == '=' ? (size_t)(p - assignment) : 0;
}

static ssize_t find_name(const struct s2i_strv *env, const char *name,
                         size_t len)
{
  for (size_t i = 0; i < env->n; i++)
    if (strncmp(env->v[i], name, len) == 0 && env->v[i][len] == '=')
      return (ssize_t)i;
  return -1;
}

int s2i_env_set(struct s2i_strv *env, const char *assignment,
                struct s2i_error **err)
{
  size_t len = name_len(assignment);
  ssize_t i;

  if (len == 0)
    return s2i_error_make(err, 0,
                          "invalid environment assignment '%s': want "
                          "NAME=VALUE with NAME made of letters, digits, '_'",
                          assignment);
  i = find_name(env, assignment, len);
  if (i < 0) {
    s2i_strv_add(env, assignment);
    return 0;
  }
  free(env->v[i]);
  env->v[i] = xstrdup(assignment);
  return 0;
}

const char *s2i_env_get(const struct s2i_strv *env, const char *name)
{
  size_t len = strlen(name);
  ssize_t i = find_name(env, name, len);

  return i < 0 ? NULL : env->v[i] + len + 1;
}

/* Trim in place, as s2i does for each line of .s2i/environment (this also
 * takes care of CRLF files written on Windows). */
static char *trim(char *s)
{
  char *end;

  while (isspace((unsigned char)*s))
    s++;
  end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1]))
    *--end = '\0';
  return s;
}

/* NAME="x" and NAME='x' mean x, as a shell or docker's env files read
 * them; nothing inside is interpreted. */
static void strip_quotes(char *line)
{
  char *v = strchr(line, '=') + 1;
  size_t n = strlen(v);

  if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
    memmove(v, v + 1, n - 2);
    v[n - 2] = '\0';
  }
}

/* Names -> positions in an env, so a file of n lines sets n names in
 * O(n), not O(n^2) (40,000 lines once took 30 s). */
struct env_index {
  size_t *slot; /* position + 1; 0: empty */
  size_t mask;
};

static size_t hash_name(const char *s, size_t len)
{
  size_t h = 1469598103934665603ULL;

  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static size_t *index_find(const struct env_index *ix,
                          const struct s2i_strv *env, const char *name,
                          size_t len)
{
  size_t i = hash_name(name, len) & ix->mask;

  for (;; i = (i + 1) & ix->mask) {
    const char *v = ix->slot[i] ? env->v[ix->slot[i] - 1] : NULL;
    if (v == NULL || (strncmp(v, name, len) == 0 && v[len] == '='))
      return &ix->slot[i];
  }
}

static void index_init(struct env_index *ix, const struct s2i_strv *env,
                       size_t more)
{
  size_t cap = 16;

  while (cap < 2 * (env->n + more))
    cap *= 2;
  ix->slot = xcalloc(cap, sizeof(*ix->slot));
  ix->mask = cap - 1;
  for (size_t i = 0; i < env->n; i++)
    *index_find(ix, env, env->v[i], strcspn(env->v[i], "=")) = i + 1;
}

static int index_set(struct env_index *ix, struct s2i_strv *env,
                     const char *line, struct s2i_error **err)
{
  size_t len = name_len(line);
  size_t *slot;

  if (len == 0)
    return s2i_env_set(env, line, err); /* the error message */
  slot = index_find(ix, env, line, len);
  if (*slot == 0) {
    s2i_strv_add(env, line);
    *slot = env->n;
    return 0;
  }
  free(env->v[*slot - 1]);
  env->v[*slot - 1] = xstrdup(line);
  return 0;
}

static size_t count_lines(const char *text, size_t len)
{
  size_t n = 1;

  for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text)));
       p++)
    n++;
  return n;
}

static int check_no_nul(const char *text, size_t len, const char *name,
                        struct s2i_error **err)
{
  const char *nul = memchr(text, '\0', len);

  if (nul == NULL)
    return 0;
  return s2i_error_make(err, 0,
                        "%s:%zu: a NUL byte (the file is binary or corrupt; "
                        "values cannot hold NUL)",
                        name, count_lines(text, (size_t)(nul - text)));
}

int s2i_env_parse(struct s2i_strv *env, char *text, size_t len,
                  const char *name, struct s2i_error **err)
{
  struct env_index ix;
  char *line, *next;
  int lineno = 0, ret = 0;

  if (check_no_nul(text, len, name, err) < 0)
    return -1;
  index_init(&ix, env, count_lines(text, len));
  for (line = text; line != NULL && ret == 0; line = next) {
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    lineno++;
    line = trim(line);
    if (*line == '\0' || *line == '#')
      continue;
    if (name_len(line) > 0)
      strip_quotes(line);
    if (index_set(&ix, env, line, err) < 0)
      ret = s2i_error_prefix(err, "%s:%d", name, lineno);
  }
  free(ix.slot);
  return ret;
}

int s2i_env_load_file(struct s2i_strv *env, const char *path, int missing_ok,
                      struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  size_t len;

  if (missing_ok && !s2i_fs_exists(path))
    return 0;
  if (s2i_fs_read_regular(&text, &len, path, S2I_FS_READ_MAX, 0, err) < 0)
    return -1;
  return s2i_env_parse(env, text, len, path, err);
}

int64_t s2i_env_source_date_epoch(void)
{
  const char *v = getenv("SOURCE_DATE_EPOCH");
  char *end;
  long long t;

  if (v == NULL || *v == '\0')
    return -1;
  t = strtoll(v, &end, 10);
  return (*end == '\0' && t >= 0) ? (int64_t)t : -1;
}

void s2i_env_add_defaults(struct s2i_strv *env)
{
  if (!s2i_env_get(env, "PATH"))
    s2i_strv_add(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                      "/usr/bin:/sbin:/bin");
  if (!s2i_env_get(env, "HOME"))
    s2i_strv_add(env, "HOME=/");
}
