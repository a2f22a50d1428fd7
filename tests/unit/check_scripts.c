/* Finding the builder scripts: --scripts-url > source .s2i/bin (.sti/bin) >
 * the image's label (or its deprecated spellings) > --image-scripts-url
 * (default image:///usr/libexec/s2i), decided per script; image:// in the
 * unpacked layers; file:// and http(s):// copied into the inject dir; what
 * is missing named. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testutil.h"

#include "cleanup.h"
#include "scripts.h"
#include "strv.h"

#define INJECT_PATH "/tmp/scripts"

struct fx {
  char *dir;    /* holds everything below */
  char *src;    /* staged source */
  char *url;    /* a file:// scripts dir */
  char *inject; /* inject_dir */
  struct s2i_strv lowers;
  struct s2i_image *img; /* the builder's config: its labels and Env */
  struct s2i_scripts_opts o;
  struct s2i_scripts s;
};

static void fx_open(struct fx *f)
{
  memset(f, 0, sizeof(*f));
  f->dir = tu_tmpdir();
  f->src = s2i_fs_join(f->dir, "src");
  f->url = s2i_fs_join(f->dir, "url");
  f->inject = s2i_fs_join(f->dir, "inject");
  ck_assert_int_eq(mkdir(f->src, 0755), 0);
  ck_assert_int_eq(mkdir(f->url, 0755), 0);
  f->o.ctx = tu_ctx();
  f->o.source_dir = f->src;
  f->o.inject_dir = f->inject;
  f->o.inject_path = INJECT_PATH;
  f->img = s2i_image_new_scratch();
  f->o.image = f->img;
}

/* The builder's io.openshift.s2i.scripts-url label (NULL: none). */
static void fx_label(struct fx *f, const char *key, const char *url)
{
  s2i_image_set_label(f->img, key, url);
}
#define fx_scripts_label(f, url)                                               \
  fx_label((f), "io.openshift.s2i.scripts-url", (url))

/* A layer dir "lowerN" (bottom first), returned for files to be put in. */
static const char *fx_lower(struct fx *f)
{
  char *name = xasprintf("lower%zu", f->lowers.n);
  char *p = s2i_fs_join(f->dir, name);

  ck_assert_int_eq(mkdir(p, 0755), 0);
  s2i_strv_add(&f->lowers, p);
  f->o.lowers = &f->lowers;
  free(name);
  free(p);
  return f->lowers.v[f->lowers.n - 1];
}

static void fx_close(struct fx *f)
{
  s2i_scripts_free(&f->s);
  s2i_strv_free(&f->lowers);
  s2i_image_free(f->img);
  free(f->src);
  free(f->url);
  free(f->inject);
  tu_rmdir(f->dir);
}

static void resolve_ok(struct fx *f)
{
  struct s2i_error *err = NULL;
  int r = s2i_scripts_resolve(&f->s, &f->o, &err);

  ck_assert_msg(r == 0, "resolve: %s", err ? err->msg : "?");
  ck_assert_ptr_null(err);
}

static void assert_script(const struct fx *f, enum s2i_script_id id,
                          const char *path, const char *origin, int injected)
{
  const struct s2i_script *s = &f->s.s[id];

  ck_assert_msg(s->path != NULL, "%s not found", s2i_script_name(id));
  ck_assert_str_eq(s->path, path);
  ck_assert_str_eq(s->origin, origin);
  ck_assert_int_eq(s->injected, injected);
}

/* The injected copy of `name` holds `text` and is executable. */
static void assert_injected(const struct fx *f, const char *name,
                            const char *text)
{
  cleanup_free char *p = s2i_fs_join(f->inject, name);
  cleanup_free char *buf = NULL;
  struct s2i_error *err = NULL;
  struct stat st;

  ck_assert_int_eq(s2i_fs_read_file(&buf, NULL, p, &err), 0);
  ck_assert_str_eq(buf, text);
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0755);
}

static int injected_exists(const struct fx *f, const char *name)
{
  cleanup_free char *p = s2i_fs_join(f->inject, name);

  return s2i_fs_exists(p);
}

START_TEST(precedence_per_script)
{
  struct fx f;
  cleanup_free char *url = NULL;
  const char *l;

  fx_open(&f);
  url = xasprintf("file://%s", f.url);
  tu_write(f.url, "assemble", "url assemble", 0700);
  tu_write(f.src, ".s2i/bin/assemble", "src assemble", 0644);
  tu_write(f.src, ".s2i/bin/run", "src run", 0644);
  tu_write(f.src, ".s2i/bin/save-artifacts", "src save", 0644);
  l = fx_lower(&f);
  tu_write(l, "usr/libexec/s2i/assemble", "img", 0755);
  tu_write(l, "usr/libexec/s2i/run", "img", 0755);
  tu_write(l, "usr/libexec/s2i/save-artifacts", "img", 0755);
  tu_write(l, "usr/libexec/s2i/usage", "img", 0755);
  f.o.scripts_url = url;
  fx_scripts_label(&f, "image:///usr/libexec/s2i");
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, INJECT_PATH "/assemble", url, 1);
  assert_script(&f, S2I_SCRIPT_RUN, INJECT_PATH "/run", "source .s2i/bin", 1);
  assert_script(&f, S2I_SCRIPT_SAVE_ARTIFACTS, INJECT_PATH "/save-artifacts",
                "source .s2i/bin", 1);
  assert_script(&f, S2I_SCRIPT_USAGE, "/usr/libexec/s2i/usage",
                "image:///usr/libexec/s2i", 0);
  assert_injected(&f, "assemble", "url assemble");
  assert_injected(&f, "run", "src run");
  ck_assert(!injected_exists(&f, "usage"));
  fx_close(&f);
}
END_TEST

START_TEST(assemble_from_source_run_from_image)
{
  struct fx f;
  const char *l;

  fx_open(&f);
  tu_write(f.src, ".s2i/bin/assemble", "src assemble", 0755);
  l = fx_lower(&f);
  tu_write(l, "usr/libexec/s2i/assemble", "img", 0755);
  tu_write(l, "usr/libexec/s2i/run", "img", 0755);
  fx_scripts_label(&f, "image:///usr/libexec/s2i");
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, INJECT_PATH "/assemble",
                "source .s2i/bin", 1);
  assert_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run",
                "image:///usr/libexec/s2i", 0);
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_SAVE_ARTIFACTS].path);
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_USAGE].path);
  ck_assert(!injected_exists(&f, "run"));
  fx_close(&f);
}
END_TEST

START_TEST(image_scripts_in_layers)
{
  struct fx f;
  const char *bottom, *top;

  fx_open(&f);
  bottom = fx_lower(&f);
  top = fx_lower(&f);
  tu_write(bottom, "usr/libexec/s2i/assemble", "a", 0755);
  tu_write(top, "usr/libexec/s2i/run", "r", 0755);
  /* a directory named like a script is not a script */
  tu_write(top, "usr/libexec/s2i/usage/x", "", 0644);
  fx_scripts_label(&f, "image:///usr/libexec/s2i");
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, "/usr/libexec/s2i/assemble",
                "image:///usr/libexec/s2i", 0);
  assert_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run",
                "image:///usr/libexec/s2i", 0);
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_SAVE_ARTIFACTS].path);
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_USAGE].path);
  s2i_scripts_free(&f.s);

  /* --scripts-url image:// looks in the layers too, before the label */
  tu_write(bottom, "opt/s2i/assemble", "a2", 0755);
  f.o.scripts_url = "image:///opt/s2i";
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, "/opt/s2i/assemble",
                "image:///opt/s2i", 0);
  assert_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run",
                "image:///usr/libexec/s2i", 0);
  s2i_scripts_free(&f.s);

  /* without layer dirs (--as-dockerfile) the label is trusted */
  f.o.scripts_url = NULL;
  f.o.lowers = NULL;
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_USAGE, "/usr/libexec/s2i/usage",
                "image:///usr/libexec/s2i", 0);
  fx_close(&f);
}
END_TEST

START_TEST(missing_required_named)
{
  struct fx f;
  struct s2i_error *err = NULL;
  cleanup_free char *url = NULL;
  const char *l;

  fx_open(&f);
  l = fx_lower(&f);
  tu_write(l, "usr/libexec/s2i/run", "r", 0755);
  url = xasprintf("file://%s", f.url);
  f.o.scripts_url = url;
  fx_scripts_label(&f, "image:///usr/libexec/s2i");
  ck_assert_int_lt(s2i_scripts_resolve(&f.s, &f.o, &err), 0);
  ck_assert_ptr_nonnull(err);
  ck_assert_msg(strstr(err->msg, "no assemble script found") &&
                    strstr(err->msg, url) && strstr(err->msg, ".s2i/bin") &&
                    strstr(err->msg, "image:///usr/libexec/s2i"),
                "%s", err->msg);
  s2i_error_free(err);
  err = NULL;
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_RUN].path); /* freed on failure */

  /* no label: the default place is looked in, and named */
  tu_write(f.src, ".s2i/bin/assemble", "a", 0755);
  f.o.scripts_url = NULL;
  fx_scripts_label(&f, NULL);
  f.o.image_scripts_url = "image:///opt/nowhere";
  ck_assert_int_lt(s2i_scripts_resolve(&f.s, &f.o, &err), 0);
  ck_assert_msg(
      strstr(err->msg, "no run script found") &&
          strstr(err->msg, "--scripts-url (not given)") &&
          strstr(err->msg, "io.openshift.s2i.scripts-url=(not set)") &&
          strstr(err->msg, "--image-scripts-url image:///opt/nowhere"),
      "%s", err->msg);
  s2i_error_free(err);
  fx_close(&f);
}
END_TEST

/* A builder that says nothing keeps its scripts where the original
 * expects them: image:///usr/libexec/s2i (TestCleanBuild's builders). */
START_TEST(default_image_scripts_url)
{
  struct fx f;
  const char *l;

  fx_open(&f);
  l = fx_lower(&f);
  tu_write(l, "usr/libexec/s2i/assemble", "a", 0755);
  tu_write(l, "usr/libexec/s2i/run", "r", 0755);
  tu_write(l, "opt/other/assemble", "a2", 0755);
  tu_write(l, "opt/other/run", "r2", 0755);
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run",
                "image:///usr/libexec/s2i", 0);
  s2i_scripts_free(&f.s);
  /* --image-scripts-url moves the fallback ... */
  f.o.image_scripts_url = "image:///opt/other";
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_RUN, "/opt/other/run", "image:///opt/other", 0);
  s2i_scripts_free(&f.s);
  /* ... and the builder's label still comes before it */
  fx_scripts_label(&f, "image:///usr/libexec/s2i");
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run",
                "image:///usr/libexec/s2i", 0);
  fx_close(&f);
}
END_TEST

/* The deprecated spellings the original still reads, in its order. */
START_TEST(deprecated_label_and_env)
{
  struct fx f;
  const char *from = NULL;

  fx_open(&f);
  ck_assert_ptr_null(s2i_scripts_image_url(f.img, &from));
  ck_assert_ptr_null(from);
  s2i_image_set_env(f.img, "STI_SCRIPTS_URL=image:///sti");
  ck_assert_str_eq(s2i_scripts_image_url(f.img, &from), "image:///sti");
  ck_assert_str_eq(from, "STI_SCRIPTS_URL");
  fx_label(&f, "io.s2i.scripts-url", "image:///old");
  ck_assert_str_eq(s2i_scripts_image_url(f.img, &from), "image:///old");
  ck_assert_str_eq(from, "io.s2i.scripts-url");
  fx_scripts_label(&f, "image:///new");
  ck_assert_str_eq(s2i_scripts_image_url(f.img, &from), "image:///new");
  ck_assert_str_eq(from, "io.openshift.s2i.scripts-url");
  fx_scripts_label(&f, ""); /* an empty label says nothing */
  ck_assert_str_eq(s2i_scripts_image_url(f.img, &from), "image:///old");
  fx_close(&f);
}
END_TEST

/* A label may point outside the image, as --scripts-url may: file:// is
 * copied in (TestBuildFileScriptsURL-style builders). */
START_TEST(label_file_url_injected)
{
  struct fx f;
  cleanup_free char *url = NULL;

  fx_open(&f);
  url = xasprintf("file://%s", f.url);
  tu_write(f.url, "assemble", "label assemble", 0700);
  tu_write(f.url, "run", "label run", 0700);
  fx_scripts_label(&f, url);
  fx_lower(&f);
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, INJECT_PATH "/assemble", url, 1);
  assert_script(&f, S2I_SCRIPT_RUN, INJECT_PATH "/run", url, 1);
  assert_injected(&f, "run", "label run");
  fx_close(&f);
}
END_TEST

/* .sti/bin is the source's old name for .s2i/bin: used, after .s2i/bin. */
START_TEST(source_sti_bin)
{
  struct fx f;

  fx_open(&f);
  tu_write(f.src, ".sti/bin/assemble", "sti assemble", 0755);
  tu_write(f.src, ".sti/bin/run", "sti run", 0755);
  tu_write(f.src, ".s2i/bin/run", "s2i run", 0755);
  fx_lower(&f);
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, INJECT_PATH "/assemble",
                "source .sti/bin", 1);
  assert_script(&f, S2I_SCRIPT_RUN, INJECT_PATH "/run", "source .s2i/bin", 1);
  assert_injected(&f, "assemble", "sti assemble");
  assert_injected(&f, "run", "s2i run");
  fx_close(&f);
}
END_TEST

START_TEST(unsupported_scheme)
{
  struct fx f;
  struct s2i_error *err = NULL;

  fx_open(&f);
  tu_write(f.src, ".s2i/bin/assemble", "a", 0755);
  tu_write(f.src, ".s2i/bin/run", "r", 0755);
  f.o.scripts_url = "ftp://example.com/s2i";
  tu_assert_error(s2i_scripts_resolve(&f.s, &f.o, &err), &err,
                  "--scripts-url ftp://example.com/s2i: use image://, "
                  "file:// or http(s)://");
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_ASSEMBLE].path);
  fx_close(&f);
}
END_TEST

/* ---- http(s):// against a server on loopback ---------------------------- */

/* A plain http.server that answers 500 below /broken/. */
/* Serves argv[2] on the listening socket passed as fd argv[1]. */
static const char server_py[] =
    "import functools, http.server, socket, sys\n"
    "class H(http.server.SimpleHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        if self.path.startswith('/broken/'):\n"
    "            self.send_error(500)\n"
    "        else:\n"
    "            super().do_GET()\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "h = functools.partial(H, directory=sys.argv[2])\n"
    "s = http.server.HTTPServer(('127.0.0.1', 0), h, bind_and_activate=False)\n"
    "s.socket.close()\n"
    "s.socket = socket.socket(fileno=int(sys.argv[1]))\n"
    "s.serve_forever()\n";

static void exec_server(const char *script, int fd, const char *dir)
{
  char fdarg[16];
  int null = open("/dev/null", O_WRONLY);

  /* never outlive the test, even when an assertion ends it early */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  snprintf(fdarg, sizeof(fdarg), "%d", fd);
  dup2(null, 1);
  dup2(null, 2);
  execlp("python3", "python3", script, fdarg, dir, (char *)NULL);
  _exit(127);
}

/* Serve dir on 127.0.0.1; returns the port, *pid the server to kill.  The
 * socket listens before the server starts, so it answers at once. */
static int start_server(pid_t *pid, const char *work, const char *dir)
{
  cleanup_free char *script = s2i_fs_join(work, "server.py");
  int port;
  int fd = tu_listen_loopback(&port);

  tu_write(work, "server.py", server_py, 0644);
  *pid = fork();
  ck_assert_int_ge(*pid, 0);
  if (*pid == 0)
    exec_server(script, fd, dir);
  close(fd);
  return port;
}

static void stop_server(pid_t pid)
{
  kill(pid, SIGTERM);
  waitpid(pid, NULL, 0);
}

START_TEST(http_scripts)
{
  struct fx f;
  struct s2i_error *err = NULL;
  cleanup_free char *www = NULL, *url = NULL, *url_slash = NULL;
  cleanup_free char *broken = NULL, *broken_assemble = NULL;
  pid_t pid;
  int port;

  setenv("NO_PROXY", "127.0.0.1", 1);
  setenv("no_proxy", "127.0.0.1", 1);
  fx_open(&f);
  fx_lower(&f); /* an image without scripts of its own */
  www = s2i_fs_join(f.dir, "www");
  tu_write(www, "s2i/assemble", "#!/bin/sh\necho http assemble\n", 0644);
  tu_write(www, "s2i/run", "#!/bin/sh\necho http run\n", 0644);
  tu_write(www, "broken/assemble", "x", 0644);
  tu_write(f.src, ".s2i/bin/usage", "src usage", 0755);
  port = start_server(&pid, f.dir, www);
  url = xasprintf("http://127.0.0.1:%d/s2i", port);
  url_slash = xasprintf("http://127.0.0.1:%d/s2i/", port);
  broken = xasprintf("http://127.0.0.1:%d/broken", port);
  broken_assemble = xasprintf("%s/assemble", broken);

  f.o.scripts_url = url;
  resolve_ok(&f);
  assert_script(&f, S2I_SCRIPT_ASSEMBLE, INJECT_PATH "/assemble", url, 1);
  assert_script(&f, S2I_SCRIPT_RUN, INJECT_PATH "/run", url, 1);
  assert_injected(&f, "assemble", "#!/bin/sh\necho http assemble\n");
  assert_injected(&f, "run", "#!/bin/sh\necho http run\n");
  /* 404 for an optional script: not found, nothing left behind ... */
  ck_assert_ptr_null(f.s.s[S2I_SCRIPT_SAVE_ARTIFACTS].path);
  ck_assert(!injected_exists(&f, "save-artifacts"));
  /* ... and the next place is searched */
  assert_script(&f, S2I_SCRIPT_USAGE, INJECT_PATH "/usage", "source .s2i/bin",
                1);
  s2i_scripts_free(&f.s);

  f.o.scripts_url = url_slash; /* no double slash in the request */
  resolve_ok(&f);
  assert_injected(&f, "run", "#!/bin/sh\necho http run\n");
  s2i_scripts_free(&f.s);

  f.o.scripts_url = broken;
  ck_assert_int_lt(s2i_scripts_resolve(&f.s, &f.o, &err), 0);
  ck_assert_msg(strstr(err->msg, broken_assemble) && strstr(err->msg, "500"),
                "%s", err->msg);
  s2i_error_free(err);
  err = NULL;
  stop_server(pid);

  /* nobody listening any more: an error naming the URL */
  f.o.scripts_url = url;
  tu_assert_error(s2i_scripts_resolve(&f.s, &f.o, &err), &err, url);
  fx_close(&f);
}
END_TEST

static Suite *scripts_suite(void)
{
  Suite *s = tu_suite(
      "scripts", 0, NULL,
      TU_TESTS(precedence_per_script, assemble_from_source_run_from_image,
               image_scripts_in_layers, missing_required_named,
               default_image_scripts_url, deprecated_label_and_env,
               label_file_url_injected, source_sti_bin, unsupported_scheme));
  TCase *http = tcase_create("http");

  tcase_add_test(http, http_scripts);
  tcase_set_timeout(http, 60);
  suite_add_tcase(s, http);
  return s;
}

TU_MAIN(scripts_suite)
