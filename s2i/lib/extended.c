#include "extended.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifacts.h"
#include "cleanup.h"
#include "fs.h"
#include "layers.h"
#include "log.h"
#include "rootpath.h"
#include "transport.h"
#include "user.h"
#include "writer.h"
#include "xalloc.h"

/* ---- the mappings, as the original parses and checks them --------------- */

/* The characters pkg/api refuses in either half of a mapping. */
static const char invalid_chars[] = ";*?\"<>|%#$!+{}&[],'`";

/* Go's path.Clean: one slash, no "." items, ".." resolved lexically
 * (kept at the front of a relative path, dropped at the root). */
static char *go_clean(const char *p)
{
  int abs = p[0] == '/';
  char *out = xmalloc(strlen(p) + 2), *w = out;
  size_t keep = 0; /* leading ".." of a relative path cannot be undone */

  if (abs)
    *w++ = '/';
  while (*p) {
    size_t n = strcspn(p, "/");
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* nothing */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      if ((size_t)(w - out) > keep + (size_t)abs) {
        while (w > out + keep + abs && *--w != '/')
          ;
      } else if (!abs) {
        w += sprintf(w, "%s..", w > out ? "/" : "");
        keep = (size_t)(w - out);
      }
    } else {
      if (w > out + abs)
        *w++ = '/';
      memcpy(w, p, n);
      w += n;
    }
    p += n + (p[n] == '/');
  }
  if (w == out)
    *w++ = '.';
  *w = '\0';
  return out;
}

/* strings.Trim(s, `"'`) */
static char *trim_quotes(const char *s, size_t n)
{
  while (n > 0 && (*s == '"' || *s == '\''))
    s++, n--;
  while (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\''))
    n--;
  return xstrndup(s, n);
}

static int parse_item(struct s2i_artifact_map *m, const char *item, size_t n,
                      struct s2i_error **err)
{
  const char *colon = memrchr(item, ':', n);
  size_t sn = colon ? (size_t)(colon - item) : n;
  cleanup_free char *src = trim_quotes(item, sn);
  cleanup_free char *dest = colon ? trim_quotes(colon + 1, n - sn - 1) : NULL;

  if (n == 0)
    return s2i_error_make(err, 0,
                          "runtime artifact \"\": invalid format, must be "
                          "source:destination");
  m->src = go_clean(src);
  m->dest = go_clean(dest ? dest : "");
  if (strpbrk(m->src, invalid_chars) || strpbrk(m->dest, invalid_chars))
    return s2i_error_make(err, 0,
                          "runtime artifact \"%.*s\": invalid characters in "
                          "filename",
                          (int)n, item);
  return 0;
}

int s2i_extended_parse_artifacts(struct s2i_artifact_maps *out,
                                 const char *value, struct s2i_error **err)
{
  const char *p = value;

  for (;;) {
    size_t n = strcspn(p, ";");
    out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
    memset(&out->v[out->n], 0, sizeof(*out->v));
    if (parse_item(&out->v[out->n++], p, n, err) < 0)
      return -1;
    if (p[n] == '\0')
      return 0;
    p += n + 1;
  }
}

int s2i_extended_check_artifacts(const struct s2i_artifact_maps *m,
                                 struct s2i_error **err)
{
  for (size_t i = 0; i < m->n; i++) {
    const char *s = m->v[i].src, *d = m->v[i].dest;
    const char *why = s[0] != '/'                ? "source must be an "
                                                   "absolute path"
                      : strcmp(s, "/") == 0      ? "source cannot be /"
                      : d[0] == '/'              ? "destination must be a "
                                                   "relative path"
                      : strncmp(d, "..", 2) == 0 ? "destination cannot "
                                                   "start with '..'"
                                                 : NULL;
    if (why)
      return s2i_error_make(err, 0,
                            "invalid runtime artifacts mapping: \"%s\" -> "
                            "\"%s\": %s",
                            s, d, why);
  }
  return 0;
}

void s2i_artifact_maps_free(struct s2i_artifact_maps *m)
{
  for (size_t i = 0; i < m->n; i++) {
    free(m->v[i].src);
    free(m->v[i].dest);
  }
  free(m->v);
  m->v = NULL;
  m->n = 0;
}

/* ---- opening the runtime image ------------------------------------------ */

/* -a values, else the image's label (split at ';' too), then checked. */
static int find_maps(struct s2i_extended *x, const struct s2i_extended_opts *o,
                     struct s2i_error **err)
{
  const char *label = s2i_image_label(x->img, S2I_LABEL_ASSEMBLE_INPUT_FILES);

  for (size_t i = 0; o->artifacts && i < o->artifacts->n; i++)
    if (s2i_extended_parse_artifacts(&x->maps, o->artifacts->v[i], err) < 0)
      return s2i_error_prefix(err, "-a");
  if (x->maps.n == 0 && (label == NULL || *label == '\0'))
    return s2i_error_make(err, 0,
                          "no runtime artifacts to copy were specified: give "
                          "-a SRC[:DEST] or the label %s on the runtime "
                          "image %s",
                          S2I_LABEL_ASSEMBLE_INPUT_FILES, o->image);
  if (x->maps.n == 0 && s2i_extended_parse_artifacts(&x->maps, label, err) < 0)
    return s2i_error_prefix(err, "could not parse the %s label \"%s\" of %s",
                            S2I_LABEL_ASSEMBLE_INPUT_FILES, label, o->image);
  return s2i_extended_check_artifacts(&x->maps, err);
}

/* The USER the result runs as, held to the ranges as the builder's is. */
static int check_image_user(struct s2i_extended *x,
                            const struct s2i_extended_opts *o,
                            const struct s2i_uid_ranges *r,
                            struct s2i_error **err)
{
  const char *u = s2i_image_user(x->img);
  uid_t uid;
  gid_t gid;

  if (u == NULL || *u == '\0')
    return 0;
  if (!s2i_user_is_numeric(u))
    return s2i_error_make(err, 0,
                          "runtime image %s: USER \"%s\" is not numeric; "
                          "--allowed-uids needs a numeric user",
                          o->image, u);
  if (s2i_user_resolve(&uid, &gid, u, &x->lowers, err) < 0)
    return s2i_error_prefix(err, "runtime image %s", o->image);
  if (!s2i_user_in_ranges(r, uid))
    return s2i_error_make(err, 0,
                          "runtime image %s: USER %u is not in "
                          "--allowed-uids %s",
                          o->image, (unsigned)uid, o->allowed_uids);
  return 0;
}

/* --assemble-runtime-user, else the label, else USER, else 0; the
 * runtime image's users are held to --allowed-uids as the builder's. */
static int find_user(struct s2i_extended *x, const struct s2i_extended_opts *o,
                     struct s2i_error **err)
{
  const char *label = s2i_image_label(x->img, S2I_LABEL_ASSEMBLE_RUNTIME_USER);
  const char *image_user = s2i_image_user(x->img);
  const char *spec = o->user && *o->user         ? o->user
                     : label && *label           ? label
                     : image_user && *image_user ? image_user
                                                 : "0";
  cleanup_uid_ranges struct s2i_uid_ranges *r = NULL;

  if (s2i_user_resolve(&x->uid, &x->gid, spec, &x->lowers, err) < 0)
    return s2i_error_prefix(err, "runtime image %s", o->image);
  if (o->allowed_uids == NULL ||
      s2i_user_parse_ranges(&r, o->allowed_uids, err) < 0 || r == NULL)
    return o->allowed_uids && *err ? -1 : 0;
  if (!s2i_user_is_numeric(spec))
    return s2i_error_make(err, 0,
                          "runtime image %s: assemble-runtime user \"%s\" is "
                          "not numeric; --allowed-uids needs a numeric user",
                          o->image, spec);
  if (!s2i_user_in_ranges(r, x->uid))
    return s2i_error_make(err, 0,
                          "runtime image %s: assemble-runtime user %u is not "
                          "in --allowed-uids %s",
                          o->image, (unsigned)x->uid, o->allowed_uids);
  return check_image_user(x, o, r, err);
}

static int find_script(struct s2i_extended *x,
                       const struct s2i_extended_opts *o,
                       struct s2i_error **err)
{
  cleanup_free char *rel = s2i_fs_join(x->workdir, "scripts");
  cleanup_free char *dir = s2i_fs_join(x->upper, rel);
  struct s2i_scripts_opts so = {
      .scripts_url = o->scripts_url,
      .source_dir = o->source_dir,
      .image = x->img,
      .image_scripts_url = o->image_scripts_url,
      .lowers = &x->lowers,
      .inject_dir = dir,
      .inject_path = rel,
  };

  if (s2i_scripts_resolve_one(&x->script, S2I_SCRIPT_ASSEMBLE_RUNTIME, &so,
                              err) < 0)
    return -1;
  (void)rmdir(dir); /* empty unless a script was injected */
  if (x->script.path == NULL)
    return s2i_error_make(err, 0,
                          "runtime image %s: no assemble-runtime script found "
                          "(looked in --scripts-url, the source's .s2i/bin/, "
                          "its io.openshift.s2i.scripts-url label and "
                          "--image-scripts-url)",
                          o->image);
  if (x->script.injected) {
    cleanup_free char *f = s2i_fs_join(dir, "assemble-runtime");
    if (lchown(dir, x->uid, 0) < 0 || lchown(f, x->uid, 0) < 0)
      return s2i_error_make(err, errno, "chown %s", f);
  }
  return 0;
}

static int open_image(const struct s2i_ctx *ctx, struct s2i_extended *x,
                      const struct s2i_extended_opts *o, struct s2i_error **err)
{
  const char *wd;
  cleanup_free char *cfg = NULL;

  s2i_log_step(ctx, "Reading runtime image %s", o->image);
  if (s2i_transport_open_with(ctx, &x->img, o->image, o->store, o->ro, err) < 0)
    return s2i_error_prefix(err, "runtime image");
  cfg = s2i_writer_config_json(x->img);
  s2i_digest_buffer(cfg, strlen(cfg), x->config_id);
  s2i_log_step(ctx, "Unpacking %zu layer(s) of the runtime image",
               x->img->n_layers);
  if (s2i_layers_unpack(ctx, &x->lowers, x->img, o->store, err) < 0)
    return s2i_error_prefix(err, "runtime image %s", o->image);
  wd = s2i_image_workdir(x->img);
  x->workdir = xstrdup(wd && *wd ? wd : "/");
  return 0;
}

static int make_dirs(struct s2i_extended *x, const char *work,
                     struct s2i_error **err)
{
  x->upper = s2i_fs_join(work, "runtime-upper");
  x->ovlwork = s2i_fs_join(work, "runtime-ovlwork");
  if (mkdir(x->upper, 0755) < 0 || mkdir(x->ovlwork, 0700) < 0)
    return s2i_error_make(err, errno, "create %s", x->upper);
  if (s2i_rootpath_mirror_dirs(&x->lowers, x->upper, x->workdir, err) < 0)
    return s2i_error_prefix(err, "runtime image WORKDIR");
  return 0;
}

int s2i_extended_open(const struct s2i_ctx *ctx, struct s2i_extended *x,
                      const struct s2i_extended_opts *o, struct s2i_error **err)
{
  if (open_image(ctx, x, o, err) < 0 || find_maps(x, o, err) < 0 ||
      find_user(x, o, err) < 0 || make_dirs(x, o->work, err) < 0 ||
      find_script(x, o, err) < 0)
    return -1;
  for (size_t i = 0; i < x->maps.n; i++)
    s2i_log_debug(ctx, 1, "runtime artifact %s -> %s/%s", x->maps.v[i].src,
                  x->workdir, x->maps.v[i].dest);
  return 0;
}

void s2i_extended_free(struct s2i_extended *x)
{
  s2i_image_free(x->img);
  s2i_strv_free(&x->lowers);
  free(x->upper);
  free(x->ovlwork);
  free(x->workdir);
  s2i_artifact_maps_free(&x->maps);
  free(x->script.path);
  free(x->script.origin);
  memset(x, 0, sizeof(*x));
}

/* ---- the tar stream, written inside the builder's sandbox ---------------- */

static int say(const char *what, const char *path, const char *why)
{
  fprintf(stderr, "runtime artifact %s: %s%s%s\n", path, what,
          *what ? ": " : "", why);
  return 3;
}

/* 0644 or 0755 files, 0755 dirs: the original's upload (ChmodAdapter). */
static void normalise(struct archive_entry *e)
{
  mode_t type = archive_entry_filetype(e);

  if (type == AE_IFDIR)
    archive_entry_set_perm(e, 0755);
  else if (type == AE_IFREG)
    archive_entry_set_perm(e, (archive_entry_perm(e) & 0111) ? 0755 : 0644);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_uname(e, NULL);
  archive_entry_set_gname(e, NULL);
  archive_entry_set_hardlink(e, NULL);
}

static int copy_file(struct archive *a, struct archive_entry *e)
{
  const char *path = archive_entry_sourcepath(e);
  cleanup_close int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  char buf[65536];
  ssize_t n;

  if (fd < 0)
    return say("open", path, strerror(errno));
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    if (archive_write_data(a, buf, (size_t)n) < 0)
      return say("write", path, archive_error_string(a));
  return n < 0 ? say("read", path, strerror(errno)) : 0;
}

static int export_entry(struct archive *a, struct archive_entry *e,
                        const char *prefix, size_t srclen)
{
  const char *rel = archive_entry_pathname(e) + srclen;
  cleanup_free char *name = xasprintf("%s%s", prefix, rel);

  archive_entry_copy_sourcepath(e, archive_entry_pathname(e));
  archive_entry_set_pathname(e, name);
  normalise(e);
  if (archive_write_header(a, e) < ARCHIVE_WARN)
    return say("write", name, archive_error_string(a));
  if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
    return copy_file(a, e);
  return 0;
}

/* The parents that DEST adds, as directories of their own. */
static int export_dest_dirs(struct archive *a, const char *dest)
{
  cleanup_free char *d = xstrdup(dest);
  struct archive_entry *e;
  int r = 0;

  if (strcmp(dest, ".") == 0)
    return 0;
  for (char *p = d;; p++) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    e = archive_entry_new();
    archive_entry_set_pathname(e, d);
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    if (archive_write_header(a, e) < ARCHIVE_WARN)
      r = say("write", d, archive_error_string(a));
    archive_entry_free(e);
    if (r != 0 || c == '\0')
      return r;
    *p = c;
  }
}

static int export_one(struct archive *a, const struct s2i_artifact_map *m)
{
  struct archive *d = archive_read_disk_new();
  const char *base = strrchr(m->src, '/') + 1;
  cleanup_free char *prefix = strcmp(m->dest, ".") == 0
                                  ? xstrdup(base)
                                  : xasprintf("%s/%s", m->dest, base);
  struct stat st;
  int r = lstat(m->src, &st) < 0
              ? say("", m->src,
                    errno == ENOENT ? "no such file or directory in the "
                                      "builder image after assemble"
                                    : strerror(errno))
              : export_dest_dirs(a, m->dest);

  archive_read_disk_set_symlink_physical(d);
  archive_read_disk_set_behavior(d, ARCHIVE_READDISK_NO_XATTR |
                                        ARCHIVE_READDISK_NO_ACL |
                                        ARCHIVE_READDISK_NO_FFLAGS);
  if (r == 0 && archive_read_disk_open(d, m->src) != ARCHIVE_OK)
    r = say("open", m->src, archive_error_string(d));
  while (r == 0) {
    struct archive_entry *e = archive_entry_new();
    int rr = archive_read_next_header2(d, e);
    if (rr < ARCHIVE_WARN && rr != ARCHIVE_EOF)
      r = say("read", m->src, archive_error_string(d));
    if (rr == ARCHIVE_EOF || r != 0) {
      archive_entry_free(e);
      break;
    }
    archive_read_disk_descend(d); /* into a directory: no-op otherwise */
    r = export_entry(a, e, prefix, strlen(m->src));
    archive_entry_free(e);
  }
  archive_read_free(d);
  return r;
}

struct export
{
  const struct s2i_artifact_maps *maps;
  int fd;
};

static int export_main(void *arg)
{
  const struct export *x = arg;
  struct archive *a = archive_write_new();
  int r = 0;

  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_fd(a, x->fd) != ARCHIVE_OK)
    r = say("", "(stream)", archive_error_string(a));
  for (size_t i = 0; r == 0 && i < x->maps->n; i++)
    r = export_one(a, &x->maps->v[i]);
  if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
    r = say("", "(stream)", archive_error_string(a));
  archive_write_free(a);
  return r;
}

/* ---- extracting it into the runtime image's upper dir ------------------- */

struct job {
  const struct s2i_ctx *ctx;
  int fd;
  const char *dir;
  uid_t uid;
  int ret;
  struct s2i_error *err;
  const struct s2i_sandbox_opts *so; /* the caller's output callback */
  char said[1024];                   /* the export's last message */
};

/* The export's messages go where the caller's output goes; the last one
 * is kept for the error. */
static void on_output(const char *buf, size_t len, void *ctx)
{
  struct job *j = ctx;
  size_t n = len < sizeof(j->said) - 1 ? len : sizeof(j->said) - 1;

  memcpy(j->said, buf + len - n, n);
  j->said[n] = '\0';
  while (n > 0 && j->said[n - 1] == '\n')
    j->said[--n] = '\0';
  if (j->so->on_output)
    j->so->on_output(buf, len, j->so->output_ctx);
}

static void *extract_main(void *arg)
{
  struct job *j = arg;

  j->ret = s2i_artifacts_extract(j->ctx, j->fd, j->dir, j->uid, 0, &j->err);
  close(j->fd);
  return NULL;
}

static int judge(int status, struct job *j, struct s2i_error **err)
{
  if (j->ret < 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 3))
    return s2i_error_make(err, j->err->errnum, "runtime artifacts: %s",
                          j->err->msg);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && j->said[0])
    return s2i_error_make(err, 0, "%s", j->said);
  return s2i_error_make(err, 0,
                        "copying the runtime artifacts out of the builder "
                        "failed (wait status %d)",
                        status);
}

int s2i_extended_copy_artifacts(const struct s2i_ctx *ctx,
                                const struct s2i_extended *x,
                                const struct s2i_sandbox_opts *so,
                                struct s2i_error **err)
{
  cleanup_free char *dir = s2i_fs_join(x->upper, x->workdir);
  struct s2i_sandbox_opts eo = *so;
  struct export ex = {.maps = &x->maps};
  struct job j = {.ctx = ctx, .dir = dir, .uid = x->uid, .so = so};
  int fds[2], status = 0, ret;
  pthread_t t;

  if (pipe2(fds, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "create a pipe for the artifacts");
  j.fd = fds[0];
  ex.fd = STDOUT_FILENO; /* the sandbox's stdout is the pipe */
  if ((ret = pthread_create(&t, NULL, extract_main, &j)) != 0) {
    close(fds[0]);
    close(fds[1]);
    return s2i_error_make(err, ret, "start extracting the artifacts");
  }
  eo.uid = 0;
  eo.gid = 0;
  eo.argv = NULL;
  eo.fn = export_main;
  eo.fn_ctx = &ex;
  eo.stdout_fd = fds[1];
  eo.then_fn = NULL;
  eo.on_output = on_output;
  eo.output_ctx = &j;
  s2i_log_step(ctx, "Copying %zu runtime artifact(s) into %s", x->maps.n,
               x->workdir);
  ret = s2i_sandbox_run(ctx, &status, &eo, err);
  close(fds[1]);
  pthread_join(t, NULL);
  if (ret == 0)
    ret = judge(status, &j, err);
  s2i_error_free(j.err);
  return ret;
}

int s2i_extended_add_run(const struct s2i_extended *x, const char *data,
                         size_t len, char **path, struct s2i_error **err)
{
  cleanup_free char *rel = s2i_fs_join(x->workdir, "scripts");
  cleanup_free char *dir = s2i_fs_join(x->upper, rel);
  cleanup_free char *to = s2i_fs_join(dir, "run");

  if (s2i_fs_mkdir_p(dir, 0755, err) < 0)
    return -1;
  if (lchown(dir, x->uid, 0) < 0)
    return s2i_error_make(err, errno, "chown %s", dir);
  if (s2i_fs_write_file_atomic(to, data, len, 0755, err) < 0)
    return -1;
  if (lchown(to, x->uid, 0) < 0)
    return s2i_error_make(err, errno, "chown %s", to);
  *path = s2i_fs_join(rel, "run");
  return 0;
}
