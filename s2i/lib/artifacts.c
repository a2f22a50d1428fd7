#include "artifacts.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "env.h"
#include "fs.h"
#include "image.h"
#include "layers.h"
#include "log.h"
#include "refs.h"
#include "rootpath.h"
#include "sandbox.h"
#include "scripts.h"
#include "transport.h"
#include "user.h"
#include "xalloc.h"

/* ---- extracting the tar stream ------------------------------------------ */

/* Entries are renamed to absolute paths below the canonical (symlink-free)
 * target dir, so libarchive's symlink check covers every component without
 * a chdir: extraction runs on a thread beside the sandbox, and the working
 * directory is shared by the whole process.  No XATTR/ACL: a script's
 * output must not hand out file capabilities. */
static const int extract_flags =
    ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS;

struct extract {
  const struct s2i_ctx *ctx;
  struct archive *ar;
  struct archive *aw;
  const char *root; /* canonical target dir */
  uid_t uid;
  gid_t gid;
};

/* The name as the tar has it: absolute and ".." are refused here, since
 * the rewritten name is absolute on purpose. */
static int check_entry(struct archive_entry *e, struct s2i_error **err)
{
  const char *path = archive_entry_pathname(e);
  const char *link = archive_entry_hardlink(e);
  mode_t type = archive_entry_filetype(e);

  if (path == NULL)
    return s2i_error_make(err, 0, "artifacts: entry without a usable name");
  if (!s2i_fs_path_is_safe(path))
    return s2i_error_make(err, 0,
                          "artifacts: entry %s escapes the artifacts "
                          "directory (refused)",
                          path);
  if (link != NULL && !s2i_fs_path_is_safe(link))
    return s2i_error_make(err, 0,
                          "artifacts: hard link %s -> %s escapes the "
                          "artifacts directory (refused)",
                          path, link);
  if (link == NULL && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
    return s2i_error_make(err, 0,
                          "artifacts: entry %s is not a file, directory or "
                          "link (refused)",
                          path);
  return 0;
}

/* Below x->root, owned by the new assemble user, without set-id bits. */
static void rewrite_entry(const struct extract *x, struct archive_entry *e)
{
  cleanup_free char *path = s2i_fs_join(x->root, archive_entry_pathname(e));
  const char *link = archive_entry_hardlink(e);

  if (link != NULL) {
    cleanup_free char *to = s2i_fs_join(x->root, link);
    archive_entry_set_hardlink(e, to);
  }
  archive_entry_set_pathname(e, path);
  archive_entry_set_uid(e, x->uid);
  archive_entry_set_gid(e, x->gid);
  archive_entry_set_uname(e, NULL);
  archive_entry_set_gname(e, NULL);
  archive_entry_set_perm(e, archive_entry_perm(e) & 01777);
}

static int copy_data(const struct extract *x, const char *name,
                     struct s2i_error **err)
{
  const void *buf;
  size_t len;
  int64_t off;

  for (;;) {
    int r = archive_read_data_block(x->ar, &buf, &len, &off);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r < ARCHIVE_WARN)
      return s2i_error_archive(err, x->ar, "artifacts: entry %s: read", name);
    if (s2i_ctx_check_interrupt(x->ctx, err) < 0)
      return -1;
    if (archive_write_data_block(x->aw, buf, len, off) < ARCHIVE_OK)
      return s2i_error_archive(err, x->aw, "artifacts: entry %s: write", name);
  }
}

static int extract_entry(struct extract *x, struct archive_entry *e,
                         struct s2i_error **err)
{
  cleanup_free char *name = NULL;
  int r;

  if (check_entry(e, err) < 0)
    return -1;
  name = xstrdup(archive_entry_pathname(e));
  rewrite_entry(x, e);
  r = archive_write_header(x->aw, e);
  if (s2i_error_archive_disk_failed(x->aw, r))
    return s2i_error_archive(err, x->aw, "artifacts: entry %s (refused)", name);
  if (r == ARCHIVE_WARN)
    s2i_log_warn(x->ctx, "artifacts: entry %s: %s", name,
                 archive_error_string(x->aw));
  if (archive_entry_size(e) > 0 && copy_data(x, name, err) < 0)
    return -1;
  if (s2i_error_archive_disk_failed(x->aw, archive_write_finish_entry(x->aw)))
    return s2i_error_archive(err, x->aw, "artifacts: entry %s", name);
  return 0;
}

static int extract_entries(struct extract *x, struct s2i_error **err)
{
  struct archive_entry *e;

  for (;;) {
    int r = archive_read_next_header(x->ar, &e);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return s2i_error_archive(err, x->ar, "artifacts: read the tar stream");
    if (s2i_ctx_check_interrupt(x->ctx, err) < 0 ||
        extract_entry(x, e, err) < 0)
      return -1;
  }
}

/* tar pads its output past the end-of-archive blocks: read it all, so the
 * writer does not die of SIGPIPE after a good archive. */
static void drain(int fd)
{
  char buf[8192];
  ssize_t n;

  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    ;
}

int s2i_artifacts_extract(const struct s2i_ctx *ctx, int fd, const char *dir,
                          uid_t uid, gid_t gid, struct s2i_error **err)
{
  cleanup_free char *root = realpath(dir, NULL);
  struct extract x = {.ctx = ctx, .root = root, .uid = uid, .gid = gid};
  int ret;

  if (root == NULL)
    return s2i_error_make(err, errno, "artifacts: resolve %s", dir);
  x.ar = archive_read_new();
  x.aw = archive_write_disk_new();
  archive_read_support_format_tar(x.ar);
  archive_read_support_format_empty(x.ar);
  archive_write_disk_set_options(x.aw, extract_flags);
  if (archive_read_open_fd(x.ar, fd, 1 << 16) != ARCHIVE_OK)
    ret = s2i_error_archive(err, x.ar, "artifacts: open the tar stream");
  else
    ret = extract_entries(&x, err);
  /* close applies the deferred directory modes and times */
  if (archive_write_close(x.aw) != ARCHIVE_OK && ret == 0)
    ret = s2i_error_archive(err, x.aw, "artifacts: finish %s", dir);
  archive_read_free(x.ar);
  archive_write_free(x.aw);
  if (ret == 0)
    drain(fd);
  return ret;
}

/* ---- running save-artifacts in the previous image ----------------------- */

struct previous {
  const struct s2i_ctx *ctx;
  const struct s2i_artifacts_opts *o;
  char *ref;
  int from_registry; /* TAG, not in the store: pulled if it is there */
  struct s2i_image *img;
  struct s2i_strv lowers;
  char *tmp; /* throwaway upper + overlay work dir */
  char *upper;
  struct s2i_script script;
  uid_t uid;
  gid_t gid;
};

static void previous_free(struct previous *p)
{
  cleanup_error struct s2i_error *e = NULL;

  if (p->tmp && s2i_fs_rm_rf(p->tmp, &e) < 0)
    s2i_log_warn(p->ctx, "%s", e->msg);
  free(p->tmp);
  free(p->upper);
  free(p->script.path);
  free(p->script.origin);
  free(p->ref);
  s2i_image_free(p->img);
  s2i_strv_free(&p->lowers);
}

#define cleanup_previous __attribute__((cleanup(previous_free)))

/* --incremental-from, else the previous build's output if there is one:
 * the -o tarball, or without -o the store's TAG. */
static char *previous_ref(const struct s2i_ctx *ctx,
                          const struct s2i_artifacts_opts *o)
{
  char *name;

  if (o->from)
    return xstrdup(o->from);
  if (o->output && s2i_fs_exists(o->output))
    return xstrdup(o->output);
  if (o->output == NULL && o->tag &&
      (name = s2i_transport_store_name(o->store, o->tag)) != NULL)
    return name;
  /* TAG names a registry: the previous image may be there */
  if (o->output == NULL && o->tag && s2i_ref_names_host(o->tag) && o->ro &&
      o->ro->pull_policy != S2I_PULL_NEVER)
    return xstrdup(o->tag);
  s2i_log_step(ctx, "No previous image at %s: a clean build",
               o->output ? o->output
               : o->tag  ? o->tag
                         : "the output path");
  return NULL;
}

static int open_previous(struct previous *p, struct s2i_error **err)
{
  cleanup_free char *ovl = NULL;

  s2i_log_step(p->ctx, "Reading previous image %s", p->ref);
  if (s2i_transport_open_with(p->ctx, &p->img, p->ref, p->o->store, p->o->ro,
                              err) < 0)
    return s2i_error_prefix(err, "previous image");
  if (s2i_layers_unpack(p->ctx, &p->lowers, p->img, p->o->store, err) < 0)
    return s2i_error_prefix(err, "previous image %s", p->ref);
  if (s2i_fs_mkdtemp(&p->tmp, p->o->work, "artifacts-", err) < 0)
    return -1;
  p->upper = s2i_fs_join(p->tmp, "upper");
  ovl = s2i_fs_join(p->tmp, "ovlwork");
  if (mkdir(p->upper, 0755) < 0 || mkdir(ovl, 0700) < 0)
    return s2i_error_make(err, errno, "create %s", p->upper);
  return 0;
}

/* As s2i finds it: --scripts-url, then the image's label.  Injected ones
 * go to <destination>/scripts of the throwaway upper dir. */
static int find_script(struct previous *p, struct s2i_error **err)
{
  const char *dest;
  cleanup_free char *inject_path = NULL, *inject_dir = NULL;

  if (s2i_image_destination(&dest, p->img, NULL, err) < 0)
    return s2i_error_prefix(err, "previous image %s", p->ref);
  inject_path = s2i_fs_join(dest, "scripts");
  inject_dir = s2i_fs_join(p->upper, inject_path);
  if (s2i_rootpath_mirror_dirs(&p->lowers, p->upper, dest, err) < 0)
    return -1;
  return s2i_scripts_resolve_one(
      &p->script, S2I_SCRIPT_SAVE_ARTIFACTS,
      &(struct s2i_scripts_opts){
          .ctx = p->ctx,
          .scripts_url = p->o->scripts_url,
          .image = p->img,
          .image_scripts_url = p->o->image_scripts_url,
          .lowers = &p->lowers,
          .inject_dir = inject_dir,
          .inject_path = inject_path,
      },
      err);
}

/* The previous image's assemble user, held to --allowed-uids like the
 * builder's. */
static int resolve_user(struct previous *p, struct s2i_error **err)
{
  const char *spec = s2i_image_assemble_user(p->img, NULL);
  cleanup_uid_ranges struct s2i_uid_ranges *r = NULL;
  int allowed;

  if (s2i_user_resolve(&p->uid, &p->gid, spec, &p->lowers, err) < 0)
    return s2i_error_prefix(err, "previous image %s", p->ref);
  if (p->o->allowed_uids == NULL)
    return 0;
  if (s2i_user_parse_ranges(&r, p->o->allowed_uids, err) < 0)
    return -1;
  allowed = s2i_user_in_ranges(r, p->uid);
  if (!allowed)
    return s2i_error_make(err, 0,
                          "previous image %s: user %u is not in "
                          "--allowed-uids %s",
                          p->ref, (unsigned)p->uid, p->o->allowed_uids);
  return 0;
}

static int run_script(const struct previous *p, int out_fd, int *status,
                      struct s2i_error **err)
{
  cleanup_strv struct s2i_strv envp = S2I_STRV_INIT;
  cleanup_free char *ovl = s2i_fs_join(p->tmp, "ovlwork");
  const char *cwd = s2i_image_workdir(p->img);
  const char *argv[] = {p->script.path, NULL};

  s2i_image_env(p->img, &envp);
  s2i_env_add_defaults(&envp);
  return s2i_sandbox_run(p->ctx, status,
                         &(struct s2i_sandbox_opts){
                             .lowers = &p->lowers,
                             .upper = p->upper,
                             .work = ovl,
                             .uid = p->uid,
                             .gid = p->gid,
                             .argv = argv,
                             .envp = (const char *const *)envp.v,
                             .cwd = (cwd && *cwd) ? cwd : "/",
                             .network_none = p->o->network_none,
                             .policy = p->o->policy,
                             .stdin_fd = -1,
                             .stdout_fd = out_fd,
                         },
                         err);
}

/* The extraction thread: it owns the read end of the pipe. */
struct job {
  const struct s2i_ctx *ctx;
  int fd;
  const char *dir;
  uid_t uid;
  int ret;
  struct s2i_error *err;
};

static void *extract_main(void *arg)
{
  struct job *j = arg;

  j->ret = s2i_artifacts_extract(j->ctx, j->fd, j->dir, j->uid, 0, &j->err);
  close(j->fd); /* after a refusal the script gets SIGPIPE, not a hang */
  return NULL;
}

/* Killed by SIGPIPE, or a shell saying that one of its commands was. */
static int died_of_sigpipe(int status)
{
  return (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
         (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE);
}

/* A refused entry closes the pipe and the script then dies of SIGPIPE:
 * the refusal is the news.  Otherwise a failing script is, even when it
 * left half an archive. */
static int judge(const struct previous *p, int status, struct job *j,
                 struct s2i_error **err)
{
  int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  char how[64];

  if (j->ret < 0 && (ok || died_of_sigpipe(status)))
    return s2i_error_make(err, j->err->errnum, "previous image %s: %s: %s",
                          p->ref, p->script.path, j->err->msg);
  if (ok)
    return 0;
  if (WIFSIGNALED(status))
    snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
  else
    snprintf(how, sizeof(how), "failed with exit code %d", WEXITSTATUS(status));
  s2i_error_make(err, 0, "save-artifacts script %s of the previous image %s %s",
                 p->script.path, p->ref, how);
  return s2i_error_set_exit(err, S2I_EXIT_ASSEMBLE);
}

/* The script's stdout is a pipe, extracted as it arrives: the artifacts
 * (a whole pip cache) never sit in memory or in a temp file. */
static int stream_artifacts(const struct previous *p, struct s2i_error **err)
{
  struct job j = {.ctx = p->ctx, .dir = p->o->dir, .uid = p->o->uid};
  int fds[2], status = 0, ret;
  pthread_t t;

  if (pipe2(fds, O_CLOEXEC) < 0)
    return s2i_error_make(err, errno, "create a pipe for save-artifacts");
  j.fd = fds[0];
  ret = pthread_create(&t, NULL, extract_main, &j);
  if (ret != 0) {
    close(fds[0]);
    close(fds[1]);
    return s2i_error_make(err, ret, "start extracting the artifacts");
  }
  ret = run_script(p, fds[1], &status, err);
  close(fds[1]); /* the sandbox is gone: the extraction sees the end */
  pthread_join(t, NULL);
  if (ret < 0)
    s2i_error_prefix(err, "previous image %s: save-artifacts", p->ref);
  else
    ret = judge(p, status, &j, err);
  s2i_error_free(j.err);
  return ret;
}

static int make_target(const struct s2i_artifacts_opts *o,
                       struct s2i_error **err)
{
  if (mkdir(o->dir, 0755) < 0 && errno != EEXIST)
    return s2i_error_make(err, errno, "create %s", o->dir);
  if (lchown(o->dir, o->uid, 0) < 0)
    return s2i_error_make(err, errno, "chown %s", o->dir);
  return 0;
}

static int save_from(struct previous *p, struct s2i_error **err)
{
  if (open_previous(p, err) < 0) {
    if (!p->from_registry || *err == NULL)
      return -1;
    /* no TAG in its registry yet: the first build */
    s2i_log_step(p->ctx, "No previous image %s (%s): a clean build", p->ref,
                 (*err)->msg);
    s2i_error_free(*err);
    *err = NULL;
    return 0;
  }
  if (find_script(p, err) < 0)
    return -1;
  if (p->script.path == NULL) {
    s2i_log_step(p->ctx,
                 "Previous image %s has no save-artifacts script: a clean "
                 "build",
                 p->ref);
    return 0;
  }
  if (resolve_user(p, err) < 0 || make_target(p->o, err) < 0)
    return -1;
  s2i_log_step(p->ctx, "Saving artifacts of %s with %s as user %u", p->ref,
               p->script.path, (unsigned)p->uid);
  return stream_artifacts(p, err) < 0 ? -1 : 1;
}

int s2i_artifacts_save(const struct s2i_ctx *ctx,
                       const struct s2i_artifacts_opts *o,
                       struct s2i_error **err)
{
  cleanup_previous struct previous p = {
      .ctx = ctx, .o = o, .ref = previous_ref(ctx, o)};

  char *stored;

  if (p.ref == NULL)
    return 0;
  if (o->output == NULL && o->from == NULL) {
    stored = s2i_transport_store_name(o->store, o->tag);
    p.from_registry = stored == NULL;
    free(stored);
  }
  return save_from(&p, err);
}
