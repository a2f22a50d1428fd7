#include "giturl.h"

#include <git2.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "fs.h"
#include "xalloc.h"

const char *s2i_giturl_file_path(const char *url)
{
  if (strncmp(url, "file://", 7) != 0)
    return NULL;
  url += 7;
  if (strncmp(url, "localhost/", 10) == 0)
    url += 9;
  return *url == '/' ? url : NULL;
}

static int is_relative(const char *url)
{
  return strcmp(url, ".") == 0 || strcmp(url, "..") == 0 ||
         strncmp(url, "./", 2) == 0 || strncmp(url, "../", 3) == 0;
}

/* The path part of a URL: after scheme://host, after host: (scp style),
 * or the whole local path. */
static const char *url_path(const char *base)
{
  const char *scheme = strstr(base, "://");
  const char *colon = strchr(base, ':');
  const char *slash = strchr(base, '/');

  if (scheme != NULL) {
    const char *p = strchr(scheme + 3, '/');
    return p ? p : "";
  }
  if (colon != NULL && (slash == NULL || colon < slash))
    return colon + 1;
  return base;
}

/* Change of depth along a path's components; *low is the lowest point. */
static int walk_depth(const char *path, int *low)
{
  int depth = 0;

  *low = 0;
  while (*path != '\0') {
    size_t n = strcspn(path, "/");
    if (n == 2 && strncmp(path, "..", 2) == 0)
      depth--;
    else if (n > 0 && !(n == 1 && path[0] == '.'))
      depth++;
    if (depth < *low)
      *low = depth;
    path += n + (path[n] == '/');
  }
  return depth;
}

int s2i_giturl_check(const char *url, const char *base, struct s2i_error **err)
{
  const char *why = NULL;
  int low, depth;

  if (strncasecmp(url, "file:", 5) == 0)
    why = "a file:// URL reads the build host";
  else if (url[0] == '/')
    why = "an absolute path reads the build host";
  else if (is_relative(url)) {
    depth = walk_depth(url_path(base), &low);
    walk_depth(url, &low);
    if (-low > depth)
      why = "it climbs above the root of the superproject's URL";
  }
  if (why == NULL)
    return 0;
  return s2i_error_make(err, 0,
                        "URL \"%s\" in .gitmodules points outside the "
                        "source (%s); refused",
                        url, why);
}

/* libgit2 resolves against a repository's default remote: a scratch bare
 * repository whose origin is base. */
static int resolve_in(char **out, const char *dir, const char *base,
                      const char *url, struct s2i_error **err)
{
  git_repository *repo = NULL;
  git_remote *origin = NULL;
  git_buf buf = GIT_BUF_INIT;
  git_remote_create_options ro;
  int rc = git_repository_init(&repo, dir, 1);

  /* The _INIT macro trips -Wmissing-field-initializers.  No insteadOf
   * scan here: libgit2 1.5 leaks pcre2 match data for every config entry
   * such a scan does not match (tests/lsan.supp); the lookup inside
   * git_submodule_resolve_url still does one. */
  git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  ro.repository = repo;
  ro.name = "origin";
  ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
  if (rc == 0)
    rc = git_remote_create_with_opts(&origin, base, &ro);
  if (rc == 0)
    rc = git_submodule_resolve_url(&buf, repo, url);
  if (rc == 0)
    *out = xstrdup(buf.ptr);
  else
    s2i_error_git(err, "resolve URL \"%s\" against %s", url, base);
  git_buf_dispose(&buf);
  git_remote_free(origin);
  git_repository_free(repo);
  return rc < 0 ? -1 : 0;
}

int s2i_giturl_resolve(char **out, const char *base, const char *url,
                       const char *scratch, struct s2i_error **err)
{
  cleanup_free char *dir = NULL;
  cleanup_error struct s2i_error *ignored = NULL;
  int ret;

  if (!is_relative(url)) {
    *out = xstrdup(url);
    return 0;
  }
  if (s2i_giturl_file_path(base) != NULL)
    base = s2i_giturl_file_path(base);
  if (s2i_fs_mkdtemp(&dir, scratch, "urlbase-", err) < 0)
    return -1;
  ret = resolve_in(out, dir, base, url, err);
  s2i_fs_rm_rf(dir, &ignored); /* undo: the scratch repository */
  return ret;
}
