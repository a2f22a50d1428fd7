#include "refs.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "xalloc.h"

#define MAX_NAME 255
#define MAX_TAG 128

static int is_lower_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+ joined by one '.', one '_', "__" or any run of '-'. */
static int valid_component(const char *s, size_t n)
{
  size_t i = 0;

  if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
    return 0;
  while (i < n) {
    size_t run = strspn(s + i, "._-");
    if (run > n - i)
      run = n - i;
    if (run == 0 && !is_lower_alnum(s[i]))
      return 0;
    if (run > 0 && strspn(s + i, "-") < run && run > 1 &&
        !(run == 2 && s[i] == '_' && s[i + 1] == '_'))
      return 0;
    i += run ? run : 1;
  }
  return 1;
}

int s2i_ref_valid_path(const char *path, size_t n)
{
  size_t i = 0;

  if (n == 0 || n > MAX_NAME)
    return 0;
  while (i <= n) {
    const char *slash = memchr(path + i, '/', n - i);
    size_t len = slash ? (size_t)(slash - (path + i)) : n - i;
    if (!valid_component(path + i, len))
      return 0;
    if (slash == NULL)
      return 1;
    i += len + 1;
  }
  return 0;
}

/* host[:port]: host names, IPv4 and [IPv6]. */
int s2i_ref_valid_domain(const char *s, size_t n)
{
  size_t h;

  if (n > 0 && s[0] == '[') {
    const char *end = memchr(s, ']', n);
    if (end == NULL || end == s + 1)
      return 0;
    h = (size_t)(end - s) + 1;
    if (strspn(s + 1, "0123456789abcdefABCDEF:.") != h - 2)
      return 0;
  } else {
    h = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789.-");
    if (h == 0 || h > n || s[0] == '-' || s[0] == '.')
      return 0;
  }
  if (h == n)
    return 1;
  return s[h] == ':' && h + 1 < n && n - h - 1 <= 5 &&
         strspn(s + h + 1, "0123456789") == n - h - 1;
}

int s2i_ref_valid_tag(const char *t)
{
  static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                             "WXYZ0123456789_";
  size_t n = strlen(t);

  return n > 0 && n <= MAX_TAG && strchr(word, t[0]) &&
         strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_.-") == n;
}

static int first_is_host(const char *s, size_t n)
{
  return memchr(s, '.', n) || memchr(s, ':', n) ||
         (n == 9 && strncmp(s, "localhost", 9) == 0) || (n > 0 && s[0] == '[');
}

int s2i_ref_names_host(const char *s)
{
  size_t n = strcspn(s, "/");

  if (strncmp(s, "docker://", 9) == 0)
    return 1;
  return s[n] == '/' && first_is_host(s, n) && s2i_ref_valid_domain(s, n);
}

void s2i_ref_free(struct s2i_ref *r)
{
  if (r == NULL)
    return;
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  free(r);
}

static int bad(struct s2i_error **err, const char *s, const char *why)
{
  return s2i_error_make(err, 0, "invalid image reference \"%s\": %s", s, why);
}

int s2i_ref_parse(struct s2i_ref **out, const char *s, struct s2i_error **err)
{
  cleanup_ref struct s2i_ref *r = xcalloc(1, sizeof(*r));
  const char *in = s, *at, *slash, *colon, *name;
  size_t n;

  if (strncmp(in, "docker://", 9) == 0)
    in += 9;
  if (*in == '\0')
    return bad(err, s, "empty");
  at = strchr(in, '@');
  if (at) {
    if (!s2i_digest_is_valid(at + 1))
      return bad(err, s,
                 "the digest after '@' must be sha256: and 64 "
                 "lowercase hex digits");
    r->digest = xstrdup(at + 1);
  }
  n = at ? (size_t)(at - in) : strlen(in);
  /* the domain */
  slash = memchr(in, '/', n);
  if (slash && first_is_host(in, (size_t)(slash - in))) {
    if (!s2i_ref_valid_domain(in, (size_t)(slash - in)))
      return bad(err, s, "the registry must be HOST[:PORT]");
    r->domain = xstrndup(in, (size_t)(slash - in));
    if (strcmp(r->domain, "index.docker.io") == 0 ||
        strcmp(r->domain, "registry-1.docker.io") == 0) {
      free(r->domain);
      r->domain = xstrdup("docker.io");
    }
    name = slash + 1;
    n -= (size_t)(name - in);
  } else {
    r->domain = xstrdup("docker.io");
    name = in;
  }
  /* the tag: a ':' after the last '/' */
  slash = NULL;
  for (size_t i = 0; i < n; i++)
    if (name[i] == '/')
      slash = name + i;
  colon = memchr(slash ? slash : name, ':',
                 n - (size_t)((slash ? slash : name) - name));
  if (colon) {
    r->tag = xstrndup(colon + 1, n - (size_t)(colon + 1 - name));
    if (!s2i_ref_valid_tag(r->tag))
      return bad(err, s,
                 "the tag after ':' must be 1-128 of [A-Za-z0-9_.-], "
                 "not starting with '.' or '-'");
    n = (size_t)(colon - name);
  }
  if (strcmp(r->domain, "docker.io") == 0 && memchr(name, '/', n) == NULL)
    r->path = xasprintf("library/%.*s", (int)n, name);
  else
    r->path = xstrndup(name, n);
  if (!s2i_ref_valid_path(r->path, strlen(r->path)))
    return bad(err, s,
               "the repository must be lowercase [a-z0-9] parts "
               "joined by '.', '_', '-' or '/'");
  if (r->tag == NULL && r->digest == NULL)
    r->tag = xstrdup("latest");
  *out = s2i_steal(r);
  return 0;
}

char *s2i_ref_name(const struct s2i_ref *r)
{
  return xasprintf("%s/%s", r->domain, r->path);
}

char *s2i_ref_string(const struct s2i_ref *r)
{
  return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
                   r->tag ? r->tag : "", r->digest ? "@" : "",
                   r->digest ? r->digest : "");
}

const char *s2i_ref_object(const struct s2i_ref *r)
{
  return r->digest ? r->digest : r->tag;
}

const char *s2i_ref_api_host(const struct s2i_ref *r)
{
  return strcmp(r->domain, "docker.io") == 0 ? "registry-1.docker.io"
                                             : r->domain;
}

int s2i_ref_is_loopback(const char *domain)
{
  size_t h = domain[0] == '[' ? strcspn(domain, "]") + 1 : strcspn(domain, ":");

  return (h == 9 && strncmp(domain, "localhost", 9) == 0) ||
         strncmp(domain, "127.", 4) == 0 ||
         (h == 5 && strncmp(domain, "[::1]", 5) == 0);
}
