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
#include "fixperms.h"
#include "fs.h"
#include "image.h"
#include "inject.h"
#include "labels.h"
#include "layer_writer.h"
#include "layers.h"
#include "log.h"
#include "rootless.h"
#include "rootpath.h"
#include "runtime.h"
#include "sandbox.h"
#include "scripts.h"
#include "source.h"
#include "store.h"
#include "transport.h"
#include "user.h"
#include "writer.h"
#include "xalloc.h"

#define TAIL_SIZE 4096

/* Everything one build holds; freed by build_free(). */
struct build {
  const struct s2i_ctx *ctx;
  const struct s2i_build_opts *o;
  struct s2i_store *store;
  char *work;  /* scratch dir under the store, removed at the end */
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
};

static void build_free(struct build *b)
{
  cleanup_error struct s2i_error *e = NULL;

  if (b->work && b->o->save_temp_dir)
    s2i_log_info(b->ctx, "Temporary directory kept: %s", b->work);
  else if (b->work && s2i_fs_rm_rf(b->work, &e) < 0)
    s2i_log_warn(b->ctx, "%s", e->msg);
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

  if (s2i_fs_mkdtemp(&b->work, tmp, "build-", err) < 0)
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

static int resolve_user(struct build *b, struct s2i_error **err)
{
  const char *spec = s2i_image_assemble_user(b->img, b->o->assemble_user);
  const char *image_user = s2i_image_user(b->img);
  cleanup_uid_ranges struct s2i_uid_ranges *r = NULL;
  uid_t iu;
  gid_t ig;
  int ret = 0;

  if (s2i_user_resolve(&b->uid, &b->gid, spec, &b->lowers, err) < 0)
    return s2i_error_prefix(err, "builder %s", b->o->builder);
  fold_single_id(b);
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

static int run_in_sandbox(struct build *b, const char *const *argv,
                          int (*fn)(void *), void *fn_ctx,
                          struct s2i_error **err)
{
  cleanup_strv struct s2i_strv envp = S2I_STRV_INIT;
  cleanup_free char *ovl = s2i_fs_join(b->work, "ovlwork");
  const char *cwd = s2i_image_workdir(b->img);
  struct s2i_sandbox_opts so = {
      .lowers = &b->lowers,
      .upper = b->upper,
      .work = ovl,
      .uid = b->uid,
      .gid = b->gid,
      .argv = argv,
      .fn = fn,
      .fn_ctx = fn_ctx,
      .then_fn = (argv && b->fix_dirs.n) ? fix_permissions : NULL,
      .then_ctx = &b->fix_dirs,
      .then_failed = &b->fix_failed,
      .cwd = (cwd && *cwd) ? cwd : "/",
      .network_none = b->o->network_none,
      .policy = &b->o->policy,
      .stdin_fd = -1,
      .stdout_fd = -1,
      .on_output = on_output,
      .output_ctx = b,
  };
  int status = 0;

  assemble_env(b, &envp);
  so.envp = (const char *const *)envp.v;
  if (s2i_sandbox_run(b->ctx, &status, &so, err) < 0)
    return -1;
  return status;
}

static int run_assemble(struct build *b, struct s2i_error **err)
{
  const char *path = b->scripts.s[S2I_SCRIPT_ASSEMBLE].path;
  const char *argv[] = {path, NULL};
  char how[64];
  int status;

  s2i_log_step(b->ctx, "Running %s as user %u", path, (unsigned)b->uid);
  status = run_in_sandbox(b, argv, NULL, NULL, err);
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
  s2i_error_make(err, 0, "assemble script %s %s%s%s", path, how,
                 b->tail_len ? "; the last lines of its output:\n" : "",
                 b->tail_len ? tail_lines(b, 10) : "");
  return s2i_error_set_exit(err, S2I_EXIT_ASSEMBLE);
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

static int commit_app_layer(struct build *b, struct s2i_error **err)
{
  struct s2i_layer_write_opts lo = S2I_LAYER_WRITE_OPTS_INIT;
  struct s2i_layer layer = {0};
  cleanup_free char *meta = xasprintf("%s/.s2i/image_metadata.json", b->dest);

  if (s2i_labels_load_metadata_at(b->img, b->upper, meta, err) < 0)
    return -1;
  lo.from_overlay_upper = 1;
  lo.source_date_epoch = b->sde;
  s2i_log_step(b->ctx, "Writing the application layer");
  if (s2i_layer_write(b->ctx, &layer, b->upper, &lo, b->store, err) < 0)
    return -1;
  s2i_image_add_layer(b->img, &layer, "s2i assemble");
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
  };

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
    if (mirror_image_dirs(b, inj->dest, err) < 0 ||
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

static int write_output(struct build *b, struct s2i_error **err)
{
  char digest[S2I_DIGEST_LEN + 1];

  s2i_log_step(b->ctx, "Storing image %s in %s", b->o->tag, b->store->root);
  if (s2i_writer_store_image(b->ctx, b->img, b->store, b->o->tag, b->annot,
                             digest, err) < 0)
    return -1;
  if (b->o->output) {
    s2i_log_step(b->ctx, "Writing image %s to %s", b->o->tag, b->o->output);
    if (s2i_writer_write_archive(b->ctx, b->img, b->store, b->o->tag,
                                 b->o->output, NULL, err) < 0)
      return -1;
  }
  s2i_log_step(b->ctx, "Built %s (%s)", b->o->tag, digest);
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

/* Everything but the staged tree that makes the image what it is. */
static json_t *build_facts(struct build *b)
{
  json_t *env = json_array();
  const struct s2i_build_opts *o = b->o;

  for (size_t i = 0; i < b->env.n; i++)
    json_array_append_new(env, json_string(b->env.v[i]));
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

  if (b->o->incremental)
    return 0;
  d = s2i_digest_new();
  if (s2i_buildkey_tree(d, b->upper, err) < 0) {
    s2i_digest_final(d, tree);
    return -1;
  }
  s2i_digest_final(d, tree);
  facts = build_facts_all(b);
  s2i_buildkey_final(facts, tree, b->key);
  b->annot = json_pack("{s:s}", S2I_BUILDKEY_ANNOTATION, b->key);
  s2i_log_debug(b->ctx, 1, "build key %s", b->key);
  if (b->o->no_cache || s2i_store_index(b->store, &index, err) < 0)
    return b->o->no_cache ? 0 : -1;
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

static int build_image(struct build *b, struct s2i_error **err)
{
  int r;

  if (open_builder(b, 1, err) < 0 || make_workdirs(b, err) < 0 ||
      resolve_user(b, err) < 0 || build_prepare_source(b, err) < 0)
    return -1;
  r = reuse_stored(b, err);
  if (r != 0)
    return r < 0 ? -1 : finish_reused(b, err);
  collect_fix_dirs(b);
  if (run_assemble(b, err) < 0 || truncate_injected(b, err) < 0)
    return -1;
  if (keep_injected_run(b, err) < 0 || strip_build_inputs(b, err) < 0 ||
      commit_app_layer(b, err) < 0 || add_runtime(b, err) < 0)
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

static int write_dockerfile(struct build *b, const char *path, const char *user,
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
          .incremental_from = prev,
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
  const char *spec;

  if (b->o->injections.n > 0)
    return s2i_error_make(err, 0,
                          "--inject is not supported with --as-dockerfile yet");
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
      check_scripts_url_used(b, err) < 0)
    return -1;
  return write_dockerfile(b, path, spec, err);
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

  if (!o->as_dockerfile) {
    default_paths(&copy, &store, &cache);
    return s2i_rootless_run(ctx, build_main, &c, err);
  }
  b.sde = s2i_env_source_date_epoch();
  b.echo = !ctx->quiet;
  r = build_dockerfile(&b, err);
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
