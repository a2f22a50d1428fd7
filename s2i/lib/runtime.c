#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "env.h"
#include "fs.h"
#include "layer_writer.h"
#include "log.h"
#include "rootpath.h"
#include "xalloc.h"

#define NSS_NAME "libnss_s2i.so.2"
#define PASSWD_ORIG "/etc/passwd.s2i-orig"
#define PASSWD_ID_DIR "tmp/s2i-id"
#define PASSWD_LINK_TARGET "/tmp/s2i-id/passwd"

/* Where glibc's libc.so.6 lives, most specific first: usr-merged images
 * reach /lib only through a symlink, which s2i_rootpath_find does not take. */
static const char *const libc_dirs[] = {"/usr/lib/x86_64-linux-gnu",
                                        "/lib/x86_64-linux-gnu",
                                        "/usr/lib64",
                                        "/lib64",
                                        "/usr/lib",
                                        "/lib",
                                        NULL};
static const char *const musl_loaders[] = {
    "/lib/ld-musl-x86_64.so.1", "/usr/lib/ld-musl-x86_64.so.1", NULL};

static const char default_nsswitch[] =
    "# Written by s2i: the image had no nsswitch.conf.\n"
    "passwd:     files s2i\n"
    "group:      files\n"
    "shadow:     files\n"
    "hosts:      files dns\n"
    "networks:   files\n"
    "protocols:  files\n"
    "services:   files\n"
    "ethers:     files\n"
    "rpc:        files\n";

/* ---- nsswitch.conf ------------------------------------------------------ */

static int has_word(const char *s, size_t n, const char *word)
{
  size_t wl = strlen(word);

  for (size_t i = 0; i + wl <= n; i++) {
    int starts = i == 0 || strchr(" \t", s[i - 1]);
    int ends = i + wl == n || strchr(" \t", s[i + wl]);
    if (starts && ends && strncmp(s + i, word, wl) == 0)
      return 1;
  }
  return 0;
}

/* One line of the file (n bytes, no newline), rewritten into out. */
static void nsswitch_line(struct s2i_strv *out, const char *line, size_t n,
                          int *seen)
{
  size_t skip = strspn(line, " \t");
  size_t body = strcspn(line, "#\n");
  size_t trimmed = body;

  if (n - skip < 7 || strncmp(line + skip, "passwd:", 7) != 0) {
    s2i_strv_take(out, xstrndup(line, n));
    return;
  }
  *seen = 1;
  if (has_word(line, body, "s2i")) {
    s2i_strv_take(out, xstrndup(line, n));
    return;
  }
  while (trimmed > 0 && strchr(" \t", line[trimmed - 1]))
    trimmed--;
  s2i_strv_addf(out, "%.*s s2i%s%.*s", (int)trimmed, line, body < n ? " " : "",
                (int)(n - body), line + body);
}

static char *join_lines(const struct s2i_strv *lines)
{
  size_t len = 1;
  char *text, *p;

  for (size_t i = 0; i < lines->n; i++)
    len += strlen(lines->v[i]) + 1;
  p = text = xmalloc(len);
  for (size_t i = 0; i < lines->n; i++) {
    size_t l = strlen(lines->v[i]);
    memcpy(p, lines->v[i], l);
    p[l] = '\n';
    p += l + 1;
  }
  *p = '\0';
  return text;
}

char *s2i_runtime_nsswitch(const char *orig)
{
  cleanup_strv struct s2i_strv lines = S2I_STRV_INIT;
  int seen = 0;

  if (orig == NULL)
    return xstrdup(default_nsswitch);
  for (const char *p = orig; *p;) {
    size_t n = strcspn(p, "\n");
    nsswitch_line(&lines, p, n, &seen);
    p += n + (p[n] == '\n');
  }
  if (!seen)
    s2i_strv_add(&lines, "passwd: files s2i");
  return join_lines(&lines);
}

/* ---- reading the image -------------------------------------------------- */

char *s2i_runtime_libc_dir(const struct s2i_strv *lower_dirs)
{
  for (size_t i = 0; musl_loaders[i]; i++) {
    cleanup_free char *m = s2i_rootpath_find(lower_dirs, musl_loaders[i]);
    if (m != NULL)
      return NULL;
  }
  for (size_t i = 0; libc_dirs[i]; i++) {
    cleanup_free char *path = xasprintf("%s/libc.so.6", libc_dirs[i]);
    cleanup_free char *host = s2i_rootpath_find(lower_dirs, path);
    if (host != NULL)
      return xstrdup(libc_dirs[i]);
  }
  return NULL;
}

/* The host path of an image file, following the image's own symlinks
 * inside the image (never on the host); NULL when absent or dangling. */

/* Contents of an image file; *out NULL when the image has none. */
static int read_image_file(char **out, const struct s2i_strv *lower_dirs,
                           const char *path, struct s2i_error **err)
{
  cleanup_free char *host = s2i_rootpath_resolve(lower_dirs, path);
  struct stat st;

  *out = NULL;
  if (host == NULL || stat(host, &st) < 0 || !S_ISREG(st.st_mode))
    return 0;
  if (s2i_fs_read_file(out, NULL, host, err) < 0)
    return s2i_error_prefix(err, "image file %s", path);
  return 0;
}

/* ---- composing the layer ------------------------------------------------ */

/* Give dir the metadata of the image's directory at rel: a directory entry
 * in a layer replaces mode and owner of the one below. */
static int match_image_dir(const char *dir, const struct s2i_strv *lower_dirs,
                           const char *rel, mode_t fallback,
                           struct s2i_error **err)
{
  cleanup_free char *abs = xasprintf("/%s", rel);
  cleanup_free char *host = s2i_rootpath_find(lower_dirs, abs);
  struct stat st;

  if (host == NULL || lstat(host, &st) < 0) {
    if (chmod(dir, fallback) < 0)
      return s2i_error_make(err, errno, "chmod %s", dir);
    return 0;
  }
  if (!S_ISDIR(st.st_mode))
    return s2i_error_make(
        err, ENOTDIR, "runtime layer: image path %s is not a directory", abs);
  if (chmod(dir, st.st_mode & 07777) < 0)
    return s2i_error_make(err, errno, "chmod %s", dir);
  if (geteuid() == 0 && lchown(dir, st.st_uid, st.st_gid) < 0)
    return s2i_error_make(err, errno, "chown %s", dir);
  return 0;
}

/* mkdir -p dest/rel, each new directory like the image's. */
static int ensure_dir(const char *dest, const struct s2i_strv *lower_dirs,
                      const char *rel, mode_t fallback, struct s2i_error **err)
{
  cleanup_free char *r = xstrdup(rel);
  char *s = r;

  while (s != NULL) {
    cleanup_free char *dir = NULL;
    s = strchr(s, '/');
    if (s)
      *s = '\0';
    dir = s2i_fs_join(dest, r);
    if (!s2i_fs_is_dir(dir)) {
      if (mkdir(dir, 0755) < 0)
        return s2i_error_make(err, errno, "create directory %s", dir);
      if (match_image_dir(dir, lower_dirs, r, fallback, err) < 0)
        return -1;
    }
    if (s)
      *s++ = '/';
  }
  return 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode,
                     struct s2i_error **err)
{
  cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
  cleanup_close int out = -1;

  if (in < 0)
    return s2i_error_make(err, errno, "open %s", src);
  out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0)
    return s2i_error_make(err, errno, "create %s", dst);
  if (s2i_fs_copy_fd(in, out) < 0)
    return s2i_error_make(err, errno, "copy %s to %s", src, dst);
  if (fchmod(out, mode) < 0)
    return s2i_error_make(err, errno, "chmod %s", dst);
  return 0;
}

static int write_text(const char *dest, const char *rel, const char *text,
                      struct s2i_error **err)
{
  cleanup_free char *path = s2i_fs_join(dest, rel);

  return s2i_fs_write_file_atomic(path, text, strlen(text), 0644, err);
}

static int copy_tree(const char *src_root, const char *rel, const char *dest,
                     const struct s2i_strv *lower_dirs, struct s2i_error **err);

static int copy_entry(const char *src_root, const char *rel, const char *dest,
                      const struct s2i_strv *lower_dirs, struct s2i_error **err)
{
  cleanup_free char *src = s2i_fs_join(src_root, rel);
  cleanup_free char *dst = s2i_fs_join(dest, rel);
  char target[PATH_MAX];
  struct stat st;
  ssize_t n;

  if (lstat(src, &st) < 0)
    return s2i_error_make(err, errno, "runtime files: stat %s", src);
  if (S_ISDIR(st.st_mode)) /* made when a file needs it: no empty dirs */
    return copy_tree(src_root, rel, dest, lower_dirs, err);
  if (strchr(rel, '/') != NULL) {
    cleanup_free char *parent = xstrndup(rel, strrchr(rel, '/') - rel);
    if (ensure_dir(dest, lower_dirs, parent, 0755, err) < 0)
      return -1;
  }
  if (S_ISREG(st.st_mode))
    return copy_file(src, dst, st.st_mode & 0777, err);
  if (!S_ISLNK(st.st_mode))
    return s2i_error_make(err, 0, "runtime files: %s: unsupported file type",
                          src);
  n = readlink(src, target, sizeof(target) - 1);
  if (n < 0)
    return s2i_error_make(err, errno, "runtime files: readlink %s", src);
  target[n] = '\0';
  if (symlink(target, dst) < 0)
    return s2i_error_make(err, errno, "create symlink %s", dst);
  return 0;
}

/* Copy src_root/rel's children (rel "" for the root), leaving out the
 * staging directory of the NSS module. */
static int copy_tree(const char *src_root, const char *rel, const char *dest,
                     const struct s2i_strv *lower_dirs, struct s2i_error **err)
{
  cleanup_free char *src = s2i_fs_join(src_root, rel);
  cleanup_dir DIR *d = opendir(src);
  struct dirent *de;

  if (d == NULL)
    return s2i_error_make(err, errno, "runtime files: open %s", src);
  while ((de = readdir(d)) != NULL) {
    cleanup_free char *child = NULL;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
    if (strcmp(child, "usr/lib/s2i-runtime") == 0)
      continue;
    if (copy_entry(src_root, child, dest, lower_dirs, err) < 0)
      return -1;
  }
  return 0;
}

static int add_glibc_identity(const char *dest, const struct s2i_strv *lower,
                              const char *runtime_root, const char *libc_dir,
                              struct s2i_error **err)
{
  cleanup_free char *nss = s2i_fs_join(runtime_root, S2I_RUNTIME_NSS_STAGED);
  cleanup_free char *nss_dst = NULL;
  cleanup_free char *orig = NULL;
  cleanup_free char *conf = NULL;

  if (!s2i_fs_exists(nss))
    return s2i_error_make(err, ENOENT, "runtime files: %s", nss);
  if (ensure_dir(dest, lower, libc_dir + 1, 0755, err) < 0)
    return -1;
  nss_dst = xasprintf("%s%s/%s", dest, libc_dir, NSS_NAME);
  if (copy_file(nss, nss_dst, 0644, err) < 0)
    return -1;
  if (read_image_file(&orig, lower, "/etc/nsswitch.conf", err) < 0 ||
      ensure_dir(dest, lower, "etc", 0755, err) < 0)
    return -1;
  conf = s2i_runtime_nsswitch(orig);
  return write_text(dest, "etc/nsswitch.conf", conf, err);
}

/* No NSS to plug into: /etc/passwd leads to /tmp/s2i-id/passwd, which the
 * init points at the file it writes.  The image has a real copy there,
 * in a root:0 0775 directory without sticky bit, so that a runtime reading
 * or appending to /etc/passwd at creation time (podman) finds a file, and
 * the init (group 0) can still replace the entry; a /tmp mount hides it
 * all and the init makes /tmp/s2i-id a symlink to its TMPDIR instead. */
static int add_passwd_link(const char *dest, const struct s2i_strv *lower,
                           struct s2i_error **err)
{
  cleanup_free char *orig = NULL;
  cleanup_free char *link = s2i_fs_join(dest, "etc/passwd");
  cleanup_free char *id_dir = s2i_fs_join(dest, PASSWD_ID_DIR);
  const char *text;

  if (read_image_file(&orig, lower, PASSWD_ORIG, err) < 0)
    return -1;
  if (orig == NULL && read_image_file(&orig, lower, "/etc/passwd", err) < 0)
    return -1;
  text = orig ? orig : "root:x:0:0:root:/root:/bin/sh\n";
  if (ensure_dir(dest, lower, "etc", 0755, err) < 0 ||
      write_text(dest, &PASSWD_ORIG[1], text, err) < 0 ||
      ensure_dir(dest, lower, "tmp", 01777, err) < 0)
    return -1;
  if (mkdir(id_dir, 0775) < 0 || chmod(id_dir, 0775) < 0 ||
      (geteuid() == 0 && lchown(id_dir, 0, 0) < 0))
    return s2i_error_make(err, errno, "create directory %s", id_dir);
  if (write_text(dest, &PASSWD_LINK_TARGET[1], text, err) < 0)
    return -1;
  if (symlink(PASSWD_LINK_TARGET, link) < 0)
    return s2i_error_make(err, errno, "create symlink %s", link);
  return 0;
}

int s2i_runtime_compose(const char *dest, const struct s2i_strv *lower_dirs,
                        const char *runtime_root, struct s2i_error **err)
{
  cleanup_free char *init = s2i_fs_join(runtime_root, S2I_RUNTIME_INIT);
  cleanup_free char *libc_dir = s2i_runtime_libc_dir(lower_dirs);

  if (!s2i_fs_exists(init))
    return s2i_error_make(err, ENOENT,
                          "runtime files: %s (build them with make, or set "
                          "S2I_RUNTIME_DIR; --no-runtime skips the layer)",
                          init);
  if (copy_tree(runtime_root, "", dest, lower_dirs, err) < 0)
    return -1;
  if (libc_dir != NULL)
    return add_glibc_identity(dest, lower_dirs, runtime_root, libc_dir, err);
  return add_passwd_link(dest, lower_dirs, err);
}

/* The newest mtime in a tree (no global state: no nftw). */
static void newest_in(const char *dir, int64_t *newest, int depth)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;

  while (d && depth < 32 && (de = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
        fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if ((int64_t)st.st_mtime > *newest)
      *newest = (int64_t)st.st_mtime;
    if (S_ISDIR(st.st_mode)) {
      cleanup_free char *sub = s2i_fs_join(dir, de->d_name);
      newest_in(sub, newest, depth + 1);
    }
  }
}

/* Without SOURCE_DATE_EPOCH the layer's times are clamped to the newest
 * runtime file's: the same runtime files on the same builder give the same
 * layer blob, so a rebuilt app shares it with the last build (in the store
 * and in the registry it is pushed to). */
static int64_t runtime_epoch(const char *runtime_root)
{
  int64_t newest = 0;

  newest_in(runtime_root, &newest, 0);
  return newest > 0 ? newest : -1;
}

int s2i_runtime_layer(const struct s2i_ctx *ctx, struct s2i_layer *out,
                      const struct s2i_strv *lower_dirs,
                      const char *runtime_root, int64_t source_date_epoch,
                      struct s2i_store *store, struct s2i_error **err)
{
  struct s2i_layer_write_opts opts = S2I_LAYER_WRITE_OPTS_INIT;
  cleanup_free char *tmp = s2i_store_tmp_dir(store);
  cleanup_free char *dir = NULL;
  struct s2i_error *ignored = NULL;
  int r;

  if (s2i_fs_mkdtemp(&dir, tmp, "runtime-", err) < 0)
    return -1;
  opts.source_date_epoch =
      source_date_epoch >= 0 ? source_date_epoch : runtime_epoch(runtime_root);
  /* the layer root stands for the image's /, never make it 0700 */
  r = chmod(dir, 0755) < 0 ? s2i_error_make(err, errno, "chmod %s", dir) : 0;
  if (r == 0)
    r = s2i_runtime_compose(dir, lower_dirs, runtime_root, err);
  if (r == 0)
    r = s2i_layer_write(ctx, out, dir, &opts, store, err);
  if (r < 0)
    s2i_error_prefix(err, "runtime layer");
  s2i_fs_rm_rf(dir, &ignored);
  s2i_error_free(ignored);
  return r;
}

/* ---- image config -------------------------------------------------------- */

void s2i_runtime_configure(struct s2i_image *img)
{
  json_t *cc = json_object_get(img->config, "config");
  json_t *ep = json_object_get(cc, "Entrypoint");
  cleanup_strv struct s2i_strv argv = S2I_STRV_INIT;
  const char *first = json_string_value(json_array_get(ep, 0));
  size_t i;
  json_t *v;

  s2i_image_set_env(img, "TMPDIR=" S2I_RUNTIME_TMPDIR);
  if (first != NULL && strcmp(first, S2I_RUNTIME_INIT) == 0)
    return;
  s2i_strv_add(&argv, S2I_RUNTIME_INIT);
  s2i_strv_add(&argv, "--");
  json_array_foreach(ep, i, v)
  {
    if (json_is_string(v))
      s2i_strv_add(&argv, json_string_value(v));
  }
  s2i_image_set_entrypoint(img, (const char *const *)argv.v);
}

/* The init's rule (builders/runtime/s2i_identity.h): $S2I_USER_NAME when
 * it is [A-Za-z0-9._-]{1,32} not starting with '-', else "default". */
static const char *exec_user(const struct s2i_strv *env)
{
  const char *n = s2i_env_get(env, "S2I_USER_NAME");
  size_t len = n ? strlen(n) : 0;

  if (len == 0 || len > 32 || n[0] == '-' ||
      strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789._-") != len)
    return "default";
  return n;
}

void s2i_runtime_exec_env(struct s2i_image *img)
{
  cleanup_strv struct s2i_strv env = S2I_STRV_INIT;
  const char *home;
  cleanup_free char *orig = NULL, *user = NULL;

  s2i_image_env(img, &env);
  home = s2i_env_get(&env, "HOME");
  if (home != NULL && home[0] == '/' && strcmp(home, S2I_RUNTIME_HOME) != 0) {
    orig = xasprintf("S2I_HOME_ORIG=%s", home);
    s2i_image_set_env(img, orig);
  }
  s2i_image_set_env(img, "HOME=" S2I_RUNTIME_HOME);
  user = xasprintf("USER=%s", exec_user(&env));
  s2i_image_set_env(img, user);
}

/* ---- where the runtime files are ------------------------------------------
 */

static char *exe_dir(void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  char *slash;

  if (n <= 0)
    return xstrdup(".");
  buf[n] = '\0';
  slash = strrchr(buf, '/');
  if (slash == buf)
    return xstrdup("/");
  *slash = '\0';
  return xstrdup(buf);
}

char *s2i_runtime_default_root(void)
{
  const char *env = getenv("S2I_RUNTIME_DIR");
  cleanup_free char *dir = NULL;
  char *p;

  if (env != NULL && *env != '\0')
    return xstrdup(env);
  dir = exe_dir();
  p = xasprintf("%s/../lib/s2i/runtime", dir);
  if (s2i_fs_is_dir(p))
    return p;
  free(p);
#ifdef S2I_RUNTIME_DEFAULT_DIR
  return xstrdup(S2I_RUNTIME_DEFAULT_DIR);
#else
  p = xasprintf("%s/../runtime/rootfs", dir);
  if (s2i_fs_is_dir(p))
    return p;
  free(p);
  return xasprintf("%s/../build/runtime/rootfs", dir);
#endif
}

int s2i_runtime_present(const struct s2i_image *img,
                        const struct s2i_strv *lower_dirs)
{
  json_t *cfg = json_object_get(img->config, "config");
  json_t *ep = json_object_get(cfg, "Entrypoint");
  cleanup_free char *init = NULL;

  if (!json_is_array(ep) || json_array_size(ep) == 0 ||
      strcmp(json_string_value(json_array_get(ep, 0)) ?: "",
             S2I_RUNTIME_INIT) != 0)
    return 0;
  init = s2i_rootpath_find(lower_dirs, S2I_RUNTIME_INIT);
  return init != NULL;
}

int s2i_runtime_add(const struct s2i_ctx *ctx, struct s2i_image *img,
                    const struct s2i_strv *lower_dirs, const char *runtime_root,
                    int64_t source_date_epoch, struct s2i_store *store,
                    struct s2i_error **err)
{
  cleanup_free char *root =
      runtime_root ? xstrdup(runtime_root) : s2i_runtime_default_root();
  struct s2i_layer layer = {0};

  if (s2i_runtime_present(img, lower_dirs)) {
    s2i_log_step(ctx, "The image carries the runtime already");
    s2i_runtime_configure(img);
    return 0;
  }
  s2i_log_step(ctx, "Adding the runtime layer (init, identity, temp dir)");
  if (s2i_runtime_layer(ctx, &layer, lower_dirs, root, source_date_epoch, store,
                        err) < 0)
    return -1;
  s2i_image_add_layer(img, &layer, "s2i runtime");
  free(layer.media_type);
  s2i_runtime_configure(img);
  return 0;
}
