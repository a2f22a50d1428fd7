/* Staging from real repositories made with the git CLI. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testutil.h"

#include "cleanup.h"

#include "source.h"

#define AUTHOR_DATE "2006-01-02T15:04:05-0700"

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
  va_list ap;
  char *cmd;
  int rc;

  va_start(ap, fmt);
  cmd = xvasprintf(fmt, ap);
  va_end(ap);
  rc = system(cmd);
  ck_assert_msg(rc == 0, "command failed (%d): %s", rc, cmd);
  free(cmd);
}

/* First line of a command's output. */
static char *sh_out(const char *cmd)
{
  char buf[256] = "";
  FILE *p = popen(cmd, "r");

  ck_assert_ptr_nonnull(p);
  ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), p));
  pclose(p);
  buf[strcspn(buf, "\n")] = '\0';
  return xstrdup(buf);
}

static void git_env(void)
{
  setenv("GIT_AUTHOR_NAME", "Ada Lovelace", 1);
  setenv("GIT_AUTHOR_EMAIL", "ada@example.com", 1);
  setenv("GIT_AUTHOR_DATE", AUTHOR_DATE, 1);
  setenv("GIT_COMMITTER_NAME", "Ada Lovelace", 1);
  setenv("GIT_COMMITTER_EMAIL", "ada@example.com", 1);
  setenv("GIT_COMMITTER_DATE", AUTHOR_DATE, 1);
  setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
}

/* A repository at root/name: v1 tag on the first commit, a "feature"
 * branch, main checked out with a second commit. */
static char *make_repo(const char *root, const char *name)
{
  char *dir = s2i_fs_join(root, name);

  sh("git init -q -b main %s", dir);
  tu_write(dir, "README", "first\n", 0644);
  tu_write(dir, "run.sh", "#!/bin/sh\necho hi\n", 0755);
  tu_write(dir, "app/src/main.py", "print(1)\n", 0644);
  tu_write(dir, "app/.s2i/environment", "A=1\n", 0644);
  tu_write(dir, "a/.gitkeep", "", 0644);
  sh("cd %s && ln -s README link && git add -A && "
     "git commit -q -m 'Initial import' -m 'Body text.' && git tag v1 && "
     "git tag -a -m annotated v1-annotated && git branch feature",
     dir);
  sh("cd %s && git checkout -q feature && echo feature > FEATURE && "
     "git add FEATURE && git commit -q -m 'Feature work' && "
     "git checkout -q main",
     dir);
  tu_write(dir, "README", "second\n", 0644);
  sh("cd %s && git commit -q -am 'Second commit'", dir);
  return dir;
}

struct fixture {
  pid_t daemon;
  char *tmp;
  char *repo;
  char *dest;
  char *scratch;
  struct s2i_source_opts o;
  struct s2i_source *src;
  struct s2i_error *err;
};

static struct fixture fx;

static void setup(void)
{
  git_env();
  memset(&fx, 0, sizeof(fx));
  fx.tmp = tu_tmpdir();
  fx.repo = make_repo(fx.tmp, "repo");
  fx.dest = s2i_fs_join(fx.tmp, "dest");
  fx.scratch = s2i_fs_join(fx.tmp, "scratch");
  fx.o.location = fx.repo;
  fx.o.scratch_dir = fx.scratch;
  fx.o.uid = getuid();
  fx.o.gid = getgid();
}

static void teardown(void)
{
  if (fx.daemon > 0) {
    kill(fx.daemon, SIGTERM);
    waitpid(fx.daemon, NULL, 0);
  }
  s2i_source_free(fx.src);
  s2i_error_free(fx.err);
  free(fx.repo);
  free(fx.dest);
  free(fx.scratch);
  tu_rmdir(fx.tmp);
}

static void stage_ok(void)
{
  int rc;

  s2i_source_free(fx.src);
  fx.src = NULL;
  s2i_fs_rm_rf(fx.dest, &fx.err);
  rc = s2i_source_stage(tu_ctx(), &fx.src, &fx.o, fx.dest, &fx.err);
  ck_assert_msg(rc == 0, "stage failed: %s", fx.err ? fx.err->msg : "?");
  ck_assert_ptr_nonnull(fx.src);
}

static void stage_fails(const char *needle)
{
  s2i_fs_rm_rf(fx.dest, &fx.err);
  tu_assert_error(s2i_source_stage(tu_ctx(), &fx.src, &fx.o, fx.dest, &fx.err),
                  &fx.err, needle);
}

static char *dest_read(const char *rel)
{
  char *path = s2i_fs_join(fx.dest, rel);
  char *buf = NULL;

  ck_assert_msg(s2i_fs_read_file(&buf, NULL, path, &fx.err) == 0,
                "cannot read %s", path);
  free(path);
  return buf;
}

static void assert_file(const char *rel, const char *text)
{
  char *buf = dest_read(rel);

  ck_assert_str_eq(buf, text);
  free(buf);
}

static int dest_has(const char *rel)
{
  char *path = s2i_fs_join(fx.dest, rel);
  int has = s2i_fs_exists(path);

  free(path);
  return has;
}

static mode_t dest_mode(const char *rel)
{
  char *path = s2i_fs_join(fx.dest, rel);
  struct stat st;

  ck_assert_int_eq(lstat(path, &st), 0);
  free(path);
  return st.st_mode;
}

static char *repo_rev(const char *rev)
{
  char *cmd = xasprintf("git -C %s rev-parse %s", fx.repo, rev);
  char *out = sh_out(cmd);

  free(cmd);
  return out;
}

/* One `git daemon --inetd` per connection on the listening socket fd: the
 * socket is bound before the daemon starts, at a port the kernel picked,
 * so the clone can connect at once and nothing else can take the port. */
static void serve_git(int fd)
{
  char *basearg = xasprintf("--base-path=%s", fx.tmp);
  int null = open("/dev/null", O_WRONLY);

  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
  /* Check's handlers, inherited through fork, would pass a TERM on to the
   * test's whole process group */
  signal(SIGTERM, SIG_DFL);
  signal(SIGALRM, SIG_DFL);
  dup2(null, 2);
  for (;;) {
    int c = accept(fd, NULL, NULL);

    if (c < 0)
      _exit(1);
    if (fork() == 0) {
      dup2(c, 0);
      dup2(c, 1);
      execlp("git", "git", "daemon", "--inetd", "--export-all", basearg,
             (char *)NULL);
      _exit(127);
    }
    close(c);
    while (waitpid(-1, NULL, WNOHANG) > 0)
      ;
  }
}

/* git daemon on loopback serving fx.tmp: the network clone path.  Returns
 * "git://127.0.0.1:<port>". */
static char *start_git_daemon(void)
{
  int port;
  int fd = tu_listen_loopback(&port);

  fx.daemon = fork();
  ck_assert_int_ge(fx.daemon, 0);
  if (fx.daemon == 0)
    serve_git(fd);
  close(fd);
  return xasprintf("git://127.0.0.1:%d", port);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(local_head)
{
  char *head = repo_rev("HEAD");
  char link[64] = "";

  stage_ok();
  assert_file("README", "second\n");
  assert_file("app/src/main.py", "print(1)\n");
  ck_assert(!dest_has(".git"));
  ck_assert(!dest_has("FEATURE"));
  ck_assert_int_eq(dest_mode("run.sh") & 07777, 0755);
  ck_assert_int_eq(dest_mode("README") & 07777, 0644);
  ck_assert(S_ISLNK(dest_mode("link")));
  {
    char *p = s2i_fs_join(fx.dest, "link");
    ck_assert_int_gt(readlink(p, link, sizeof(link) - 1), 0);
    free(p);
  }
  ck_assert_str_eq(link, "README");
  ck_assert_int_eq(fx.src->is_git, 1);
  ck_assert_str_eq(fx.src->commit.id, head);
  ck_assert_str_eq(fx.src->commit.ref, "main");
  ck_assert_int_eq(fx.src->n_files, 5);
  ck_assert_int_eq(fx.src->n_bytes, 7 + 18 + 9 + 4 + 0);
  free(head);
}
END_TEST

START_TEST(commit_facts)
{
  stage_ok();
  ck_assert_str_eq(fx.src->commit.author, "Ada Lovelace <ada@example.com>");
  ck_assert_str_eq(fx.src->commit.date, "Mon Jan 2 15:04:05 2006 -0700");
  ck_assert_str_eq(fx.src->commit.message, "Second commit");
  fx.o.ref = "v1";
  stage_ok();
  ck_assert_str_eq(fx.src->commit.message, "Initial import");
  /* a positive, half-hour zone as git log prints it */
  setenv("GIT_AUTHOR_DATE", "2020-03-09T08:07:06+0530", 1);
  sh("cd %s && git commit -q --allow-empty -m 'Zoned' -m 'more'", fx.repo);
  fx.o.ref = NULL;
  stage_ok();
  ck_assert_str_eq(fx.src->commit.date, "Mon Mar 9 08:07:06 2020 +0530");
}
END_TEST

START_TEST(refs_tag_branch_commit)
{
  char *first = repo_rev("v1");
  char *feature = repo_rev("feature");

  fx.o.ref = "v1";
  stage_ok();
  assert_file("README", "first\n");
  ck_assert_str_eq(fx.src->commit.ref, "v1");
  ck_assert_str_eq(fx.src->commit.id, first);

  fx.o.ref = "v1-annotated"; /* peeled to its commit */
  stage_ok();
  ck_assert_str_eq(fx.src->commit.id, first);

  fx.o.ref = "feature";
  stage_ok();
  assert_file("FEATURE", "feature\n");
  ck_assert_str_eq(fx.src->commit.id, feature);
  ck_assert_str_eq(fx.src->commit.ref, "feature");

  fx.o.ref = first; /* a commit id: detached */
  stage_ok();
  assert_file("README", "first\n");
  ck_assert_str_eq(fx.src->commit.ref, "");
  free(first);
  free(feature);
}
END_TEST

START_TEST(detached_head_has_empty_ref)
{
  sh("git -C %s checkout -q --detach v1", fx.repo);
  stage_ok();
  assert_file("README", "first\n");
  ck_assert_str_eq(fx.src->commit.ref, "");
}
END_TEST

START_TEST(unknown_ref)
{
  char *want;

  fx.o.ref = "no-such-branch";
  want = xasprintf("ref 'no-such-branch' not found in %s", fx.repo);
  stage_fails(want);
  free(want);
}
END_TEST

START_TEST(file_url_clone)
{
  char *url = xasprintf("file://%s", fx.repo);
  char *feature = repo_rev("feature");
  char *want;

  fx.o.location = url;
  stage_ok();
  assert_file("README", "second\n");
  ck_assert(!dest_has(".git"));
  ck_assert_int_eq(dest_mode("run.sh") & 07777, 0755);
  ck_assert(S_ISLNK(dest_mode("link")));
  ck_assert_str_eq(fx.src->commit.ref, "main");
  ck_assert_str_eq(fx.src->commit.message, "Second commit");

  fx.o.ref = "feature";
  stage_ok();
  ck_assert_str_eq(fx.src->commit.id, feature);
  ck_assert_str_eq(fx.src->commit.ref, "feature");
  fx.o.ref = "v1";
  stage_ok();
  assert_file("README", "first\n");

  fx.o.ref = "nope";
  want = xasprintf("ref 'nope' not found in %s", url);
  stage_fails(want);
  free(want);
  free(feature);
  free(url);
}
END_TEST

START_TEST(network_clone)
{
  char *base = start_git_daemon();
  char *url = xasprintf("%s/repo", base);
  char *feature = repo_rev("feature");
  char *head = repo_rev("HEAD");
  char *want = xasprintf("ref 'nope' not found in %s", url);

  fx.o.location = url;
  stage_ok();
  assert_file("README", "second\n");
  ck_assert(!dest_has(".git"));
  ck_assert_int_eq(dest_mode("run.sh") & 07777, 0755);
  ck_assert(S_ISLNK(dest_mode("link")));
  ck_assert_str_eq(fx.src->commit.id, head);
  ck_assert_str_eq(fx.src->commit.ref, "main");
  ck_assert_str_eq(fx.src->commit.author, "Ada Lovelace <ada@example.com>");
  fx.o.ref = "feature"; /* only origin/feature in a clone */
  stage_ok();
  ck_assert_str_eq(fx.src->commit.id, feature);
  ck_assert_str_eq(fx.src->commit.ref, "feature");
  fx.o.ref = "v1-annotated";
  stage_ok();
  assert_file("README", "first\n");
  fx.o.ref = "nope";
  stage_fails(want);
  free(want);
  free(head);
  free(feature);
  free(url);
  free(base);
}
END_TEST

START_TEST(unreachable_url)
{
  fx.o.location = "file:///nonexistent/repo.git";
  stage_fails("file:///nonexistent/repo.git");
  fx.o.location = "git://127.0.0.1:1/nothing.git";
  stage_fails("git://127.0.0.1:1/nothing.git: ");
}
END_TEST

START_TEST(copy_dirty_worktree)
{
  char *head = repo_rev("HEAD");

  tu_write(fx.repo, "README", "dirty\n", 0644);
  tu_write(fx.repo, "untracked.txt", "new\n", 0600);
  fx.o.copy = 1;
  stage_ok();
  assert_file("README", "dirty\n");
  assert_file("untracked.txt", "new\n");
  ck_assert_int_eq(dest_mode("untracked.txt") & 07777, 0600);
  ck_assert_int_eq(dest_mode("run.sh") & 07777, 0755);
  ck_assert(S_ISLNK(dest_mode("link")));
  ck_assert(!dest_has(".git"));
  ck_assert_int_eq(fx.src->is_git, 1); /* HEAD is still recorded */
  ck_assert_str_eq(fx.src->commit.id, head);
  free(head);
}
END_TEST

START_TEST(plain_directory)
{
  char *dir = s2i_fs_join(fx.tmp, "plain");
  char *lnk = s2i_fs_join(dir, "cfg");

  tu_write(dir, "index.html", "<h1>hi</h1>\n", 0644);
  tu_write(dir, "bin/start", "#!/bin/sh\n", 0755);
  tu_write(dir, ".git/config", "not a repo really\n", 0644);
  ck_assert_int_eq(symlink("/etc/passwd", lnk), 0);
  fx.o.location = dir;
  stage_ok();
  ck_assert_int_eq(fx.src->is_git, 0);
  ck_assert_ptr_null(fx.src->commit.id);
  assert_file("index.html", "<h1>hi</h1>\n");
  ck_assert_int_eq(dest_mode("bin/start") & 07777, 0755);
  ck_assert(S_ISLNK(dest_mode("cfg")));
  ck_assert(!dest_has(".git"));
  ck_assert_int_eq(fx.src->n_files, 2);
  ck_assert_int_eq(fx.src->n_bytes, 12 + 10);

  fx.o.ref = "main";
  stage_fails("not a Git repository");
  free(lnk);
  free(dir);
}
END_TEST

/* file:///dir of a plain directory is that directory (the original's
 * Dockerfile tests build sources given this way). */
START_TEST(file_url_of_plain_directory)
{
  char *dir = s2i_fs_join(fx.tmp, "plain-url");
  char *url = xasprintf("file://%s", dir);

  tu_write(dir, "index.html", "<h1>url</h1>\n", 0644);
  fx.o.location = url;
  stage_ok();
  ck_assert_int_eq(fx.src->is_git, 0);
  assert_file("index.html", "<h1>url</h1>\n");
  free(url);
  free(dir);
}
END_TEST

START_TEST(context_dir)
{
  char *want;

  fx.o.context_dir = "app/";
  stage_ok();
  assert_file("src/main.py", "print(1)\n");
  assert_file(".s2i/environment", "A=1\n");
  ck_assert(!dest_has("README"));
  ck_assert(!dest_has("app"));
  fx.o.copy = 1;
  stage_ok();
  assert_file("src/main.py", "print(1)\n");
  ck_assert(!dest_has("README"));

  fx.o.context_dir = "missing";
  want = xasprintf("context directory 'missing' not found in %s", fx.repo);
  stage_fails(want);
  fx.o.copy = 0;
  stage_fails(want);
  fx.o.context_dir = "README"; /* a file is not a context dir */
  stage_fails("context directory 'README' not found");
  fx.o.context_dir = "../etc";
  stage_fails("../etc");
  free(want);
}
END_TEST

START_TEST(s2iignore)
{
  tu_write(fx.repo, ".s2iignore",
           "# build junk\n*.log\n!keep.log\napp/src\ndocs\n!docs/api\n", 0644);
  tu_write(fx.repo, "x.log", "x\n", 0644);
  tu_write(fx.repo, "keep.log", "k\n", 0644);
  tu_write(fx.repo, "docs/index.md", "i\n", 0644);
  tu_write(fx.repo, "docs/api/ref.md", "r\n", 0644);
  sh("cd %s && git add -A && git commit -q -m ignore", fx.repo);
  for (int copy = 0; copy <= 1; copy++) {
    fx.o.copy = copy;
    stage_ok();
    ck_assert(!dest_has("x.log"));
    ck_assert(dest_has("keep.log"));
    ck_assert(!dest_has("app/src"));
    ck_assert(dest_has("app/.s2i/environment"));
    ck_assert(!dest_has("docs/index.md"));
    ck_assert(dest_has("docs/api/ref.md"));
    ck_assert(dest_has("README"));
  }
}
END_TEST

START_TEST(s2iignore_in_context_dir)
{
  tu_write(fx.repo, "app/.s2iignore", "src\n", 0644);
  sh("cd %s && git add -A && git commit -q -m ignore", fx.repo);
  fx.o.context_dir = "app";
  stage_ok();
  ck_assert(!dest_has("src"));
  ck_assert(dest_has(".s2i/environment"));
}
END_TEST

START_TEST(exclude_regex)
{
  tu_write(fx.repo, "cache.tmp", "t\n", 0644);
  tu_write(fx.repo, "app/x.tmp", "t\n", 0644);
  sh("cd %s && git add -A && git commit -q -m tmp", fx.repo);
  fx.o.exclude = "\\.tmp$|^a$";
  for (int copy = 0; copy <= 1; copy++) {
    fx.o.copy = copy;
    stage_ok();
    ck_assert(!dest_has("cache.tmp"));
    ck_assert(!dest_has("app/x.tmp"));
    ck_assert(!dest_has("a"));
    ck_assert(dest_has("app/src/main.py"));
    ck_assert(!dest_has(".git")); /* even with another exclude */
  }
  fx.o.exclude = "(";
  stage_fails("invalid exclude pattern '('");
}
END_TEST

static void assert_owner(const char *rel, uid_t uid, gid_t gid)
{
  char *path = s2i_fs_join(fx.dest, rel);
  struct stat st;

  ck_assert_int_eq(lstat(path, &st), 0);
  ck_assert_msg(st.st_uid == uid && st.st_gid == gid, "%s owned by %d:%d", path,
                (int)st.st_uid, (int)st.st_gid);
  free(path);
}

START_TEST(ownership)
{
  const char *paths[] = {"",    "README",  "run.sh",         "link",
                         "app", "app/src", "app/src/main.py"};

  if (getuid() != 0)
    tu_skip("chown needs root");
  fx.o.uid = 1234;
  fx.o.gid = 5678;
  for (int copy = 0; copy <= 1; copy++) {
    fx.o.copy = copy;
    stage_ok();
    for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
      assert_owner(paths[i], 1234, 5678);
    ck_assert_int_eq(dest_mode("run.sh") & 07777, 0755);
  }
}
END_TEST

/* lib (relative URL ../sub) holds deep (../deep next to sub) as a nested
 * module. */
static void make_submodules(void)
{
  char *deep = make_repo(fx.tmp, "deep");
  char *sub = s2i_fs_join(fx.tmp, "sub");

  sh("git init -q -b main %s", sub);
  tu_write(sub, "lib.py", "LIB = 1\n", 0644);
  sh("cd %s && git add -A && git commit -q -m lib && "
     "git -c protocol.file.allow=always submodule -q add %s nested && "
     "git config -f .gitmodules submodule.nested.url ../deep && "
     "git add .gitmodules && git commit -q -m nested",
     sub, deep);
  sh("cd %s && git -c protocol.file.allow=always submodule -q add ../sub "
     "vendor/lib && git commit -q -m 'add lib'",
     fx.repo);
  /* move the pinned commit forward inside the module: lib.py must come from
   * the pinned commit, not from sub's branch head */
  tu_write(sub, "lib.py", "LIB = 2\n", 0644);
  sh("cd %s && git commit -q -am later", sub);
  free(sub);
  free(deep);
}

static void assert_submodules(void)
{
  assert_file("vendor/lib/lib.py", "LIB = 1\n");
  assert_file("vendor/lib/nested/README", "second\n");
  ck_assert(!dest_has("vendor/lib/.git"));
  ck_assert(!dest_has("vendor/lib/nested/.git"));
  ck_assert(dest_has(".gitmodules"));
}

START_TEST(submodules_local_and_cloned)
{
  char *url, *base;

  make_submodules();
  stage_ok(); /* local: objects from .git/modules, nested one cloned */
  assert_submodules();
  url = xasprintf("file://%s", fx.repo);
  fx.o.location = url;
  stage_ok(); /* ../sub resolved against the URL */
  assert_submodules();
  free(url);
  base = start_git_daemon();
  url = xasprintf("%s/repo", base);
  fx.o.location = url;
  stage_ok(); /* cloned over the network, ../sub too */
  assert_submodules();
  fx.o.context_dir = "vendor";
  stage_ok();
  assert_file("lib/lib.py", "LIB = 1\n");
  free(url);
  free(base);
}
END_TEST

/* --ignore-submodules: the paths are there, empty, and nothing is fetched
 * (an unreachable submodule URL does not matter). */
START_TEST(submodules_ignored)
{
  make_submodules();
  fx.o.ignore_submodules = 1;
  stage_ok();
  ck_assert(S_ISDIR(dest_mode("vendor/lib")));
  ck_assert(!dest_has("vendor/lib/lib.py"));
  ck_assert(dest_has(".gitmodules"));
}
END_TEST

/* Point the submodule "mod" (a copy of the repo itself) at url, with no
 * copy of it in .git/modules: url is all s2i has. */
static void set_module_url(const char *url)
{
  sh("cd %s && git -c protocol.file.allow=always submodule -q add %s mod && "
     "git commit -q -m mod && "
     "git config -f .gitmodules submodule.mod.url '%s' && "
     "git commit -q -am 'set url' && rm -rf .git/modules/mod",
     fx.repo, fx.repo, url);
}

START_TEST(submodule_unreachable)
{
  set_module_url("../nonexistent-mod");
  stage_fails("nonexistent-mod");
}
END_TEST

/* A pushed .gitmodules must not make s2i read the build host: file://,
 * absolute paths and ../ above the remote's root are refused, naming the
 * submodule and the URL. */
START_TEST(submodule_url_outside_refused)
{
  static const char *const urls[] = {
      "file:///etc", "FILE:///srv/secret.git", "/srv/secret.git",
      "../../../../../../../../../../../../../../../../x"};

  for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
    cleanup_free char *want = xasprintf("submodule mod: URL \"%s\"", urls[i]);
    teardown();
    setup();
    set_module_url(urls[i]);
    stage_fails(want);
    ck_assert(!dest_has("mod/README"));
  }
}
END_TEST

START_TEST(is_url)
{
  ck_assert(s2i_source_is_url("https://github.com/a/b.git"));
  ck_assert(s2i_source_is_url("http://h/a"));
  ck_assert(s2i_source_is_url("git://h/a"));
  ck_assert(s2i_source_is_url("ssh://git@h/a"));
  ck_assert(s2i_source_is_url("file:///srv/a"));
  ck_assert(s2i_source_is_url("git@github.com:a/b.git"));
  ck_assert(!s2i_source_is_url("/srv/app"));
  ck_assert(!s2i_source_is_url("./app"));
  ck_assert(!s2i_source_is_url("dir:with/colon"));
  ck_assert(!s2i_source_is_url("a/b@c:d"));
}
END_TEST

START_TEST(interrupted)
{
  tu_interrupted = 2;
  stage_fails("interrupted");
  fx.o.copy = 1;
  stage_fails("interrupted");
  tu_interrupted = 0;
}
END_TEST

static Suite *source_suite(void)
{
  TCase *tc;
  Suite *s = tu_suite(
      "source", 60, &tc,
      TU_TESTS(local_head, commit_facts, refs_tag_branch_commit,
               detached_head_has_empty_ref, unknown_ref, file_url_clone,
               network_clone, unreachable_url, copy_dirty_worktree,
               plain_directory, file_url_of_plain_directory, context_dir,
               s2iignore, s2iignore_in_context_dir, exclude_regex, ownership,
               submodules_local_and_cloned, submodules_ignored,
               submodule_unreachable, submodule_url_outside_refused, is_url,
               interrupted));

  tcase_add_checked_fixture(tc, setup, teardown);
  return s;
}

TU_MAIN(source_suite)
