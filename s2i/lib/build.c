#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "artifacts.h"
#include "buildkey.h"
#include "callback.h"
#include "cleanup.h"
#include "dockerfile.h"
#include "env.h"
#include "extended.h"
#include "fixperms.h"
#include "fs.h"
#include "image.h"
#include "inject.h"
#include "labels.h"
#include "layer_writer.h"
#include "layers.h"
#include "log.h"
#include "onbuild.h"
#include "rootless.h"
#include "rootpath.h"
#include "runtime.h"
#include "sandbox.h"
#include "scripts.h"
#include "source.h"
#include "store.h"
#include "transport.h"
#include "user.h"
#include "volume.h"
#include "writer.h"
#include "xalloc.h"

#define TAIL_SIZE 4096

/* Everything one build holds; freed by build_free(). */
struct build {
  const struct s2i_ctx *ctx;
  const struct s2i_build_opts *o;
  struct s2i_store *store;
  char *work;  /* scratch dir under the store, removed at the end */
  int work_fd; /* its lock (s2i_store_scratch_claim); valid when work is */
  char *upper; /* overlay upper dir: becomes the new layer */
  struct s2i_image *img;
  struct s2i_strv lowers;
  uid_t uid;
  gid_t gid;
  int uid_folded;   /* fold_single_id() made uid 0 */
  const char *dest; /* io.openshift.s2i.destination */
  struct s2i_source *src;
  struct s2i_strv env; /* the build env, NAME=VALUE */
  struct s2i_scripts scripts;
  int64_t sde; /* SOURCE_DATE_EPOCH, -1 when unset */
  int echo;    /* copy the scripts' output to our stdout as it comes */
  struct s2i_strv fix_dirs; /* app dirs made group-0 writable after assemble */
  int fix_failed;           /* the sandbox's status is fix_permissions' */
  char tail[TAIL_SIZE];
  size_t tail_len;
  struct s2i_injection *inj; /* --inject, parsed */
  size_t n_inj;
  json_t *annot; /* annotations of the stored image (the cache key) */
  char builder_id[S2I_DIGEST_LEN + 1]; /* digest of the builder's config */
  char key[S2I_DIGEST_LEN + 1];        /* the build key, "" when none */
  struct s2i_extended rt; /* --runtime-image; after assemble, b's image */
  const char *ovlwork;    /* the overlay work dir's name under work */
  struct s2i_onbuild ob;  /* the builder's ONBUILD triggers */
  const char *tree;       /* what the build key digests: upper, or context */
  /* the sandbox policy of b's image: the options', less -v and --add-host
   * in a runtime image (the original gives those to assemble only) */
  const struct s2i_sandbox_policy *policy;
  struct s2i_sandbox_policy rt_policy;
};

static void build_free(struct build *b)
{
  cleanup_error struct s2i_error *e = NULL;

  if (b->work && b->o->save_temp_dir) {
    cleanup_free char *m = s2i_fs_join(b->work, S2I_SCRATCH_MARKER);
    unlink(m); /* kept: not a dead build's to sweep */
    s2i_log_info(b->ctx, "Temporary directory kept: %s", b->work);
  } else if (b->work && s2i_fs_rm_rf(b->work, &e) < 0)
    s2i_log_warn(b->ctx, "%s", e->msg);
  if (b->work && b->work_fd >= 0)
    close(b->work_fd); /* after the removal: never swept while in use */
  free(b->work);
  free(b->upper);
  s2i_image_free(b->img);
  s2i_strv_free(&b->lowers);
  s2i_source_free(b->src);
  s2i_strv_free(&b->env);
  s2i_strv_free(&b->fix_dirs);
  s2i_scripts_free(&b->scripts);
  s2i_store_free(b->store);
  for (size_t i = 0; i < b->n_inj; i++)
    s2i_injection_free(&b->inj[i]);
  free(b->inj);
  json_decref(b->annot);
  s2i_extended_free(&b->rt);
  s2i_onbuild_free(&b->ob);
}

#define cleanup_build __attribute__((cleanup(build_free)))

char *s2i_build_default_output(const char *tag)
{
  char *out = xasprintf("%s.tar", tag);

  for (char *p = out; *p; p++)
    if (*p == '/' || *p == ':')
      *p = '_';
  return out;
}

static int open_builder(struct build *b, int unpack, struct s2i_error **err)
{
  if (s2i_store_open_at(&b->store, b->o->store_dir, b->o->cache_dir, err) < 0)
    return -1;
  s2i_log_step(b->ctx, "Reading builder %s", b->o->builder);
  if (s2i_transport_open_with(b->ctx, &b->img, b->o->builder, b->store,
                              &b->o->ro, err) < 0)
    return s2i_error_prefix(err, "builder");
  {
    cleanup_free char *cfg = s2i_writer_config_json(b->img);
    s2i_digest_buffer(cfg, strlen(cfg), b->builder_id);
  }
  if (!unpack)
    return 0;
  s2i_log_step(b->ctx, "Unpacking %zu layer(s)", b->img->n_layers);
  if (s2i_layers_unpack(b->ctx, &b->lowers, b->img, b->store, err) < 0)
    return s2i_error_prefix(err, "builder %s", b->o->builder);
  return 0;
}

static int make_workdirs(struct build *b, struct s2i_error **err)
{
  cleanup_free char *tmp = s2i_store_tmp_dir(b->store);
  cleanup_free char *ovl = NULL;

  b->work_fd = -1;
  if (s2i_fs_mkdtemp(&b->work, tmp, "build-", err) < 0 ||
      (b->work_fd = s2i_store_scratch_claim(b->work, err)) < 0)
    return -1;
  b->upper = s2i_fs_join(b->work, "upper");
  ovl = s2i_fs_join(b->work, "ovlwork");
  if (mkdir(b->upper, 0755) < 0 || mkdir(ovl, 0700) < 0)
    return s2i_error_make(err, errno, "create %s", b->upper);
  return 0;
}

static int check_allowed(const char *what, const char *spec, uid_t uid,
                         const struct s2i_uid_ranges *r, const char *ranges,
                         struct s2i_error **err)
{
  if (!s2i_user_is_numeric(spec))
    return s2i_error_make(err, 0,
                          "%s \"%s\" is not numeric; --allowed-uids needs a "
                          "numeric user",
                          what, spec);
  if (!s2i_user_in_ranges(r, uid))
    return s2i_error_make(err, 0, "%s %u is not in --allowed-uids %s", what,
                          (unsigned)uid, ranges);
  return 0;
}

/* A rootless build with only the caller's id mapped (rootless.h) has no
 * other id to switch to: assemble runs as the namespace's root and what it
 * writes is owned by 0 in the image; the group-0 fix still runs. */
static void fold_single_id(struct build *b)
{
  if (b->uid == 0 || !s2i_rootless_single_id())
    return;
  s2i_log_debug(b->ctx, 1,
                "rootless, one id mapped: assemble user %u runs "
                "as uid 0",
                (unsigned)b->uid);
  b->uid = 0;
  b->gid = 0;
  b->uid_folded = 1;
}

/* --allowed-uids against the assemble user and the builder's USER. */
static int check_users(struct build *b, const char *spec,
                       struct s2i_error **err)
{
  const char *image_user = s2i_image_user(b->img);
  cleanup_uid_ranges struct s2i_uid_ranges *r = NULL;
  uid_t iu;
  gid_t ig;
  int ret;

  if (b->o->allowed_uids == NULL)
    return 0;
  if (s2i_user_parse_ranges(&r, b->o->allowed_uids, err) < 0)
    return -1;
  if (r == NULL) /* only empty ranges: as without --allowed-uids */
    return 0;
  ret =
      check_allowed("assemble user", spec, b->uid, r, b->o->allowed_uids, err);
  if (ret == 0 && image_user && *image_user) {
    ret = s2i_user_resolve(&iu, &ig, image_user, &b->lowers, err);
    if (ret == 0)
      ret = check_allowed("builder USER", image_user, iu, r, b->o->allowed_uids,
                          err);
  }
  return ret;
}

static int resolve_user(struct build *b, struct s2i_error **err)
{
  const char *spec = s2i_image_assemble_user(b->img, b->o->assemble_user);

  if (s2i_user_resolve(&b->uid, &b->gid, spec, &b->lowers, err) < 0)
    return s2i_error_prefix(err, "builder %s", b->o->builder);
  if (s2i_onbuild_parse(&b->ob, b->img, err) < 0 ||
      s2i_onbuild_check_users(&b->ob, b->o->allowed_uids, b->o->builder, err) <
          0)
    return s2i_error_prefix(err, "builder %s", b->o->builder);
  if (check_users(b, spec, err) < 0)
    return -1;
  /* after the checks: they are about the ids the builder asked for */
  fold_single_id(b);
  return 0;
}

static int mirror_image_dirs(struct build *b, const char *dest,
                             struct s2i_error **err)
{
  return s2i_rootpath_mirror_dirs(&b->lowers, b->upper, dest, err);
}

static int stage_source(struct build *b, const char *dir,
                        struct s2i_error **err)
{
  struct s2i_source_opts so = {
      .location = b->o->source,
      .ref = b->o->ref,
      .context_dir = b->o->context_dir,
      .copy = b->o->copy,
      .exclude = b->o->exclude,
      .uid = b->uid,
      .gid = 0,
      .scratch_dir = b->work,
      .ignore_submodules = b->o->ignore_submodules,
      .allow_local_submodules = b->o->allow_local_submodules,
  };

  s2i_log_step(b->ctx, "Copying sources from %s", b->o->source);
  if (s2i_source_stage(b->ctx, &b->src, &so, dir, err) < 0)
    return s2i_error_prefix(err, "source");
  s2i_log_debug(b->ctx, 1, "%ld files, %lld bytes", b->src->n_files,
                b->src->n_bytes);
  if (b->src->is_git)
    s2i_log_debug(b->ctx, 1, "commit %s (%s)", b->src->commit.id,
                  b->src->commit.message);
  if (b->sde >= 0 && s2i_fs_set_mtimes(dir, b->sde, err) < 0)
    return -1;
  return 0;
}

/* --incremental: the previous image's save-artifacts output, extracted
 * into <dest>/artifacts for assemble (see artifacts.h). */
static int restore_artifacts(struct build *b, struct s2i_error **err)
{
  cleanup_free char *dir = xasprintf("%s%s/artifacts", b->upper, b->dest);
  /* --incremental-pull-policy, else --pull-policy's */
  struct s2i_registry_opts iro = b->o->ro;
  struct s2i_artifacts_opts ao = {
      .from = b->o->incremental_from,
      .output = b->o->output,
      .tag = b->o->tag,
      .ro = &iro,
      .store = b->store,
      .scripts_url = b->o->scripts_url,
      .image_scripts_url = b->o->image_scripts_url,
      .allowed_uids = b->o->allowed_uids,
      .work = b->work,
      .dir = dir,
      .uid = b->uid,
      .network_none = b->o->network_none,
      .policy = &b->o->policy,
  };

  if (b->o->incremental_pull_policy_set)
    iro.pull_policy = b->o->incremental_pull_policy;

  if (!b->o->incremental)
    return 0;
  return s2i_artifacts_save(b->ctx, &ao, err) < 0 ? -1 : 0;
}

static int collect_env(struct build *b, const char *src_dir,
                       struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;

  /* the repository's file: a symlink in it must not read a host file */
  if (s2i_fs_read_beneath(&text, &len, src_dir, ".s2i/environment", 1, err) < 0)
    return s2i_error_prefix(err, "source");
  if (text && s2i_env_parse(&b->env, text, len, ".s2i/environment", err) < 0)
    return -1;
  for (size_t i = 0; i < b->o->env_files.n; i++)
    if (s2i_env_load_file(&b->env, b->o->env_files.v[i], 0, err) < 0)
      return -1;
  for (size_t i = 0; i < b->o->env.n; i++)
    if (s2i_env_set(&b->env, b->o->env.v[i], err) < 0)
      return s2i_error_prefix(err, "-e");
  return 0;
}

static int resolve_scripts(struct build *b, const char *src_dir,
                           const char *inject_dir, int have_lowers,
                           struct s2i_error **err)
{
  cleanup_free char *inject_path = s2i_fs_join(b->dest, "scripts");
  struct s2i_scripts_opts so = {
      .ctx = b->ctx,
      .scripts_url = b->o->scripts_url,
      .source_dir = src_dir,
      .image = b->img,
      .image_scripts_url = b->o->image_scripts_url,
      .lowers = have_lowers ? &b->lowers : NULL,
      .inject_dir = inject_dir,
      .inject_path = inject_path,
  };

  if (s2i_scripts_resolve(&b->scripts, &so, err) < 0)
    return -1;
  for (int i = 0; i < S2I_SCRIPT_COUNT; i++)
    if (b->scripts.s[i].path)
      s2i_log_debug(b->ctx, 1, "%s from %s", s2i_script_name(i),
                    b->scripts.s[i].origin);
  return 0;
}

/* Keep the last TAIL_SIZE bytes of assemble's output for the error. */
static void on_output(const char *buf, size_t len, void *ctx)
{
  struct build *b = ctx;

  if (b->echo) {
    (void)!fwrite(buf, 1, len, stdout);
    fflush(stdout);
  }
  if (len >= TAIL_SIZE) {
    memcpy(b->tail, buf + len - TAIL_SIZE, TAIL_SIZE);
    b->tail_len = TAIL_SIZE;
    return;
  }
  if (b->tail_len + len > TAIL_SIZE) {
    size_t drop = b->tail_len + len - TAIL_SIZE;
    memmove(b->tail, b->tail + drop, b->tail_len - drop);
    b->tail_len -= drop;
  }
  memcpy(b->tail + b->tail_len, buf, len);
  b->tail_len += len;
}

/* The last `lines` lines of the kept output. */
static const char *tail_lines(struct build *b, int lines)
{
  size_t i = b->tail_len;

  if (i < TAIL_SIZE)
    b->tail[i] = '\0';
  else
    b->tail[--i] = '\0';
  while (i > 0 && b->tail[i - 1] == '\n')
    b->tail[--i] = '\0';
  while (i > 0 && lines > 0)
    if (b->tail[--i] == '\n')
      lines--;
  return b->tail + (i > 0 ? i + 1 : 0);
}

static void assemble_env(struct build *b, struct s2i_strv *envp)
{
  s2i_image_env(b->img, envp);
  s2i_env_add_defaults(envp);
  for (size_t i = 0; i < b->env.n; i++)
    s2i_env_set(envp, b->env.v[i], NULL);
  if (b->sde >= 0)
    s2i_strv_addf(envp, "SOURCE_DATE_EPOCH=%lld", (long long)b->sde);
}

/* Inside the sandbox, as the assemble user: group-0 layout of app dirs. */
static int fix_permissions(void *ctx)
{
  const struct s2i_strv *dirs = ctx;
  struct s2i_error *err = NULL;

  for (size_t i = 0; i < dirs->n; i++) {
    if (s2i_fixperms_tree(dirs->v[i], &err) < 0) {
      fprintf(stderr, "fix-permissions: %s\n", err->msg);
      s2i_error_free(err);
      return 1;
    }
  }
  return 0;
}

/* The sandbox of b's image as it stands (the builder, or after assemble
 * the runtime image); the caller sets argv or fn. */
static void sandbox_opts(struct build *b, struct s2i_sandbox_opts *so,
                         const char *ovl)
{
  const char *cwd = s2i_image_workdir(b->img);

  *so = (struct s2i_sandbox_opts){
      .lowers = &b->lowers,
      .upper = b->upper,
      .work = ovl,
      .uid = b->uid,
      .gid = b->gid,
      .then_ctx = &b->fix_dirs,
      .then_failed = &b->fix_failed,
      .cwd = (cwd && *cwd) ? cwd : "/",
      .network_none = b->o->network_none,
      .policy = b->policy ? b->policy : &b->o->policy,
      .stdin_fd = -1,
      .stdout_fd = -1,
      .on_output = on_output,
      .output_ctx = b,
  };
}

static int run_in_sandbox(struct build *b, const char *const *argv,
                          int (*fn)(void *), void *fn_ctx,
                          struct s2i_error **err)
{
  cleanup_strv struct s2i_strv envp = S2I_STRV_INIT;
  cleanup_free char *ovl =
      s2i_fs_join(b->work, b->ovlwork ? b->ovlwork : "ovlwork");
  struct s2i_sandbox_opts so;
  int status = 0;

  sandbox_opts(b, &so, ovl);
  so.argv = argv;
  so.fn = fn;
  so.fn_ctx = fn_ctx;
  so.then_fn = (argv && b->fix_dirs.n) ? fix_permissions : NULL;
  assemble_env(b, &envp);
  so.envp = (const char *const *)envp.v;
  if (s2i_sandbox_run(b->ctx, &status, &so, err) < 0)
    return -1;
  return status;
}

/* argv in the sandbox as b stands; what names it in errors. */
static int run_command(struct build *b, const char *const *argv,
                       const char *what, struct s2i_error **err)
{
  char how[64];
  int status = run_in_sandbox(b, argv, NULL, NULL, err);

  if (status < 0)
    return -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (b->fix_failed) /* assemble succeeded; its own message is in the tail */
    return s2i_error_make(err, 0,
                          "fixing the group-0 permissions of %s after "
                          "assemble failed:\n%s",
                          b->fix_dirs.v[0], tail_lines(b, 3));
  if (WIFSIGNALED(status))
    snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
  else
    snprintf(how, sizeof(how), "failed with exit code %d", WEXITSTATUS(status));
  s2i_error_make(err, 0, "%s %s%s%s", what, how,
                 b->tail_len ? "; the last lines of its output:\n" : "",
                 b->tail_len ? tail_lines(b, 10) : "");
  return s2i_error_set_exit(err, S2I_EXIT_ASSEMBLE);
}

/* assemble, or assemble-runtime (what) in the runtime image. */
static int run_assemble(struct build *b, const char *path, const char *what,
                        struct s2i_error **err)
{
  const char *argv[] = {path, NULL};
  cleanup_free char *label = xasprintf("%s script %s", what, path);

  s2i_log_step(b->ctx, "Running %s as user %u", path, (unsigned)b->uid);
  return run_command(b, argv, label, err);
}

/* Append the items of a ':' or ',' separated list. */
static void add_list(struct s2i_strv *v, const char *list)
{
  while (list && *list) {
    size_t n = strcspn(list, ":,");
    if (n > 0)
      s2i_strv_take(v, xstrndup(list, n));
    list += n + (list[n] != '\0');
  }
}

/* The app dirs (WORKDIR, HOME, the io.s2i.fix-permissions label's list)
 * that get sclorg's group-0 layout, inside the assemble sandbox right
 * after assemble succeeds.  Nothing to do when assemble runs as root. */
static void collect_fix_dirs(struct build *b)
{
  cleanup_strv struct s2i_strv envp = S2I_STRV_INIT;
  const char *wd = s2i_image_workdir(b->img);
  const char *home;

  if (b->uid == 0 && !b->uid_folded)
    return;
  assemble_env(b, &envp);
  home = s2i_env_get(&envp, "HOME");
  if (wd && *wd && strcmp(wd, "/") != 0)
    s2i_strv_add(&b->fix_dirs, wd);
  if (home && strcmp(home, "/") != 0 && !s2i_strv_contains(&b->fix_dirs, home))
    s2i_strv_add(&b->fix_dirs, home);
  add_list(&b->fix_dirs, s2i_image_label(b->img, "io.s2i.fix-permissions"));
}

/* Take what the build must not leave behind out of the upper dir: the
 * injected scripts and the previous image's artifacts.  The source stays
 * at <destination>/src, as the original leaves it (builders'
 * save-artifacts scripts read it), unless --remove-source. */
static int strip_build_inputs(struct build *b, struct s2i_error **err)
{
  static const char *const leftovers[] = {"scripts", "artifacts", "src"};
  size_t n = sizeof(leftovers) / sizeof(leftovers[0]) - !b->o->remove_source;

  /* assemble may have swapped <destination> for a symlink to a host dir */
  if (s2i_fs_check_beneath(b->upper, b->dest, err) < 0)
    return s2i_error_prefix(err, "after assemble");
  for (size_t i = 0; i < n; i++) {
    cleanup_free char *rel = s2i_fs_join(b->dest, leftovers[i]);
    cleanup_free char *p = s2i_fs_join(b->upper, rel);
    if (s2i_fs_rm_rf(p, err) < 0)
      return -1;
  }
  return 0;
}

/* An injected run script must outlive the build: it becomes CMD. */
static int keep_injected_run(struct build *b, struct s2i_error **err)
{
  struct s2i_script *run = &b->scripts.s[S2I_SCRIPT_RUN];
  cleanup_free char *from = NULL, *to = NULL, *data = NULL;
  size_t len;

  if (!run->injected)
    return 0;
  from = xasprintf("%s/scripts/run", b->dest);
  if (mirror_image_dirs(b, S2I_INJECTED_RUN_DIR, err) < 0 ||
      s2i_fs_read_beneath(&data, &len, b->upper, from, 0, err) < 0)
    return -1;
  to = xasprintf("%s%s/run", b->upper, S2I_INJECTED_RUN_DIR);
  if (s2i_fs_write_file_atomic(to, data, len, 0755, err) < 0)
    return -1;
  free(run->path);
  run->path = xstrdup(S2I_INJECTED_RUN_DIR "/run");
  return 0;
}

/* The upper dir as the new layer; labels from <dir>/.s2i/image_metadata.json
 * (the destination's; the original reads /tmp's in a runtime image). */
static int commit_app_layer(struct build *b, const char *dir,
                            const char *created_by, struct s2i_error **err)
{
  struct s2i_layer_write_opts lo = S2I_LAYER_WRITE_OPTS_INIT;
  struct s2i_layer layer = {0};
  cleanup_free char *meta = xasprintf("%s/.s2i/image_metadata.json", dir);

  if (s2i_labels_load_metadata_at(b->img, b->upper, meta, err) < 0)
    return -1;
  lo.from_overlay_upper = 1;
  lo.source_date_epoch = b->sde;
  s2i_log_step(b->ctx, "Writing the application layer");
  if (s2i_layer_write(b->ctx, &layer, b->upper, &lo, b->store, err) < 0)
    return -1;
  s2i_image_add_layer(b->img, &layer, created_by);
  free(layer.media_type);
  return 0;
}

static int add_runtime(struct build *b, struct s2i_error **err)
{
  if (b->o->no_runtime)
    return 0;
  if (s2i_runtime_add(b->ctx, b->img, &b->lowers, b->o->runtime_dir, b->sde,
                      b->store, err) < 0)
    return -1;
  s2i_runtime_exec_env(b->img);
  return 0;
}

static void configure_image(struct build *b)
{
  const char *cmd[] = {b->scripts.s[S2I_SCRIPT_RUN].path, NULL};
  struct s2i_label_facts f = {
      .builder = b->o->builder,
      .location = b->o->source,
      .context_dir = b->o->context_dir,
      .commit = b->src->is_git ? &b->src->commit : NULL,
      .tag = b->o->tag,
      .display_name = b->o->display_name,
      .description = b->o->description,
      .extra = &b->o->labels,
  };

  if (b->ob.n == 0) /* ONBUILD: ENTRYPOINT ["./run"] and no CMD instead */
    s2i_image_set_cmd(b->img, cmd);
  for (size_t i = 0; i < b->env.n; i++)
    s2i_image_set_env(b->img, b->env.v[i]);
  s2i_labels_apply(b->img, &f);
}

/* -d, else the builder's label: an error names which was wrong. */
static int find_destination(struct build *b, struct s2i_error **err)
{
  if (s2i_image_destination(&b->dest, b->img, b->o->destination, err) < 0)
    return b->o->destination ? -1 : s2i_error_prefix(err, "builder");
  return 0;
}

static int push_result(struct build *b, struct s2i_error **err)
{
  char digest[S2I_DIGEST_LEN + 1];

  if (!b->o->push)
    return 0;
  s2i_log_step(b->ctx, "Pushing %s to %s", b->o->tag,
               b->o->push_dest ? b->o->push_dest : b->o->tag);
  if (s2i_registry_push(b->ctx, &b->o->ro, b->store, b->o->tag, b->o->push_dest,
                        digest, err) < 0)
    return -1;
  s2i_log_step(b->ctx, "Pushed %s", digest);
  return 0;
}

/* The original uploads an injection into DEST's parent, which must be a
 * directory of the builder (or of an earlier injection). */
static int inject_parent_exists(struct build *b,
                                const struct s2i_injection *inj,
                                struct s2i_error **err)
{
  cleanup_free char *parent = xstrdup(inj->dest);
  cleanup_free char *found = NULL, *up = NULL;

  *strrchr(parent, '/') = '\0';
  if (parent[0] == '\0')
    return 0;
  found = s2i_rootpath_resolve(&b->lowers, parent);
  up = s2i_fs_join(b->upper, parent);
  if ((found && s2i_fs_is_dir(found)) || s2i_fs_is_dir(up))
    return 0;
  return s2i_error_make(err, 0,
                        "--inject %s:%s: %s is not a directory in the "
                        "builder image",
                        inj->src, inj->dest, parent);
}

/* --inject: each directory copied in now, truncated after assemble. */
static int inject_inputs(struct build *b, struct s2i_error **err)
{
  const char *wd = s2i_image_workdir(b->img);

  b->inj = xcalloc(b->o->injections.n + 1, sizeof(*b->inj));
  for (size_t i = 0; i < b->o->injections.n; i++) {
    struct s2i_injection *inj = &b->inj[i];
    if (s2i_inject_parse(inj, b->o->injections.v[i], wd, err) < 0)
      return -1;
    b->n_inj++;
    s2i_log_step(b->ctx, "Injecting %s at %s", inj->src, inj->dest);
    if (inject_parent_exists(b, inj, err) < 0 ||
        mirror_image_dirs(b, inj->dest, err) < 0 ||
        s2i_inject_copy(b->ctx, inj, b->upper, b->uid, err) < 0)
      return -1;
  }
  return 0;
}

static int truncate_injected(struct build *b, struct s2i_error **err)
{
  for (size_t i = 0; i < b->n_inj; i++)
    if (s2i_inject_truncate(&b->inj[i], b->upper, err) < 0)
      return -1;
  return 0;
}

/* The manifest digest TAG names in the store now, or NULL. */
static char *stored_digest(struct build *b)
{
  cleanup_json json_t *index = NULL;
  cleanup_free char *name = s2i_store_tag_name(b->o->tag);
  struct s2i_error *e = NULL;
  json_t *d;

  if (s2i_store_index(b->store, &index, &e) < 0) {
    s2i_error_free(e);
    return NULL;
  }
  d = s2i_store_index_find(index, name);
  return d ? xstrdup(json_string_value(json_object_get(d, "digest"))) : NULL;
}

/* --rm (the original's removePreviousImageStep): after an incremental
 * build, the image TAG named before goes, when nothing else names it. */
static int remove_previous(struct build *b, const char *prev, const char *now,
                           struct s2i_error **err)
{
  struct s2i_prune_stats st;

  if (prev == NULL || strcmp(prev, now) == 0)
    return 0;
  if (s2i_store_remove_image(b->ctx, b->store, prev, &st, err) < 0)
    return -1;
  if (st.blobs > 0)
    s2i_log_step(b->ctx,
                 "Removed the previous image %.19s (%ld blobs, %lld "
                 "bytes)",
                 prev, st.blobs, (long long)st.blob_bytes);
  return 0;
}

static int store_output(struct build *b, char digest[S2I_DIGEST_LEN + 1],
                        struct s2i_error **err)
{
  int rm = b->o->remove_previous && b->o->incremental;
  cleanup_free char *prev = rm ? stored_digest(b) : NULL;

  s2i_log_step(b->ctx, "Storing image %s in %s", b->o->tag, b->store->root);
  if (s2i_writer_store_image(b->ctx, b->img, b->store, b->o->tag, b->annot,
                             digest, err) < 0)
    return -1;
  return rm ? remove_previous(b, prev, digest, err) : 0;
}

static int write_output(struct build *b, struct s2i_error **err)
{
  char digest[S2I_DIGEST_LEN + 1];

  /* without TAG (as the original allows) the image has no name: it is
   * only the tarball at -o, not recorded in the store */
  if (b->o->tag && store_output(b, digest, err) < 0)
    return -1;
  if (b->o->output) {
    s2i_log_step(b->ctx, "Writing image %s to %s",
                 b->o->tag ? b->o->tag : "(no tag)", b->o->output);
    if (s2i_writer_write_archive(b->ctx, b->img, b->store, b->o->tag,
                                 b->o->output, b->o->tag ? NULL : digest,
                                 err) < 0)
      return -1;
  }
  s2i_log_step(b->ctx, "Built %s (%s)",
               b->o->tag ? b->o->tag : "an image without a tag", digest);
  return push_result(b, err);
}

static int build_prepare_source(struct build *b, struct s2i_error **err)
{
  cleanup_free char *src = NULL, *inject = NULL;

  if (find_destination(b, err) < 0)
    return -1;
  if (mirror_image_dirs(b, b->dest, err) < 0)
    return -1;
  src = xasprintf("%s%s/src", b->upper, b->dest);
  inject = xasprintf("%s%s/scripts", b->upper, b->dest);
  if (stage_source(b, src, err) < 0 || restore_artifacts(b, err) < 0 ||
      collect_env(b, src, err) < 0 ||
      resolve_scripts(b, src, inject, 1, err) < 0 || inject_inputs(b, err) < 0)
    return -1;
  return lchown(inject, b->uid, 0) < 0
             ? s2i_error_make(err, errno, "chown %s", inject)
             : 0;
}

static json_t *strv_json(const struct s2i_strv *v)
{
  json_t *a = json_array();

  for (size_t i = 0; v && i < v->n; i++)
    json_array_append_new(a, json_string(v->v[i]));
  return a;
}

/* Everything but the staged tree that makes the image what it is. */
static json_t *build_facts(struct build *b)
{
  json_t *env = strv_json(&b->env);
  const struct s2i_build_opts *o = b->o;

#define S(x) ((x) ? json_string(x) : json_null())
  return json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, "
      "s:b, s:o, s:I, s:o, s:o}",
      "builder", b->builder_id, "builder_ref", S(o->builder), "tag", S(o->tag),
      "source", S(o->source), "ref", S(o->ref), "context_dir",
      S(o->context_dir), "exclude", S(o->exclude), "scripts_url",
      S(o->scripts_url), "assemble_user", S(o->assemble_user), "allowed_uids",
      S(o->allowed_uids), "commit",
      S(b->src && b->src->is_git ? b->src->commit.id : NULL), "copy", o->copy,
      "network_none", o->network_none, "no_runtime", o->no_runtime,
      "runtime_dir", S(o->runtime_dir), "sde", (json_int_t)b->sde, "env", env,
      "version", json_string("s2i-build-key-1"));
}

/* The facts, with the options of the original's flags that shape the
 * image too. */
static json_t *build_facts_all(struct build *b)
{
  json_t *f = build_facts(b);
  const struct s2i_build_opts *o = b->o;

  json_object_set_new(f, "image_scripts_url", S(o->image_scripts_url));
  json_object_set_new(f, "destination", S(o->destination));
  json_object_set_new(f, "display_name", S(o->display_name));
  json_object_set_new(f, "description", S(o->description));
  json_object_set_new(f, "remove_source", json_boolean(o->remove_source));
  if (o->policy.cap_drop) /* only when set: other builds keep their keys */
    json_object_set_new(f, "cap_drop",
                        json_integer((json_int_t)o->policy.cap_drop));
  if (o->policy.add_hosts && o->policy.add_hosts->n)
    json_object_set_new(f, "add_hosts", strv_json(o->policy.add_hosts));
  if (o->labels.n) /* only when set: other builds keep their keys */
    json_object_set_new(f, "labels", strv_json(&o->labels));
  if (o->runtime_image) { /* only then: other builds keep their keys */
    json_t *a = json_array();
    for (size_t i = 0; i < b->rt.maps.n; i++)
      json_array_append_new(
          a, json_sprintf("%s:%s", b->rt.maps.v[i].src, b->rt.maps.v[i].dest));
    json_object_set_new(f, "runtime",
                        json_pack("{s:s, s:s, s:o, s:I, s:s}", "image",
                                  b->rt.config_id, "ref", o->runtime_image,
                                  "artifacts", a, "uid", (json_int_t)b->rt.uid,
                                  "script", b->rt.script.path));
  }
  /* what assemble may reach and use changes what it makes */
  json_object_set_new(
      f, "sandbox",
      json_pack("{s:b, s:b, s:b, s:I, s:I, s:f, s:I}", "seccomp_unconfined",
                o->policy.seccomp_unconfined, "network_host",
                o->policy.network_host, "userns_host", o->policy.userns_host,
                "memory", (json_int_t)o->policy.memory, "pids",
                (json_int_t)o->policy.pids_limit, "cpus", o->policy.cpus,
                "timeout", (json_int_t)o->policy.timeout));
  return f;
#undef S
}

/* An unchanged rebuild: a stored image with this build's key is tagged
 * again instead of running assemble.  1 when that happened. */
static int reuse_stored(struct build *b, struct s2i_error **err)
{
  struct s2i_digest *d;
  char tree[S2I_DIGEST_LEN + 1];
  cleanup_json json_t *facts = NULL, *index = NULL;
  json_t *m, *hit = NULL;
  size_t i;

  /* what a volume holds is not in the key */
  if (b->o->incremental || (b->o->policy.volumes && b->o->policy.volumes->n))
    return 0;
  d = s2i_digest_new();
  if (s2i_buildkey_tree(d, b->tree ? b->tree : b->upper, err) < 0) {
    s2i_digest_final(d, tree);
    return -1;
  }
  s2i_digest_final(d, tree);
  facts = build_facts_all(b);
  s2i_buildkey_final(facts, tree, b->key);
  b->annot = json_pack("{s:s}", S2I_BUILDKEY_ANNOTATION, b->key);
  s2i_log_debug(b->ctx, 1, "build key %s", b->key);
  if (b->o->no_cache || b->o->tag == NULL) /* nothing to tag again */
    return 0;
  if (s2i_store_index(b->store, &index, err) < 0)
    return -1;
  json_array_foreach(json_object_get(index, "manifests"), i, m)
  {
    const char *k = json_string_value(json_object_get(
        json_object_get(m, "annotations"), S2I_BUILDKEY_ANNOTATION));
    if (k && strcmp(k, b->key) == 0)
      hit = m;
  }
  if (hit == NULL)
    return 0;
  json_object_set(b->annot, "hit", hit);
  return 1;
}

/* Tag the stored image again, export and push it as a build would. */
static int finish_reused(struct build *b, struct s2i_error **err)
{
  cleanup_json json_t *hit = json_incref(json_object_get(b->annot, "hit"));
  const char *digest = json_string_value(json_object_get(hit, "digest"));
  cleanup_free char *name = NULL;
  const char *was =
      json_string_value(json_object_get(json_object_get(hit, "annotations"),
                                        "org.opencontainers.image.ref.name"));

  if (s2i_writer_normalise_tag(&name, b->o->tag, err) < 0)
    return -1;
  s2i_log_step(b->ctx,
               "Unchanged since the build of %s (%.19s): reusing it, no "
               "assemble (--no-cache builds anyway)",
               was ? was : name, digest);
  json_object_del(b->annot, "hit");
  if (s2i_store_tag(b->store, name,
                    json_string_value(json_object_get(hit, "mediaType")),
                    digest, json_integer_value(json_object_get(hit, "size")),
                    b->annot, err) < 0)
    return -1;
  if (b->o->output) {
    cleanup_image struct s2i_image *img = NULL;
    s2i_log_step(b->ctx, "Writing image %s to %s", b->o->tag, b->o->output);
    if (s2i_transport_open_stored(b->ctx, &img, name, b->store, err) < 0 ||
        s2i_writer_write_archive(b->ctx, img, b->store, b->o->tag, b->o->output,
                                 NULL, err) < 0)
      return -1;
  }
  s2i_log_step(b->ctx, "Built %s (%s)", b->o->tag, digest);
  return push_result(b, err);
}

/* --runtime-image: opened, its mappings and user checked, before
 * assemble runs (the original's Prepare). */
static int open_runtime(struct build *b, struct s2i_error **err)
{
  struct s2i_registry_opts rro = b->o->ro;
  cleanup_free char *src = xasprintf("%s%s/src", b->upper, b->dest);
  struct s2i_extended_opts eo = {
      .image = b->o->runtime_image,
      .artifacts = &b->o->runtime_artifacts,
      .user = b->o->assemble_runtime_user,
      .allowed_uids = b->o->allowed_uids,
      .ro = &rro,
      .store = b->store,
      .work = b->work,
      .scripts_url = b->o->scripts_url,
      .source_dir = src,
      .image_scripts_url = b->o->image_scripts_url,
  };

  if (b->o->runtime_image == NULL)
    return 0;
  if (b->o->runtime_pull_policy_set)
    rro.pull_policy = b->o->runtime_pull_policy;
  return s2i_extended_open(b->ctx, &b->rt, &eo, err);
}

/* The run script in the runtime image: an injected one is uploaded to
 * <WORKDIR>/scripts/run as the original does; the builder's image:// one
 * is CMD as it is, so the runtime image must have it too. */
static int carry_run(struct build *b, struct s2i_error **err)
{
  struct s2i_script *run = &b->scripts.s[S2I_SCRIPT_RUN];
  cleanup_free char *from = NULL, *data = NULL, *host = NULL;
  size_t len;

  if (!run->injected) {
    host = s2i_rootpath_resolve(&b->rt.lowers, run->path);
    if (host == NULL)
      s2i_log_warn(b->ctx,
                   "the run script %s (CMD) is not in the runtime image %s",
                   run->path, b->o->runtime_image);
    return 0;
  }
  from = xasprintf("%s/scripts/run", b->dest);
  if (s2i_fs_read_beneath(&data, &len, b->upper, from, 0, err) < 0)
    return -1;
  free(run->path);
  run->path = NULL;
  return s2i_extended_add_run(&b->rt, data, len, &run->path, err);
}

/* From here on b is the runtime image: its layers, upper dir, user. */
static void switch_to_runtime(struct build *b)
{
  struct s2i_image *img = b->img;
  struct s2i_strv lowers = b->lowers;
  char *upper = b->upper;

  b->img = b->rt.img;
  b->rt.img = img;
  b->lowers = b->rt.lowers;
  b->rt.lowers = lowers;
  b->upper = b->rt.upper;
  b->rt.upper = upper;
  b->uid = b->rt.uid;
  b->gid = b->rt.gid;
  b->ovlwork = "runtime-ovlwork";
  b->rt_policy = b->o->policy;
  b->rt_policy.volumes = NULL;
  b->rt_policy.add_hosts = NULL;
  b->policy = &b->rt_policy;
  s2i_strv_free(&b->fix_dirs);
  collect_fix_dirs(b);
}

/* Artifacts out of the builder, into the runtime image, assemble-runtime
 * there, and its upper dir as the new layer. */
static int finish_extended(struct build *b, struct s2i_error **err)
{
  cleanup_free char *ovl = s2i_fs_join(b->work, "ovlwork");
  struct s2i_sandbox_opts so;

  if (s2i_fs_check_beneath(b->upper, b->dest, err) < 0)
    return s2i_error_prefix(err, "after assemble");
  sandbox_opts(b, &so, ovl);
  if (s2i_extended_copy_artifacts(b->ctx, &b->rt, &so, err) < 0 ||
      carry_run(b, err) < 0)
    return -1;
  switch_to_runtime(b);
  if (run_assemble(b, b->rt.script.path, "assemble-runtime", err) < 0)
    return -1;
  return commit_app_layer(b, "/tmp", "s2i assemble-runtime", err);
}

static int finish_plain(struct build *b, struct s2i_error **err)
{
  if (keep_injected_run(b, err) < 0 || strip_build_inputs(b, err) < 0)
    return -1;
  return commit_app_layer(b, b->dest, "s2i assemble", err);
}

/* ---- ONBUILD builders (the original's onbuild strategy) ---- */

static void split_and_expose(struct s2i_image *img, const char *ports)
{
  while (*(ports += strspn(ports, " \t"))) {
    size_t n = strcspn(ports, " \t");
    cleanup_free char *p = xstrndup(ports, n);
    s2i_image_expose(img, p);
    ports += n;
  }
}

/* assemble and run when fetched from outside the image (--scripts-url,
 * the source's .s2i/bin, a non-image:// label) go to the source's root,
 * where `RUN sh assemble` and ENTRYPOINT ["./run"] find them. */
static int onbuild_scripts(struct build *b, const char *context,
                           struct s2i_error **err)
{
  cleanup_free char *dir = s2i_fs_join(b->work, "onbuild-scripts");
  struct s2i_scripts_opts so = {
      .ctx = b->ctx,
      .scripts_url = b->o->scripts_url,
      .source_dir = context,
      .image = b->img,
      .image_scripts_url = b->o->image_scripts_url,
      .lowers = &b->lowers,
      .inject_dir = dir,
      .inject_path = "/",
  };
  static const enum s2i_script_id ids[] = {S2I_SCRIPT_ASSEMBLE, S2I_SCRIPT_RUN};

  for (size_t i = 0; i < 2; i++) {
    struct s2i_script *sc = &b->scripts.s[ids[i]];
    const char *name = s2i_script_name(ids[i]);
    cleanup_free char *from = s2i_fs_join(dir, name);
    cleanup_free char *to = s2i_fs_join(context, name);
    cleanup_free char *data = NULL;
    size_t len;
    if (s2i_scripts_resolve_one(sc, ids[i], &so, err) < 0)
      return -1;
    if (!sc->injected)
      continue;
    if (s2i_fs_read_file(&data, &len, from, err) < 0 ||
        s2i_fs_write_file_atomic(to, data, len, 0755, err) < 0)
      return -1;
  }
  return 0;
}

/* USER spec, resolved over the layers and what the triggers added. */
static int onbuild_user(struct build *b, const char *spec,
                        struct s2i_error **err)
{
  cleanup_strv struct s2i_strv dirs = S2I_STRV_INIT;

  for (size_t i = 0; i < b->lowers.n; i++)
    s2i_strv_add(&dirs, b->lowers.v[i]);
  s2i_strv_add(&dirs, b->upper);
  if (s2i_user_resolve(&b->uid, &b->gid, spec, &dirs, err) < 0)
    return s2i_error_prefix(err, "ONBUILD USER %s", spec);
  return 0;
}

static int onbuild_config(struct build *b, const struct s2i_onbuild_step *st,
                          struct s2i_error **err)
{
  cleanup_strv struct s2i_strv kv = S2I_STRV_INIT;
  int label = st->kind == S2I_ONBUILD_LABEL;

  if (st->kind == S2I_ONBUILD_EXPOSE) {
    split_and_expose(b->img, st->args);
    return 0;
  }
  if (s2i_onbuild_pairs(&kv, st->args, !label, err) < 0)
    return s2i_error_prefix(err, "ONBUILD %s", st->text);
  for (size_t i = 0; i < kv.n; i++) {
    char *eq = strchr(kv.v[i], '=');
    if (!label) {
      s2i_image_set_env(b->img, kv.v[i]);
      continue;
    }
    *eq = '\0';
    s2i_image_set_label(b->img, kv.v[i], eq + 1);
  }
  return 0;
}

static int onbuild_workdir(struct build *b, const char *dir,
                           struct s2i_error **err)
{
  const char *wd = s2i_image_workdir(b->img);
  cleanup_free char *p =
      dir[0] == '/' ? xstrdup(dir) : s2i_fs_join(wd && *wd ? wd : "/", dir);

  if (!s2i_fs_path_is_safe(p + 1) && strcmp(p, "/") != 0)
    return s2i_error_make(err, 0, "ONBUILD WORKDIR %s: climbs out", dir);
  s2i_image_set_workdir(b->img, p);
  return mirror_image_dirs(b, p, err);
}

/* The step with Docker's variable substitution done (not in RUN: its
 * shell does it); args and argv own the new strings. */
static void expand_step(const struct build *b,
                        const struct s2i_onbuild_step *raw,
                        struct s2i_onbuild_step *st, char **args,
                        struct s2i_strv *argv)
{
  *st = *raw;
  if (raw->kind == S2I_ONBUILD_RUN || raw->kind == S2I_ONBUILD_OTHER)
    return;
  *args = s2i_onbuild_expand(raw->args, b->img);
  st->args = *args;
  for (size_t i = 0; i < raw->argv.n; i++)
    s2i_strv_take(argv, s2i_onbuild_expand(raw->argv.v[i], b->img));
  st->argv = *argv;
}

static int onbuild_step(struct build *b, const struct s2i_onbuild_step *raw,
                        const char *context, struct s2i_error **err)
{
  cleanup_free char *args = NULL;
  cleanup_strv struct s2i_strv argv = S2I_STRV_INIT;
  struct s2i_onbuild_step expanded;
  const struct s2i_onbuild_step *st = &expanded;
  const char *sh[] = {"/bin/sh", "-c", raw->args, NULL};
  cleanup_free char *what = xasprintf("ONBUILD %s", raw->text);
  uid_t owner = 0;
  gid_t ignored;

  expand_step(b, raw, &expanded, &args, &argv);
  s2i_log_step(b->ctx, "ONBUILD %s", st->text);
  switch (st->kind) {
  case S2I_ONBUILD_RUN:
    return run_command(b, st->argv.n ? (const char *const *)st->argv.v : sh,
                       what, err);
  case S2I_ONBUILD_USER:
    s2i_image_set_user(b->img, st->args);
    return onbuild_user(b, st->args, err);
  case S2I_ONBUILD_WORKDIR: return onbuild_workdir(b, st->args, err);
  case S2I_ONBUILD_COPY:
    if (st->chown &&
        s2i_user_resolve(&owner, &ignored, st->chown, &b->lowers, err) < 0)
      return s2i_error_prefix(err, "%s", what);
    return s2i_onbuild_copy(st, context, b->upper, &b->lowers,
                            s2i_image_workdir(b->img), owner, err);
  case S2I_ONBUILD_OTHER:
    s2i_log_warn(b->ctx, "ONBUILD %s: not supported, ignored", st->text);
    return 0;
  default: return onbuild_config(b, st, err);
  }
}

/* The source in a context dir of its own (not <destination>/src: a
 * docker build puts it only where the triggers COPY it). */
static int onbuild_prepare(struct build *b, const char *context, char **entry,
                           struct s2i_error **err)
{
  const char *user = s2i_image_user(b->img);
  const char *wd = s2i_image_workdir(b->img);

  s2i_log_step(b->ctx,
               "The builder has %zu ONBUILD instruction(s): building as "
               "the original's onbuild strategy does",
               b->ob.n);
  if (find_destination(b, err) < 0 || stage_source(b, context, err) < 0 ||
      onbuild_scripts(b, context, err) < 0)
    return -1;
  *entry = s2i_onbuild_guess_entrypoint(context);
  if (*entry == NULL)
    return s2i_error_make(err, 0,
                          "no valid entrypoint specified: an ONBUILD builder "
                          "needs an executable run, start, exec or execute "
                          "(or NAME.sh) at the root of the source");
  b->tree = context;
  /* a docker build makes WORKDIR when missing; the triggers run as the
   * image's USER */
  if (wd && *wd && mirror_image_dirs(b, wd, err) < 0)
    return -1;
  return onbuild_user(b, user && *user ? user : "0", err);
}

static int build_onbuild(struct build *b, struct s2i_error **err)
{
  cleanup_free char *context = s2i_fs_join(b->work, "context");
  cleanup_free char *entry = NULL, *ep = NULL, *assemble = NULL;
  const char *sh[] = {"/bin/sh", "-c", "sh assemble", NULL};
  int r;

  if (onbuild_prepare(b, context, &entry, err) < 0)
    return -1;
  r = reuse_stored(b, err);
  if (r != 0)
    return r < 0 ? -1 : finish_reused(b, err);
  for (size_t i = 0; i < b->ob.n; i++)
    if (onbuild_step(b, &b->ob.v[i], context, err) < 0)
      return -1;
  if (collect_env(b, context, err) < 0)
    return -1;
  assemble = s2i_fs_join(context, "assemble");
  collect_fix_dirs(b);
  if (s2i_fs_exists(assemble) && run_command(b, sh, "RUN sh assemble", err) < 0)
    return -1;
  ep = xasprintf("./%s", entry);
  s2i_image_set_entrypoint(b->img, (const char *const[]){ep, NULL});
  s2i_image_set_cmd(b->img, NULL);
  if (commit_app_layer(b, b->dest, "s2i onbuild", err) < 0 ||
      add_runtime(b, err) < 0)
    return -1;
  configure_image(b);
  s2i_image_set_created(b->img, b->sde >= 0 ? b->sde : (int64_t)time(NULL));
  return write_output(b, err);
}

static int build_image(struct build *b, struct s2i_error **err)
{
  int r;

  if (open_builder(b, 1, err) < 0 || make_workdirs(b, err) < 0 ||
      resolve_user(b, err) < 0)
    return -1;
  if (b->ob.n > 0 && b->o->runtime_image)
    s2i_log_warn(b->ctx, "--runtime-image is not used with an ONBUILD "
                         "builder (as in the original)");
  if (b->ob.n > 0)
    return build_onbuild(b, err);
  if (build_prepare_source(b, err) < 0 || open_runtime(b, err) < 0)
    return -1;
  r = reuse_stored(b, err);
  if (r != 0)
    return r < 0 ? -1 : finish_reused(b, err);
  collect_fix_dirs(b);
  if (run_assemble(b, b->scripts.s[S2I_SCRIPT_ASSEMBLE].path, "assemble", err) <
          0 ||
      truncate_injected(b, err) < 0)
    return -1;
  r = b->o->runtime_image ? finish_extended(b, err) : finish_plain(b, err);
  if (r < 0 || add_runtime(b, err) < 0)
    return -1;
  configure_image(b);
  s2i_image_set_created(b->img, b->sde >= 0 ? b->sde : (int64_t)time(NULL));
  return write_output(b, err);
}

/* The source into dir; `s2i generate` has none: an empty upload/src for
 * the user to fill. */
static int stage_or_empty(struct build *b, const char *dir,
                          struct s2i_error **err)
{
  if (b->o->source == NULL)
    return s2i_fs_mkdir_p(dir, 0755, err);
  return stage_source(b, dir, err);
}

/* --as-dockerfile PATH, or DIR/ (or an existing DIR): DIR/Dockerfile. */
static char *dockerfile_path(const char *arg)
{
  size_t n = strlen(arg);

  if ((n > 0 && arg[n - 1] == '/') || s2i_fs_is_dir(arg))
    return s2i_fs_join(arg, "Dockerfile");
  return xstrdup(arg);
}

/* The original fails a Dockerfile build when --scripts-url (not image://)
 * gave none of the scripts: the Dockerfile would silently use the
 * builder's. */
static int check_scripts_url_used(const struct build *b, struct s2i_error **err)
{
  const char *u = b->o->scripts_url;

  if (u == NULL || strncmp(u, "image://", 8) == 0)
    return 0;
  for (int i = 0; i < S2I_SCRIPT_COUNT; i++)
    if (b->scripts.s[i].origin && strcmp(b->scripts.s[i].origin, u) == 0)
      return 0;
  return s2i_error_make(err, 0, "--scripts-url %s: no script found there", u);
}

/* --inject for --as-dockerfile: each SRC staged at
 * <dir>/upload/injections<SRC> (the original's layout), its files listed
 * for removal after assemble. */
static int stage_injections(struct build *b, const char *dir,
                            struct s2i_strv *files, struct s2i_error **err)
{
  cleanup_free char *up = s2i_fs_join(dir, "upload/injections");
  const char *wd = s2i_image_workdir(b->img);

  if (s2i_fs_rm_rf(up, err) < 0)
    return -1;
  b->inj = xcalloc(b->o->injections.n + 1, sizeof(*b->inj));
  for (size_t i = 0; i < b->o->injections.n; i++) {
    struct s2i_injection *inj = &b->inj[i];
    if (s2i_inject_parse(inj, b->o->injections.v[i], wd, err) < 0)
      return -1;
    b->n_inj++;
    struct s2i_injection staged = {.src = inj->src, .dest = inj->src};
    if (s2i_inject_copy(b->ctx, &staged, up, geteuid(), err) < 0 ||
        s2i_inject_list(inj, files, err) < 0)
      return -1;
  }
  return 0;
}

static int write_dockerfile(struct build *b, const char *path, const char *user,
                            const struct s2i_strv *inj_files,
                            struct s2i_error **err)
{
  const char *prev =
      b->o->incremental
          ? (b->o->incremental_from ? b->o->incremental_from : b->o->tag)
          : NULL;

  return s2i_dockerfile_write(
      &(struct s2i_dockerfile){
          .path = path,
          .builder = b->o->builder,
          .user = user,
          .dest = b->dest,
          .env = &b->env,
          .scripts = &b->scripts,
          .source = b->src,
          .location = b->o->source,
          .context_dir = b->o->context_dir,
          .tag = b->o->tag,
          .display_name = b->o->display_name,
          .description = b->o->description,
          .scripts_url = b->o->scripts_url,
          .destination = b->o->destination,
          .labels = &b->o->labels,
          .incremental_from = prev,
          .inj = b->inj,
          .n_inj = b->n_inj,
          .inj_files = inj_files,
      },
      err);
}

static int build_dockerfile(struct build *b, struct s2i_error **err)
{
  cleanup_free char *path = dockerfile_path(b->o->as_dockerfile);
  const char *slash = strrchr(path, '/');
  cleanup_free char *dir = slash == NULL ? xstrdup(".")
                           : slash == path
                               ? xstrdup("/")
                               : xstrndup(path, (size_t)(slash - path));
  cleanup_free char *src = NULL, *inject = NULL;
  cleanup_strv struct s2i_strv inj_files = {0};
  const char *spec;

  if (open_builder(b, 0, err) < 0 || make_workdirs(b, err) < 0)
    return -1;
  spec = s2i_image_assemble_user(b->img, b->o->assemble_user);
  b->uid = s2i_user_is_numeric(spec) ? (uid_t)strtoul(spec, NULL, 10) : 0;
  if (find_destination(b, err) < 0)
    return -1;
  src = xasprintf("%s/upload/src", dir);
  inject = xasprintf("%s/upload/scripts", dir);
  if (s2i_fs_mkdir_p(dir, 0755, err) < 0 || s2i_fs_rm_rf(src, err) < 0 ||
      s2i_fs_rm_rf(inject, err) < 0 || stage_or_empty(b, src, err) < 0 ||
      collect_env(b, src, err) < 0 ||
      resolve_scripts(b, src, inject, 0, err) < 0 ||
      check_scripts_url_used(b, err) < 0 ||
      stage_injections(b, dir, &inj_files, err) < 0)
    return -1;
  return write_dockerfile(b, path, spec, &inj_files, err);
}

struct build_call {
  const struct s2i_ctx *ctx;
  const struct s2i_build_opts *o;
};

/* The whole build, as root (of a user namespace when rootless.h made one
 * for an unprivileged caller). */
static int build_main(void *arg, struct s2i_error **err)
{
  const struct build_call *c = arg;
  cleanup_build struct build b = {.ctx = c->ctx,
                                  .o = c->o,
                                  .sde = s2i_env_source_date_epoch(),
                                  .echo = !c->ctx->quiet};
  int r = build_image(&b, err);

  if (c->o->callback_url)
    s2i_callback_post(c->ctx, c->o->callback_url, r == 0,
                      r == 0 && b.img ? s2i_image_labels(b.img) : NULL);
  return r;
}

/* The store's default paths are the caller's (root's or a user's): fixed
 * before a rootless build becomes root of its namespace. */
static void default_paths(struct s2i_build_opts *o, char **store, char **cache)
{
  if (o->store_dir == NULL)
    o->store_dir = *store = s2i_store_default_root();
  if (o->cache_dir == NULL)
    o->cache_dir = *cache = s2i_store_default_cache();
}

int s2i_build(const struct s2i_ctx *ctx, const struct s2i_build_opts *o,
              struct s2i_error **err)
{
  cleanup_build struct build b = {.ctx = ctx, .o = o, .sde = -1};
  cleanup_free char *store = NULL, *cache = NULL;
  struct s2i_build_opts copy = *o;
  struct build_call c = {ctx, &copy};
  int r;

  if (s2i_volume_check(o->policy.volumes, o->policy.add_hosts, err) < 0) {
    r = -1;
  } else if (!o->as_dockerfile) {
    default_paths(&copy, &store, &cache);
    return s2i_rootless_run(ctx, build_main, &c, err);
  } else {
    b.sde = s2i_env_source_date_epoch();
    b.echo = !ctx->quiet;
    r = build_dockerfile(&b, err);
  }
  if (o->callback_url)
    s2i_callback_post(ctx, o->callback_url, r == 0,
                      r == 0 && b.img ? s2i_image_labels(b.img) : NULL);
  return r;
}

struct usage_call {
  const struct s2i_ctx *ctx;
  const struct s2i_build_opts *o;
};

static int usage_main(void *arg, struct s2i_error **err)
{
  const struct usage_call *c = arg;
  cleanup_build struct build b = {
      .ctx = c->ctx, .o = c->o, .sde = -1, .echo = 1};
  cleanup_free char *inject = NULL;
  const char *argv[2] = {NULL, NULL};
  int status;

  if (open_builder(&b, 1, err) < 0 || make_workdirs(&b, err) < 0 ||
      resolve_user(&b, err) < 0)
    return -1;
  inject = s2i_fs_join(b.work, "scripts");
  b.dest = "/tmp";
  if (resolve_scripts(&b, NULL, inject, 1, err) < 0)
    return -1;
  argv[0] = b.scripts.s[S2I_SCRIPT_USAGE].path;
  if (argv[0] == NULL)
    return s2i_error_make(err, 0, "builder %s has no usage script",
                          c->o->builder);
  status = run_in_sandbox(&b, argv, NULL, NULL, err);
  if (status < 0)
    return -1;
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    return s2i_error_make(err, 0, "usage script %s failed", argv[0]);
  return 0;
}

int s2i_build_usage(const struct s2i_ctx *ctx, const char *builder,
                    const char *cache_dir, const char *store_dir,
                    struct s2i_error **err)
{
  /* The usage script prints text: no network to set up (nor to need
   * /dev/net/tun for, rootless). */
  struct s2i_build_opts o = {.builder = builder,
                             .cache_dir = cache_dir,
                             .store_dir = store_dir,
                             .network_none = 1,
                             .ro = S2I_REGISTRY_OPTS_INIT};
  struct s2i_ctx quiet = *ctx; /* only the usage text goes out */
  cleanup_free char *store = NULL, *cache = NULL;
  struct usage_call c = {&quiet, &o};

  quiet.quiet = 1;
  default_paths(&o, &store, &cache);
  return s2i_rootless_run(ctx, usage_main, &c, err);
}
