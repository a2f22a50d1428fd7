#include "scripts.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "log.h"
#include "rootpath.h"
#include "xalloc.h"

static const char *const script_names[S2I_SCRIPT_COUNT + 1] = {
    "assemble", "run", "save-artifacts", "usage", "assemble-runtime"};

const char *s2i_script_name(enum s2i_script_id id)
{
  return script_names[id];
}

const char *s2i_scripts_image_url(const struct s2i_image *img,
                                  const char **from)
{
  static const char *const labels[] = {"io.openshift.s2i.scripts-url",
                                       "io.s2i.scripts-url"};
  const char *v;

  if (from)
    *from = NULL;
  if (img == NULL)
    return NULL;
  for (size_t i = 0; i < 2; i++) {
    v = s2i_image_label(img, labels[i]);
    if (v && *v) {
      if (from)
        *from = labels[i];
      return v;
    }
  }
  v = s2i_image_getenv(img, "STI_SCRIPTS_URL");
  if (v == NULL || *v == '\0')
    return NULL;
  if (from)
    *from = "STI_SCRIPTS_URL";
  return v;
}

/* "image:///usr/libexec/s2i" -> "/usr/libexec/s2i"; NULL for other schemes. */
static const char *image_url_path(const char *url)
{
  if (url && strncmp(url, "image://", 8) == 0 && url[8] == '/')
    return url + 8;
  return NULL;
}

/* "file:///dir" or "file://dir" -> "/dir" or "dir". */
static const char *file_url_path(const char *url)
{
  if (url && strncmp(url, "file://", 7) == 0)
    return url + 7;
  return NULL;
}

static int is_http_url(const char *url)
{
  return url &&
         (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
}

/* from is resolved beneath root with no symlinks when root is given (a
 * repository's .s2i/bin/run -> /etc/shadow must not copy a host file). */
static int copy_script(const char *root, const char *from, const char *to,
                       struct s2i_error **err)
{
  cleanup_close int in = root ? s2i_fs_open_beneath(root, from, O_RDONLY, 0)
                              : open(from, O_RDONLY | O_CLOEXEC);
  cleanup_close int out = -1;
  struct stat st;

  if (in < 0)
    return s2i_error_make(err, errno, "open script %s%s%s", from,
                          root ? " inside " : "", root ? root : "");
  if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
    return s2i_error_make(err, 0, "script %s is not a regular file", from);
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0)
    return s2i_error_make(err, errno, "create %s", to);
  if (s2i_fs_copy_fd(in, out) < 0)
    return s2i_error_make(err, errno, "copy script %s to %s", from, to);
  return fchmod(out, 0755) < 0 ? s2i_error_make(err, errno, "chmod %s", to) : 0;
}

static size_t curl_write(char *buf, size_t size, size_t n, void *ctx)
{
  int fd = *(int *)ctx;

  return s2i_fs_write_all(fd, buf, size * n) < 0 ? 0 : size * n;
}

/* Returns 1 when downloaded, 0 when the server has no such script (404). */
static int download_script(const char *url, const char *to,
                           struct s2i_error **err)
{
  char errbuf[CURL_ERROR_SIZE] = "";
  cleanup_close int fd =
      open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  CURL *c;
  CURLcode rc;
  long status = 0;

  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", to);
  c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &fd);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  /* a stalled server fails the build instead of hanging it */
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (rc == CURLE_OK && status >= 200 && status < 300)
    return 1;
  unlink(to); /* an error page is not a script */
  if (rc != CURLE_OK)
    return s2i_error_curl(err, rc, errbuf, "download %s", url);
  if (status == 404)
    return 0;
  return s2i_error_make(err, 0, "download %s: HTTP status %ld", url, status);
}

/* Fetch one script from a file:// or http(s):// base into inject_dir.
 * Returns 1 found, 0 not there, -1 error. */
static int fetch_url_script(const char *base, const char *name,
                            const char *inject_dir, const char *what,
                            struct s2i_error **err)
{
  cleanup_free char *to = s2i_fs_join(inject_dir, name);
  cleanup_free char *from = NULL;
  const char *dir = file_url_path(base);

  if (dir != NULL) {
    from = s2i_fs_join(dir, name);
    if (!s2i_fs_exists(from))
      return 0;
    return copy_script(NULL, from, to, err) < 0 ? -1 : 1;
  }
  if (!is_http_url(base))
    return s2i_error_make(err, 0, "%s %s: use image://, file:// or http(s)://",
                          what, base);
  from =
      xasprintf("%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", name);
  return download_script(from, to, err);
}

static void set_script(struct s2i_script *s, const char *dir, const char *name,
                       const char *origin, int injected)
{
  s->path = s2i_fs_join(dir, name);
  s->origin = xstrdup(origin);
  s->injected = injected;
}

/* A regular file at path inside the image?  Without layer dirs (the
 * --as-dockerfile case, where the image is not unpacked) trust the label. */
static int image_has(const struct s2i_strv *lowers, const char *path)
{
  cleanup_free char *host = NULL;
  struct stat st;

  if (lowers == NULL)
    return 1;
  host = s2i_rootpath_resolve(lowers, path);
  return host && lstat(host, &st) == 0 && S_ISREG(st.st_mode);
}

/* One script from url (image://, file:// or http(s)://); what names the
 * option or label the URL came from, for errors. */
static int resolve_from_url(struct s2i_script *s, const char *name,
                            const char *url, const char *what,
                            const struct s2i_scripts_opts *o,
                            struct s2i_error **err)
{
  const char *img = image_url_path(url);
  cleanup_free char *p = NULL;
  int r;

  if (img != NULL) {
    p = s2i_fs_join(img, name);
    if (image_has(o->lowers, p))
      set_script(s, img, name, url, 0);
    return 0;
  }
  r = fetch_url_script(url, name, o->inject_dir, what, err);
  if (r > 0)
    set_script(s, o->inject_path, name, url, 1);
  return r < 0 ? -1 : 0;
}

/* .s2i/bin/NAME of the source, else the deprecated .sti/bin/NAME. */
static int resolve_from_source(struct s2i_script *s, const char *name,
                               const struct s2i_scripts_opts *o,
                               struct s2i_error **err)
{
  static const char *const dirs[] = {".s2i/bin", ".sti/bin"};

  for (size_t i = 0; i < 2 && s->path == NULL; i++) {
    cleanup_free char *rel = xasprintf("%s/%s", dirs[i], name);
    cleanup_free char *src = s2i_fs_join(o->source_dir, rel);
    cleanup_free char *to = NULL;
    cleanup_free char *origin = NULL;

    if (!s2i_fs_exists(src))
      continue;
    if (i > 0)
      s2i_log_warn(o->ctx,
                   "the source's .sti/bin/ is deprecated: move %s "
                   "to .s2i/bin/",
                   name);
    to = s2i_fs_join(o->inject_dir, name);
    if (copy_script(o->source_dir, rel, to, err) < 0)
      return -1;
    origin = xasprintf("source %s", dirs[i]);
    set_script(s, o->inject_path, name, origin, 1);
  }
  return 0;
}

static const char *image_scripts_url(const struct s2i_scripts_opts *o)
{
  return o->image_scripts_url ? o->image_scripts_url
                              : S2I_DEFAULT_IMAGE_SCRIPTS_URL;
}

static int resolve_one(struct s2i_script *s, const char *name,
                       const struct s2i_scripts_opts *o, struct s2i_error **err)
{
  const char *label_from = NULL;
  const char *label = s2i_scripts_image_url(o->image, &label_from);

  if (o->scripts_url &&
      resolve_from_url(s, name, o->scripts_url, "--scripts-url", o, err) < 0)
    return -1;
  if (s->path == NULL && o->source_dir &&
      resolve_from_source(s, name, o, err) < 0)
    return -1;
  if (s->path == NULL && label &&
      resolve_from_url(s, name, label, label_from, o, err) < 0)
    return -1;
  if (s->path == NULL && resolve_from_url(s, name, image_scripts_url(o),
                                          "--image-scripts-url", o, err) < 0)
    return -1;
  /* --as-dockerfile (no layers to look in): as the original's Dockerfile
   * strategy, the builder is trusted to keep it in the default place */
  if (s->path == NULL && o->lowers == NULL &&
      resolve_from_url(s, name, S2I_DEFAULT_IMAGE_SCRIPTS_URL,
                       "the default image scripts dir", o, err) < 0)
    return -1;
  return 0;
}

static int missing_error(const char *name, const struct s2i_scripts_opts *o,
                         struct s2i_error **err)
{
  const char *from = NULL;
  const char *label = s2i_scripts_image_url(o->image, &from);

  return s2i_error_make(
      err, 0,
      "no %s script found (looked in --scripts-url %s, the source's "
      ".s2i/bin/, the builder's %s=%s, and --image-scripts-url %s)",
      name, o->scripts_url ? o->scripts_url : "(not given)",
      from ? from : "label io.openshift.s2i.scripts-url",
      label ? label : "(not set)", image_scripts_url(o));
}

static void warn_deprecated_label(const struct s2i_scripts_opts *o)
{
  const char *from = NULL;

  if (s2i_scripts_image_url(o->image, &from) &&
      strcmp(from, "io.openshift.s2i.scripts-url") != 0)
    s2i_log_warn(o->ctx,
                 "the builder sets its scripts URL with the deprecated %s; "
                 "use the label io.openshift.s2i.scripts-url",
                 from);
}

int s2i_scripts_resolve(struct s2i_scripts *out,
                        const struct s2i_scripts_opts *o,
                        struct s2i_error **err)
{
  cleanup_scripts struct s2i_scripts found = {0};

  memset(out, 0, sizeof(*out));
  if (s2i_fs_mkdir_p(o->inject_dir, 0755, err) < 0)
    return -1;
  warn_deprecated_label(o);
  for (int i = 0; i < S2I_SCRIPT_COUNT; i++)
    if (resolve_one(&found.s[i], script_names[i], o, err) < 0)
      return -1;
  if (found.s[S2I_SCRIPT_ASSEMBLE].path == NULL)
    return missing_error("assemble", o, err);
  if (found.s[S2I_SCRIPT_RUN].path == NULL)
    return missing_error("run", o, err);
  *out = found;
  memset(&found, 0, sizeof(found)); /* handed out */
  return 0;
}

int s2i_scripts_resolve_one(struct s2i_script *out, enum s2i_script_id id,
                            const struct s2i_scripts_opts *o,
                            struct s2i_error **err)
{
  memset(out, 0, sizeof(*out));
  if (s2i_fs_mkdir_p(o->inject_dir, 0755, err) < 0)
    return -1;
  return resolve_one(out, script_names[id], o, err);
}

void s2i_scripts_free(struct s2i_scripts *s)
{
  for (int i = 0; i < S2I_SCRIPT_COUNT; i++) {
    free(s->s[i].path);
    free(s->s[i].origin);
    s->s[i].path = s->s[i].origin = NULL;
  }
}
