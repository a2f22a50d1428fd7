/* Stage the application source (see source.h).
 *
 * A commit is written straight from the object database, one blob at a
 * time, so a local repository is never cloned and a remote one is cloned
 * bare (no checkout to copy twice).  A plain directory (or --copy) is copied
 * with a streaming read/write loop.  Both walkers share the filters
 * (.git, --exclude, .s2iignore) and the writers that apply uid:gid. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "giturl.h"
#include "ignore.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_EXCLUDE "(^|/)\\.git(/|$)"
/* Submodules of submodules are followed; a cycle of them is not. */
#define MAX_SUBMODULE_DEPTH 8

#define GIT_CLEANUP(type, fn)                                                  \
  static inline void cleanup_##fn(type **p)                                    \
  {                                                                            \
    fn(*p);                                                                    \
  }
GIT_CLEANUP(git_repository, git_repository_free)
GIT_CLEANUP(git_commit, git_commit_free)
GIT_CLEANUP(git_tree, git_tree_free)
GIT_CLEANUP(git_tree_entry, git_tree_entry_free)
GIT_CLEANUP(git_blob, git_blob_free)
GIT_CLEANUP(git_object, git_object_free)
GIT_CLEANUP(git_reference, git_reference_free)
GIT_CLEANUP(git_config, git_config_free)
GIT_CLEANUP(git_remote, git_remote_free)
GIT_CLEANUP(git_odb, git_odb_free)
#define cleanup_repo __attribute__((cleanup(cleanup_git_repository_free)))
#define cleanup_commit __attribute__((cleanup(cleanup_git_commit_free)))
#define cleanup_tree __attribute__((cleanup(cleanup_git_tree_free)))
#define cleanup_entry __attribute__((cleanup(cleanup_git_tree_entry_free)))
#define cleanup_blob __attribute__((cleanup(cleanup_git_blob_free)))
#define cleanup_object __attribute__((cleanup(cleanup_git_object_free)))
#define cleanup_ref __attribute__((cleanup(cleanup_git_reference_free)))
#define cleanup_config __attribute__((cleanup(cleanup_git_config_free)))
#define cleanup_remote __attribute__((cleanup(cleanup_git_remote_free)))
#define cleanup_odb __attribute__((cleanup(cleanup_git_odb_free)))

struct stage {
  const struct s2i_ctx *ctx;
  const struct s2i_source_opts *o;
  const char *location;
  char *context; /* normalised --context-dir, NULL for the root */
  char *scratch; /* private dir for clones and temp files */
  regex_t exclude;
  int have_exclude;
  struct s2i_ignore *ignore;
  struct s2i_source *src;
  struct stat dest_st; /* a copy must not descend into its own output */
};

/* One repository being written: the top one or a submodule. */
struct repo {
  git_repository *repo;
  char *url;      /* base for relative submodule URLs */
  git_tree *root; /* the commit's root tree, where .gitmodules lives */
  git_config *modules;
  int modules_read;
  int depth;
};

/* Where an entry goes: dest path, path relative to the staged root (what
 * filters see) and where it comes from (path in the repo, or on disk). */
struct where {
  char *path;
  char *rel;
  char *from;
};

static void where_clear(struct where *w)
{
  free(w->path);
  free(w->rel);
  free(w->from);
}
#define cleanup_where __attribute__((cleanup(where_clear)))

static void repo_clear(struct repo *r)
{
  git_config_free(r->modules);
  git_tree_free(r->root);
  git_repository_free(r->repo);
  free(r->url);
}
#define cleanup_repo_ctx __attribute__((cleanup(repo_clear)))

enum verdict { KEEP, SKIP, PROBE };

static int write_tree(struct stage *st, struct repo *r, const git_tree *tree,
                      const struct where *w, struct s2i_error **err);

/* ---- small helpers ------------------------------------------------------ */

static char *rel_join(const char *a, const char *b)
{
  return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

static void where_child(struct where *c, const struct where *w,
                        const char *name, int from_is_path)
{
  c->path = s2i_fs_join(w->path, name);
  c->rel = rel_join(w->rel, name);
  c->from = from_is_path ? s2i_fs_join(w->from, name) : rel_join(w->from, name);
}

int s2i_source_is_url(const char *location)
{
  static const char *const schemes[] = {"https://",  "http://", "git://",
                                        "ssh://",    "file://", "git+ssh://",
                                        "ssh+git://"};
  const char *colon, *slash, *at;

  for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++)
    if (strncmp(location, schemes[i], strlen(schemes[i])) == 0)
      return 1;
  /* scp-like "user@host:path": git's rule is a ':' before any '/'; the
   * "user@" keeps local names such as "dir:x" local. */
  colon = strchr(location, ':');
  slash = strchr(location, '/');
  at = strchr(location, '@');
  return colon && at && at < colon && (!slash || colon < slash);
}

static enum verdict classify(struct stage *st, const char *rel,
                             const char *name, int is_dir)
{
  if (strcmp(name, ".git") == 0)
    return SKIP;
  if (st->have_exclude && regexec(&st->exclude, rel, 0, NULL, 0) == 0)
    return SKIP;
  if (!s2i_ignore_match(st->ignore, rel))
    return KEEP;
  return is_dir && s2i_ignore_has_negation(st->ignore) ? PROBE : SKIP;
}

/* ---- writers: everything ends up owned by uid:gid ------------------------ */

static int make_dir(struct stage *st, const char *path, mode_t mode,
                    struct s2i_error **err)
{
  struct stat sb;

  if (mkdir(path, 0700) < 0) {
    if (errno != EEXIST)
      return s2i_error_make(err, errno, "create directory %s", path);
    if (lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
      return s2i_error_make(err, EEXIST, "create directory %s", path);
  }
  if (lchown(path, st->o->uid, st->o->gid) < 0 || chmod(path, mode) < 0)
    return s2i_error_make(err, errno, "set owner of %s", path);
  return 0;
}

static int write_symlink(struct stage *st, const char *target, const char *path,
                         struct s2i_error **err)
{
  if (symlink(target, path) < 0)
    return s2i_error_make(err, errno, "create symlink %s", path);
  if (lchown(path, st->o->uid, st->o->gid) < 0)
    return s2i_error_make(err, errno, "set owner of %s", path);
  return 0;
}

static int create_file(const char *path, struct s2i_error **err)
{
  int fd =
      open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", path);
  return fd;
}

/* Owner, mode, counters; closes fd (a late write error shows up here). */
static int finish_file(struct stage *st, int fd, const char *path, mode_t mode,
                       long long size, struct s2i_error **err)
{
  int failed = fchown(fd, st->o->uid, st->o->gid) < 0 || fchmod(fd, mode) < 0;
  int saved = errno;

  if (close(fd) < 0 && !failed) {
    failed = 1;
    saved = errno;
  }
  if (failed)
    return s2i_error_make(err, saved, "write %s", path);
  st->src->n_files++;
  st->src->n_bytes += size;
  return 0;
}

static int write_file(struct stage *st, const char *path, const void *data,
                      size_t size, mode_t mode, struct s2i_error **err)
{
  int fd = create_file(path, err);

  if (fd < 0)
    return -1;
  if (s2i_fs_write_all(fd, data, size) < 0) {
    s2i_error_make(err, errno, "write %s", path);
    close(fd);
    return -1;
  }
  return finish_file(st, fd, path, mode, (long long)size, err);
}

/* ---- commit facts -------------------------------------------------------- */

/* git log's default date: "Mon Jan 2 15:04:05 2006 -0700", author's zone. */
static char *format_git_date(const git_time *when)
{
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
  time_t t = (time_t)when->time + (time_t)when->offset * 60;
  int off = when->offset < 0 ? -when->offset : when->offset;
  char sign = when->offset < 0 || when->sign == '-' ? '-' : '+';
  struct tm tm;

  gmtime_r(&t, &tm);
  return xasprintf("%s %s %d %02d:%02d:%02d %d %c%02d%02d", days[tm.tm_wday],
                   months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, tm.tm_year + 1900, sign, off / 60, off % 60);
}

static void fill_commit_info(struct s2i_source *src, git_commit *c,
                             char *refname)
{
  const git_signature *a = git_commit_author(c);
  const char *summary = git_commit_summary(c);

  src->is_git = 1;
  src->commit.id = xstrdup(git_oid_tostr_s(git_commit_id(c)));
  src->commit.ref = refname;
  src->commit.author = xasprintf("%s <%s>", a->name, a->email);
  src->commit.date = format_git_date(&a->when);
  src->commit.message = xstrdup(summary ? summary : "");
}

/* ---- ref resolution ------------------------------------------------------ */

static int head_commit(git_commit **out, char **refname, git_repository *repo,
                       const char *location, struct s2i_error **err)
{
  cleanup_ref git_reference *head = NULL;
  int rc = git_repository_head(&head, repo);

  if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
    return s2i_error_make(err, 0, "%s has no commits", location);
  if (rc < 0)
    return s2i_error_git(err, "read HEAD of %s", location);
  if (git_reference_peel((git_object **)out, head, GIT_OBJECT_COMMIT) < 0)
    return s2i_error_git(err, "HEAD of %s", location);
  *refname = xstrdup(
      git_reference_is_branch(head) ? git_reference_shorthand(head) : "");
  return 0;
}

/* A branch or tag, as given or as a bare clone has it (origin/<ref>), or a
 * commit id.  The ref recorded is the name given, "" for a bare id. */
static int resolve_commit(git_commit **out, char **refname,
                          git_repository *repo, const char *ref,
                          const char *location, struct s2i_error **err)
{
  static const char *const forms[] = {"%s", "origin/%s", "refs/tags/%s"};

  if (ref == NULL)
    return head_commit(out, refname, repo, location, err);
  for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
    cleanup_free char *spec = xasprintf(forms[i], ref);
    cleanup_object git_object *obj = NULL;
    cleanup_ref git_reference *named = NULL;

    if (git_revparse_ext(&obj, &named, repo, spec) < 0)
      continue;
    if (git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT) < 0)
      return s2i_error_git(err, "ref '%s' in %s", ref, location);
    *refname = xstrdup(named ? ref : "");
    return 0;
  }
  return s2i_error_make(err, 0, "ref '%s' not found in %s", ref, location);
}

/* ---- cloning ------------------------------------------------------------- */

struct clone_cb {
  struct s2i_progress progress;
  size_t last_bytes;
  int cred_tries;
};

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
  struct clone_cb *cb = payload;

  if (s2i_ctx_interrupted(cb->progress.ctx))
    return -1;
  if (stats->received_bytes > cb->last_bytes)
    s2i_progress_add(&cb->progress, stats->received_bytes - cb->last_bytes);
  cb->last_bytes = stats->received_bytes;
  return 0;
}

static int on_sideband(const char *str, int len, void *payload)
{
  struct clone_cb *cb = payload;

  (void)str;
  (void)len;
  return s2i_ctx_interrupted(cb->progress.ctx) ? -1 : 0;
}

/* ssh: one try with the agent; anything else is left to libgit2, which
 * then reports that authentication failed, naming the URL. */
static int on_credentials(git_credential **out, const char *url,
                          const char *user, unsigned int allowed, void *payload)
{
  struct clone_cb *cb = payload;

  (void)url;
  if (cb->cred_tries++ > 0)
    return GIT_PASSTHROUGH;
  if (allowed & GIT_CREDENTIAL_SSH_KEY)
    return git_credential_ssh_key_from_agent(out, user ? user : "git");
  if (allowed & GIT_CREDENTIAL_USERNAME)
    return git_credential_username_new(out, user ? user : "git");
  return GIT_PASSTHROUGH;
}

/* The branch the remote's HEAD names becomes ours, as git clone does; a
 * detached remote HEAD is kept detached; an empty remote leaves HEAD unborn. */
static int adopt_remote_head(git_repository *repo, git_remote *remote)
{
  git_buf def = GIT_BUF_INIT;
  const git_remote_head **heads;
  cleanup_ref git_reference *branch = NULL;
  cleanup_free char *tracking = NULL;
  git_oid id;
  size_t n;
  int rc;

  if (git_remote_default_branch(&def, remote) == 0 &&
      strncmp(def.ptr, "refs/heads/", 11) == 0) {
    tracking = xasprintf("refs/remotes/origin/%s", def.ptr + 11);
    rc = git_reference_name_to_id(&id, repo, tracking);
    if (rc == 0)
      rc = git_reference_create(&branch, repo, def.ptr, &id, 1, "clone");
    if (rc == 0)
      rc = git_repository_set_head(repo, def.ptr);
    git_buf_dispose(&def);
    return rc;
  }
  git_buf_dispose(&def);
  if (git_remote_ls(&heads, &n, remote) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp(heads[i]->name, "HEAD") == 0)
      return git_repository_set_head_detached(repo, &heads[i]->oid);
  return 0;
}

/* 1 when the config (user's included) has url.<base>.insteadOf rules.
 * libgit2 1.5 leaks regex match data for every entry it scans for them
 * (seen by ASan), so the scan is skipped when there can be nothing to find;
 * a plain iterator does not leak. */
static int has_url_rewrites(git_repository *repo)
{
  cleanup_config git_config *cfg = NULL;
  git_config_iterator *it = NULL;
  git_config_entry *e;
  int found = 0;

  if (git_repository_config_snapshot(&cfg, repo) < 0 ||
      git_config_iterator_new(&it, cfg) < 0)
    return 1;
  while (!found && git_config_next(&e, it) == 0)
    found = strncmp(e->name, "url.", 4) == 0;
  git_config_iterator_free(it);
  return found;
}

static int remote_for(git_remote **out, git_repository *repo, const char *url)
{
  git_remote_create_options ro;

  /* The _INIT macro trips -Wmissing-field-initializers. */
  git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  ro.repository = repo;
  ro.flags = GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  if (!has_url_rewrites(repo))
    ro.flags |= GIT_REMOTE_CREATE_SKIP_INSTEADOF;
  return git_remote_create_with_opts(out, url, &ro);
}

/* A bare clone made by hand: an anonymous remote keeps the config clean and
 * the refspecs explicit, so refs are where resolve_commit() looks. */
static int fetch_all(git_repository *repo, const char *url, struct clone_cb *cb)
{
  static char *specs[] = {"+refs/heads/*:refs/remotes/origin/*",
                          "+refs/tags/*:refs/tags/*"};
  git_strarray refspecs = {specs, 2};
  cleanup_remote git_remote *remote = NULL;
  git_fetch_options fo;

  /* The _INIT macro trips -Wmissing-field-initializers. */
  git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
  fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
  fo.callbacks.transfer_progress = on_transfer;
  fo.callbacks.sideband_progress = on_sideband;
  fo.callbacks.credentials = on_credentials;
  fo.callbacks.payload = cb;
  if (remote_for(&remote, repo, url) < 0 ||
      git_remote_fetch(remote, &refspecs, &fo, "clone") < 0)
    return -1;
  return adopt_remote_head(repo, remote);
}

static int clone_bare(const struct s2i_ctx *ctx, git_repository **out,
                      const char *url, const char *scratch,
                      struct s2i_error **err)
{
  cleanup_repo git_repository *repo = NULL;
  cleanup_free char *path = NULL;
  struct clone_cb cb = {0};
  int rc;

  if (s2i_fs_mkdtemp(&path, scratch, "clone-", err) < 0)
    return -1;
  if (git_repository_init(&repo, path, 1) < 0)
    return s2i_error_git(err, "create repository %s", path);
  s2i_log_debug(ctx, 1, "Cloning %s", url);
  s2i_progress_begin(&cb.progress, ctx, url, 0);
  rc = fetch_all(repo, url, &cb);
  s2i_progress_end(&cb.progress);
  if (rc < 0 && s2i_ctx_interrupted(ctx))
    return s2i_ctx_check_interrupt(ctx, err);
  if (rc < 0)
    return s2i_error_git(err, "clone %s", url);
  *out = s2i_steal(repo);
  return 0;
}

/* A repository on this machine (a path or a file:// URL) is read in place:
 * libgit2's local transport would build a pack in process, with a delta
 * search that takes minutes and hundreds of MB on big repositories, only
 * to copy objects that can be read where they are. */
static int open_repo_at(const struct stage *st, git_repository **out,
                        const char *url, struct s2i_error **err)
{
  const char *path = s2i_giturl_file_path(url);

  if (path == NULL && s2i_source_is_url(url))
    return clone_bare(st->ctx, out, url, st->scratch, err);
  if (git_repository_open_ext(out, path ? path : url,
                              GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
    return s2i_error_git(err, "open repository %s", url);
  return 0;
}

/* ---- submodules ---------------------------------------------------------- */

/* libgit2 parses config only from files, so .gitmodules goes through a temp
 * file; a snapshot keeps it readable after the file is gone. */
static int parse_config_blob(git_config **out, const git_blob *blob,
                             const char *scratch, struct s2i_error **err)
{
  cleanup_free char *tmp = xasprintf("%s/gitmodules-XXXXXX", scratch);
  cleanup_config git_config *cfg = NULL;
  int fd = mkostemp(tmp, O_CLOEXEC);
  int rc;

  if (fd < 0)
    return s2i_error_make(err, errno, "create %s", tmp);
  rc = s2i_fs_write_all(fd, git_blob_rawcontent(blob),
                        (size_t)git_blob_rawsize(blob));
  if (close(fd) < 0 || rc < 0) {
    unlink(tmp);
    return s2i_error_make(err, errno, "write %s", tmp);
  }
  rc = git_config_open_ondisk(&cfg, tmp);
  if (rc == 0)
    rc = git_config_snapshot(out, cfg);
  unlink(tmp);
  return rc < 0 ? s2i_error_git(err, "parse .gitmodules") : 0;
}

static int load_gitmodules(struct stage *st, struct repo *r,
                           struct s2i_error **err)
{
  cleanup_entry git_tree_entry *e = NULL;
  cleanup_blob git_blob *blob = NULL;

  if (r->modules_read)
    return 0;
  r->modules_read = 1;
  if (git_tree_entry_bypath(&e, r->root, ".gitmodules") < 0)
    return 0;
  if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read .gitmodules");
  return parse_config_blob(&r->modules, blob, st->scratch, err);
}

/* The name of the module whose submodule.<name>.path is path, or NULL.  A
 * plain iterator, not git_config_foreach_match(): see has_url_rewrites(). */
static char *module_name(git_config *modules, const char *path)
{
  git_config_iterator *it = NULL;
  git_config_entry *e;
  char *name = NULL;
  size_t len;

  if (git_config_iterator_new(&it, modules) < 0)
    return NULL;
  while (name == NULL && git_config_next(&e, it) == 0) {
    len = strlen(e->name);
    if (strncmp(e->name, "submodule.", 10) == 0 && len > 15 &&
        strcmp(e->name + len - 5, ".path") == 0 && strcmp(e->value, path) == 0)
      name = xstrndup(e->name + 10, len - 15);
  }
  git_config_iterator_free(it);
  return name;
}

/* The name and URL .gitmodules gives the submodule at repo_rel; 0 with
 * *url NULL when it gives none. */
static int module_lookup(char **name, char **url, struct stage *st,
                         struct repo *r, const char *repo_rel,
                         struct s2i_error **err)
{
  git_buf buf = GIT_BUF_INIT;
  cleanup_free char *key = NULL;
  int ret = 0;

  *url = NULL;
  if (load_gitmodules(st, r, err) < 0)
    return -1;
  if (r->modules == NULL || (*name = module_name(r->modules, repo_rel)) == NULL)
    return 0;
  key = xasprintf("submodule.%s.url", *name);
  if (git_config_get_string_buf(&buf, r->modules, key) == 0 &&
      ((!st->o->allow_local_submodules &&
        s2i_giturl_check(buf.ptr, r->url, err) < 0) ||
       s2i_giturl_resolve(url, r->url, buf.ptr, st->scratch, err) < 0))
    ret = -1;
  git_buf_dispose(&buf);
  return ret;
}

/* A local superproject usually holds the submodule already (.git/modules);
 * the name comes from .gitmodules, so it must not lead elsewhere. */
static git_repository *open_known_module(git_repository *parent,
                                         const char *name, const git_oid *id)
{
  cleanup_free char *path =
      xasprintf("%smodules/%s", git_repository_path(parent), name);
  git_repository *repo = NULL;
  cleanup_commit git_commit *c = NULL;

  if (!s2i_fs_path_is_safe(name) ||
      git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
                              NULL) < 0)
    return NULL;
  if (git_commit_lookup(&c, repo, id) < 0) {
    git_repository_free(repo);
    return NULL;
  }
  return repo;
}

static int open_module(struct repo *sub, struct stage *st, struct repo *r,
                       const char *name, const git_oid *id,
                       struct s2i_error **err)
{
  cleanup_commit git_commit *c = NULL;

  sub->repo = open_known_module(r->repo, name, id);
  if (sub->repo == NULL && open_repo_at(st, &sub->repo, sub->url, err) < 0)
    return -1;
  if (git_commit_lookup(&c, sub->repo, id) < 0)
    return s2i_error_git(err, "commit %s in %s", git_oid_tostr_s(id), sub->url);
  if (git_commit_tree(&sub->root, c) < 0)
    return s2i_error_git(err, "tree of commit %s in %s", git_oid_tostr_s(id),
                         sub->url);
  return 0;
}

static int write_submodule(struct stage *st, struct repo *r,
                           const git_tree_entry *e, const struct where *w,
                           struct s2i_error **err)
{
  cleanup_repo_ctx struct repo sub = {.depth = r->depth + 1};
  cleanup_free char *name = NULL;
  struct where inner = {w->path, w->rel, (char *)""};

  if (st->o->ignore_submodules) /* an empty dir, as git leaves it */
    return make_dir(st, w->path, 0755, err);
  if (sub.depth > MAX_SUBMODULE_DEPTH)
    return s2i_error_make(err, 0, "submodule %s: nested too deeply", w->rel);
  if (module_lookup(&name, &sub.url, st, r, w->from, err) < 0)
    return s2i_error_prefix(err, "submodule %s", w->rel);
  if (make_dir(st, w->path, 0755, err) < 0)
    return -1;
  if (sub.url == NULL) {
    s2i_log_warn(st->ctx, "submodule %s has no URL in .gitmodules; left empty",
                 w->rel);
    return 0;
  }
  if (open_module(&sub, st, r, name, git_tree_entry_id(e), err) < 0)
    return s2i_error_prefix(err, "submodule %s", w->rel);
  return write_tree(st, &sub, sub.root, &inner, err);
}

/* ---- writing a commit ---------------------------------------------------- */

/* libgit2 holds a whole blob in memory: its size is read from the object
 * header first, and a file above S2I_SOURCE_BLOB_MAX (a symlink above
 * PATH_MAX) is refused before it is inflated. */
static int check_blob_size(struct repo *r, const git_tree_entry *e,
                           const struct where *w, struct s2i_error **err)
{
  int link = git_tree_entry_filemode(e) == GIT_FILEMODE_LINK;
  size_t max = link ? PATH_MAX : S2I_SOURCE_BLOB_MAX;
  cleanup_odb git_odb *odb = NULL;
  git_object_t type;
  size_t len;

  if (git_repository_odb(&odb, r->repo) < 0 ||
      git_odb_read_header(&len, &type, odb, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read %s", w->from);
  if (len <= max)
    return 0;
  return s2i_error_make(err, EFBIG,
                        "%s %s is %zu bytes, more than the limit of %zu for "
                        "a %s in a Git source (refused)",
                        link ? "symlink" : "file", w->from, len, max,
                        link ? "symlink target" : "file");
}

static int write_blob(struct stage *st, struct repo *r, const git_tree_entry *e,
                      const struct where *w, struct s2i_error **err)
{
  cleanup_blob git_blob *blob = NULL;
  git_filemode_t mode = git_tree_entry_filemode(e);
  const void *data;
  size_t size;

  if (check_blob_size(r, e, w, err) < 0)
    return -1;
  if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read %s", w->from);
  data = git_blob_rawcontent(blob);
  size = (size_t)git_blob_rawsize(blob);
  if (mode == GIT_FILEMODE_LINK) {
    cleanup_free char *target = xstrndup(data, size);
    return write_symlink(st, target, w->path, err);
  }
  return write_file(st, w->path, data, size,
                    mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644, err);
}

static int write_subtree(struct stage *st, struct repo *r,
                         const git_tree_entry *e, const struct where *w,
                         enum verdict v, struct s2i_error **err)
{
  cleanup_tree git_tree *tree = NULL;
  int ret;

  if (make_dir(st, w->path, 0755, err) < 0)
    return -1;
  if (git_tree_lookup(&tree, r->repo, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read tree %s", w->from);
  ret = write_tree(st, r, tree, w, err);
  if (v == PROBE)
    rmdir(w->path); /* ignored dir: kept only if something was re-included */
  return ret;
}

/* Tree entry names come from whoever made the repository: refuse any that
 * would step outside the destination. */
static int name_is_safe(const char *name)
{
  return *name && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
         strcmp(name, "..") != 0;
}

static int write_entry(struct stage *st, struct repo *r,
                       const git_tree_entry *e, const struct where *parent,
                       struct s2i_error **err)
{
  const char *name = git_tree_entry_name(e);
  git_object_t type = git_tree_entry_type(e);
  cleanup_where struct where w = {0};
  enum verdict v;

  if (!name_is_safe(name))
    return s2i_error_make(err, 0, "unsafe file name '%s' in %s/", name,
                          parent->from);
  where_child(&w, parent, name, 0);
  v = classify(st, w.rel, name, type == GIT_OBJECT_TREE);
  if (v == SKIP)
    return 0;
  if (type == GIT_OBJECT_TREE)
    return write_subtree(st, r, e, &w, v, err);
  if (type == GIT_OBJECT_COMMIT)
    return write_submodule(st, r, e, &w, err);
  return write_blob(st, r, e, &w, err);
}

static int write_tree(struct stage *st, struct repo *r, const git_tree *tree,
                      const struct where *w, struct s2i_error **err)
{
  size_t n = git_tree_entrycount(tree);

  for (size_t i = 0; i < n; i++) {
    if (s2i_ctx_check_interrupt(st->ctx, err) < 0)
      return -1;
    if (write_entry(st, r, git_tree_entry_byindex(tree, i), w, err) < 0)
      return -1;
  }
  return 0;
}

static int context_tree(git_tree **out, struct stage *st, git_repository *repo,
                        git_tree *root, struct s2i_error **err)
{
  cleanup_entry git_tree_entry *e = NULL;

  if (st->context == NULL)
    return git_object_dup((git_object **)out, (git_object *)root) < 0
               ? s2i_error_git(err, "%s", st->location)
               : 0;
  if (git_tree_entry_bypath(&e, root, st->context) == 0 &&
      git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
    return s2i_error_make(err, 0,
                          "context directory '%s' in %s is a symlink (refused)",
                          st->context, st->location);
  if (e == NULL || git_tree_entry_type(e) != GIT_OBJECT_TREE)
    return s2i_error_make(err, 0, "context directory '%s' not found in %s",
                          st->context, st->location);
  if (git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read %s in %s", st->context, st->location);
  return 0;
}

static int load_tree_ignore(struct stage *st, git_repository *repo,
                            git_tree *tree, struct s2i_error **err)
{
  cleanup_entry git_tree_entry *e = NULL;
  cleanup_blob git_blob *blob = NULL;
  cleanup_free char *text = NULL;

  if (git_tree_entry_bypath(&e, tree, ".s2iignore") < 0 ||
      git_tree_entry_type(e) != GIT_OBJECT_BLOB)
    return s2i_ignore_parse(&st->ignore, "");
  if (git_blob_lookup(&blob, repo, git_tree_entry_id(e)) < 0)
    return s2i_error_git(err, "read .s2iignore in %s", st->location);
  text = xstrndup(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
  return s2i_ignore_parse(&st->ignore, text);
}

/* Writes the commit's (context) tree; r->repo and r->url are set. */
static int stage_commit(struct stage *st, struct repo *r, const char *dest,
                        struct s2i_error **err)
{
  cleanup_commit git_commit *commit = NULL;
  cleanup_tree git_tree *tree = NULL;
  char *refname = NULL;
  struct where w = {(char *)dest, (char *)"",
                    st->context ? st->context : (char *)""};

  if (resolve_commit(&commit, &refname, r->repo, st->o->ref, st->location,
                     err) < 0)
    return -1;
  fill_commit_info(st->src, commit, refname);
  if (git_commit_tree(&r->root, commit) < 0)
    return s2i_error_git(err, "read commit %s", st->src->commit.id);
  if (context_tree(&tree, st, r->repo, r->root, err) < 0 ||
      load_tree_ignore(st, r->repo, tree, err) < 0)
    return -1;
  s2i_log_debug(st->ctx, 1, "Writing commit %s of %s", st->src->commit.id,
                st->location);
  return write_tree(st, r, tree, &w, err);
}

/* ---- copying a directory ------------------------------------------------- */

static int copy_dir(struct stage *st, const struct where *w,
                    struct s2i_error **err);

static int copy_file(struct stage *st, const struct where *w,
                     const struct stat *sb, struct s2i_error **err)
{
  cleanup_close int in = open(w->from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out;

  if (in < 0)
    return s2i_error_make(err, errno, "open %s", w->from);
  out = create_file(w->path, err);
  if (out < 0)
    return -1;
  if (s2i_fs_copy_fd(in, out) < 0) {
    s2i_error_make(err, errno, "copy %s to %s", w->from, w->path);
    close(out);
    return -1;
  }
  return finish_file(st, out, w->path, sb->st_mode & 0777,
                     (long long)sb->st_size, err);
}

static int copy_link(struct stage *st, const struct where *w,
                     const struct stat *sb, struct s2i_error **err)
{
  size_t cap = (size_t)sb->st_size + 1;
  cleanup_free char *target = xmalloc(cap);
  ssize_t n = readlink(w->from, target, cap);

  if (n < 0 || (size_t)n >= cap)
    return s2i_error_make(err, n < 0 ? errno : ENAMETOOLONG, "read link %s",
                          w->from);
  target[n] = '\0';
  return write_symlink(st, target, w->path, err);
}

static int copy_subdir(struct stage *st, const struct where *w,
                       const struct stat *sb, enum verdict v,
                       struct s2i_error **err)
{
  int ret;

  if (sb->st_dev == st->dest_st.st_dev && sb->st_ino == st->dest_st.st_ino)
    return 0;
  if (make_dir(st, w->path, (sb->st_mode & 0777) | 0700, err) < 0)
    return -1;
  ret = copy_dir(st, w, err);
  if (v == PROBE)
    rmdir(w->path);
  return ret;
}

static int copy_entry(struct stage *st, const struct where *parent,
                      const char *name, struct s2i_error **err)
{
  cleanup_where struct where w = {0};
  struct stat sb;
  enum verdict v;

  where_child(&w, parent, name, 1);
  if (lstat(w.from, &sb) < 0)
    return s2i_error_make(err, errno, "stat %s", w.from);
  v = classify(st, w.rel, name, S_ISDIR(sb.st_mode));
  if (v == SKIP)
    return 0;
  if (S_ISDIR(sb.st_mode))
    return copy_subdir(st, &w, &sb, v, err);
  if (S_ISREG(sb.st_mode))
    return copy_file(st, &w, &sb, err);
  if (S_ISLNK(sb.st_mode))
    return copy_link(st, &w, &sb, err);
  s2i_log_warn(st->ctx, "%s: not a file, directory or symlink; skipped",
               w.from);
  return 0;
}

static int copy_dir(struct stage *st, const struct where *w,
                    struct s2i_error **err)
{
  cleanup_dir DIR *d = opendir(w->from);
  struct dirent *de;

  if (d == NULL)
    return s2i_error_make(err, errno, "open directory %s", w->from);
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (s2i_ctx_check_interrupt(st->ctx, err) < 0 ||
        copy_entry(st, w, de->d_name, err) < 0)
      return -1;
  }
  if (errno != 0)
    return s2i_error_make(err, errno, "read directory %s", w->from);
  return 0;
}

/* --copy of a repository still records what HEAD is, as s2i does. */
static void note_head(struct stage *st, git_repository *repo)
{
  cleanup_commit git_commit *c = NULL;
  struct s2i_error *ignored = NULL;
  char *refname = NULL;

  if (head_commit(&c, &refname, repo, st->location, &ignored) == 0)
    fill_commit_info(st->src, c, refname);
  s2i_error_free(ignored);
}

/* A symlink on the way to the context dir, or as the context dir itself,
 * would copy a host directory into the image. */
static int check_context_dir(const struct stage *st, const char *root,
                             struct s2i_error **err)
{
  struct stat sb;

  if (st->context == NULL)
    return 0;
  if (s2i_fs_check_beneath(st->location, st->context, err) < 0)
    return s2i_error_prefix(err, "context directory");
  if (lstat(root, &sb) == 0 && S_ISLNK(sb.st_mode))
    return s2i_error_make(err, 0,
                          "context directory '%s' in %s is a symlink (refused)",
                          st->context, st->location);
  return 0;
}

static int stage_copy(struct stage *st, const char *dest,
                      struct s2i_error **err)
{
  cleanup_free char *root = st->context ? s2i_fs_join(st->location, st->context)
                                        : xstrdup(st->location);
  cleanup_free char *ignore_path = s2i_fs_join(root, ".s2iignore");
  struct where w = {(char *)dest, (char *)"", root};

  if (check_context_dir(st, root, err) < 0)
    return -1;
  if (!s2i_fs_is_dir(root))
    return s2i_error_make(err, 0, "context directory '%s' not found in %s",
                          st->context, st->location);
  if (s2i_ignore_load(&st->ignore, ignore_path, err) < 0)
    return -1;
  s2i_log_debug(st->ctx, 1, "Copying %s", root);
  return copy_dir(st, &w, err);
}

/* ---- the stage ----------------------------------------------------------- */

static char *local_base_url(git_repository *repo, const char *location)
{
  cleanup_remote git_remote *origin = NULL;
  char *abs;

  if (git_remote_lookup(&origin, repo, "origin") == 0 &&
      git_remote_url(origin) != NULL)
    return xstrdup(git_remote_url(origin));
  abs = realpath(location, NULL);
  return abs ? abs : xstrdup(location);
}

/* A repository's working tree root (or a bare repository); NULL when the
 * directory is not one, so it is copied as a plain directory. */
static int open_local(git_repository **out, const char *location,
                      struct s2i_error **err)
{
  int rc = git_repository_open_ext(out, location, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                   NULL);

  if (rc == GIT_ENOTFOUND) {
    *out = NULL;
    return 0;
  }
  return rc < 0 ? s2i_error_git(err, "open repository %s", location) : 0;
}

static int stage_local(struct stage *st, const char *dest,
                       struct s2i_error **err)
{
  cleanup_repo_ctx struct repo r = {0};

  if (!s2i_fs_is_dir(st->location))
    return s2i_error_make(err, 0, "source %s: not a directory or a Git URL",
                          st->location);
  if (open_local(&r.repo, st->location, err) < 0)
    return -1;
  if (r.repo != NULL && !st->o->copy) {
    r.url = local_base_url(r.repo, st->location);
    return stage_commit(st, &r, dest, err);
  }
  if (r.repo == NULL && st->o->ref != NULL)
    return s2i_error_make(err, 0,
                          "ref '%s' given but %s is not a Git "
                          "repository",
                          st->o->ref, st->location);
  if (st->o->ref != NULL)
    s2i_log_warn(st->ctx,
                 "ref '%s' ignored: --copy stages the working tree as it is",
                 st->o->ref);
  if (r.repo != NULL)
    note_head(st, r.repo);
  return stage_copy(st, dest, err);
}

static int stage_url(struct stage *st, const char *dest, struct s2i_error **err)
{
  cleanup_repo_ctx struct repo r = {0};

  if (open_repo_at(st, &r.repo, st->location, err) < 0)
    return -1;
  r.url = xstrdup(st->location);
  return stage_commit(st, &r, dest, err);
}

/* "", "." and "/" mean the root; anything leaving the root is refused. */
static int set_context(struct stage *st, struct s2i_error **err)
{
  const char *c = st->o->context_dir;
  size_t len;

  if (c == NULL)
    return 0;
  while (*c == '/' || (c[0] == '.' && c[1] == '/'))
    c++;
  len = strlen(c);
  while (len > 0 && c[len - 1] == '/')
    len--;
  if (len == 0 || (len == 1 && c[0] == '.'))
    return 0;
  st->context = xstrndup(c, len);
  if (!s2i_fs_path_is_safe(st->context))
    return s2i_error_make(err, 0, "context directory '%s' leaves the source",
                          st->o->context_dir);
  return 0;
}

static int stage_begin(struct stage *st, const char *dest,
                       struct s2i_error **err)
{
  const char *ex = st->o->exclude ? st->o->exclude : DEFAULT_EXCLUDE;
  const char *tmp = getenv("TMPDIR");
  int rc;

  if (st->location == NULL || *st->location == '\0')
    return s2i_error_make(err, 0, "no source location given");
  if (set_context(st, err) < 0)
    return -1;
  if (*ex != '\0') {
    rc = regcomp(&st->exclude, ex, REG_EXTENDED | REG_NOSUB);
    if (rc != 0)
      return s2i_error_make(err, 0, "invalid exclude pattern '%s'", ex);
    st->have_exclude = 1;
  }
  if (s2i_fs_mkdir_p(dest, 0755, err) < 0)
    return -1;
  if (lstat(dest, &st->dest_st) < 0 || lchown(dest, st->o->uid, st->o->gid) < 0)
    return s2i_error_make(err, errno, "set owner of %s", dest);
  return s2i_fs_mkdtemp(&st->scratch,
                        st->o->scratch_dir ? st->o->scratch_dir
                                           : (tmp ? tmp : "/tmp"),
                        "s2i-source-", err);
}

static void stage_end(struct stage *st)
{
  struct s2i_error *ignored = NULL;

  if (st->scratch != NULL)
    s2i_fs_rm_rf(st->scratch, &ignored);
  s2i_error_free(ignored);
  if (st->have_exclude)
    regfree(&st->exclude);
  s2i_ignore_free(st->ignore);
  free(st->scratch);
  free(st->context);
}

/* Pack files are read through mmap windows that count as resident memory
 * once touched: small windows keep a large repository streaming in bounded
 * memory.  Owner validation is off because nothing here runs what a
 * repository's config names; root builds of a user's checkout must work. */
static void tune_libgit2(void)
{
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)16 << 20);
  git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)16 << 20);
  git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

/* A URL to fetch from, or a directory here?  file:///dir of a plain
 * directory (no repository) is copied as the original copies it; a
 * file:// repository is a Git URL (read in place by open_repo_at). */
static int is_remote(struct stage *st)
{
  const char *path = s2i_giturl_file_path(st->location);
  git_repository *repo = NULL;

  if (path == NULL || !s2i_fs_is_dir(path))
    return s2i_source_is_url(st->location);
  if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
                              NULL) == 0) {
    git_repository_free(repo);
    return 1;
  }
  st->location = path;
  return 0;
}

int s2i_source_stage(const struct s2i_ctx *ctx, struct s2i_source **out,
                     const struct s2i_source_opts *o, const char *dest_dir,
                     struct s2i_error **err)
{
  struct stage st = {.ctx = ctx, .o = o, .location = o->location};
  int ret;

  st.src = xcalloc(1, sizeof(*st.src));
  git_libgit2_init();
  tune_libgit2();
  ret = stage_begin(&st, dest_dir, err);
  if (ret == 0)
    ret = is_remote(&st) ? stage_url(&st, dest_dir, err)
                         : stage_local(&st, dest_dir, err);
  stage_end(&st);
  git_libgit2_shutdown();
  if (ret < 0) {
    s2i_source_free(st.src);
    return -1;
  }
  *out = st.src;
  return 0;
}

void s2i_source_free(struct s2i_source *src)
{
  if (src == NULL)
    return;
  free(src->commit.id);
  free(src->commit.ref);
  free(src->commit.author);
  free(src->commit.date);
  free(src->commit.message);
  free(src);
}
