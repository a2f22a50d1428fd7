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

int s2i_env_parse(struct s2i_strv *env, char *text, const char *name,
                  struct s2i_error **err)
{
  char *line, *next;
  int lineno = 0;

  for (line = text; line != NULL; line = next) {
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    lineno++;
    line = trim(line);
    if (*line == '\0' || *line == '#')
      continue;
    if (s2i_env_set(env, line, err) < 0)
      return s2i_error_prefix(err, "%s:%d", name, lineno);
  }
  return 0;
}

int s2i_env_load_file(struct s2i_strv *env, const char *path, int missing_ok,
                      struct s2i_error **err)
{
  cleanup_free char *text = NULL;

  if (missing_ok && !s2i_fs_exists(path))
    return 0;
  if (s2i_fs_read_file(&text, NULL, path, err) < 0)
    return -1;
  return s2i_env_parse(env, text, path, err);
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
