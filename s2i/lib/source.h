/* Stage the application source: clone a Git URL with libgit2 (or open a
 * local repository) and write the tree of the chosen commit, or copy a plain
 * directory; honour --context-dir, .s2iignore and --exclude; never copy
 * .git.  Files are written owned by uid:gid so assemble can change them. */
#ifndef S2I_SOURCE_H
#define S2I_SOURCE_H

#include <sys/types.h>

#include "cleanup.h"
#include "ctx.h"
#include "error.h"

/* The largest file s2i writes from a Git source: libgit2 reads a blob
 * whole into memory.  Directory sources and --copy stream and have none. */
#define S2I_SOURCE_BLOB_MAX ((size_t)512 << 20)

struct s2i_source_opts {
  const char *location;    /* URL or local path */
  const char *ref;         /* branch, tag or commit; NULL: HEAD */
  const char *context_dir; /* sub-directory that becomes the source; NULL */
  int copy;                /* local repo: copy the working tree instead */
  const char
      *exclude; /* POSIX ERE on relative paths; NULL: "(^|/)\.git(/|$)" */
  uid_t uid;
  gid_t gid;
  const char *scratch_dir; /* where a clone may go (removed by the caller) */
  int ignore_submodules;   /* submodules become empty dirs, nothing fetched */
  /* --allow-local-submodules: submodule URLs may be file://, absolute
   * paths or climb above the superproject (giturl.h refuses them). */
  int allow_local_submodules;
};

struct s2i_commit_info {
  char *id;      /* full hex id */
  char *ref;     /* branch or tag name the build used, "" when detached */
  char *author;  /* "Name <email>" */
  char *date;    /* "Mon Jan 2 15:04:05 2006 -0700", as s2i (git log) shows */
  char *message; /* the subject line */
};

struct s2i_source {
  int is_git;
  struct s2i_commit_info commit; /* all NULL unless is_git */
  long n_files;                  /* regular files written */
  long long n_bytes;             /* their total size */
};

/* Writes the source tree into dest_dir (created). */
int s2i_source_stage(const struct s2i_ctx *ctx, struct s2i_source **out,
                     const struct s2i_source_opts *o, const char *dest_dir,
                     struct s2i_error **err);
void s2i_source_free(struct s2i_source *src);
S2I_DEFINE_CLEANUP_FN(struct s2i_source *, s2i_source_free)
#define cleanup_source S2I_CLEANUP(s2i_source_free)
/* 1 when location looks like a URL libgit2 should clone. */
int s2i_source_is_url(const char *location);

#endif
