/* --as-dockerfile: the Dockerfile text (FROM, labels, env, uploads, scripts,
 * USER, RUN, CMD) and its atomic write. */
#include <dirent.h>

#include "testutil.h"

#include "cleanup.h"
#include "dockerfile.h"

struct fx {
  struct s2i_strv env;
  struct s2i_scripts scripts;
  struct s2i_source source;
  struct s2i_dockerfile d;
};

static void set_script(struct fx *f, enum s2i_script_id id, const char *path,
                       int injected)
{
  f->scripts.s[id].path = xstrdup(path);
  f->scripts.s[id].origin = xstrdup(injected ? "source .s2i/bin" : "image");
  f->scripts.s[id].injected = injected;
}

/* Image scripts only, a plain directory, no env. */
static void fx_open(struct fx *f)
{
  memset(f, 0, sizeof(*f));
  set_script(f, S2I_SCRIPT_ASSEMBLE, "/usr/libexec/s2i/assemble", 0);
  set_script(f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run", 0);
  f->d.builder = "quay.io/example/builder:1";
  f->d.user = "1001";
  f->d.dest = "/tmp";
  f->d.env = &f->env;
  f->d.scripts = &f->scripts;
  f->d.source = &f->source;
  f->d.location = "/src/app";
  f->d.tag = "app:1";
}

static void fx_close(struct fx *f)
{
  s2i_scripts_free(&f->scripts);
  s2i_strv_free(&f->env);
}

static int has_line(const char *text, const char *line)
{
  size_t n = strlen(line);
  const char *p = text;

  while (p != NULL) {
    if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
      return 1;
    p = strchr(p, '\n');
    if (p != NULL)
      p++;
  }
  return 0;
}

#define assert_line(text, line)                                                \
  ck_assert_msg(has_line((text), (line)), "no line '%s' in:\n%s", (line),      \
                (text))
#define assert_no_line(text, line)                                             \
  ck_assert_msg(!has_line((text), (line)), "unwanted line '%s' in:\n%s",       \
                (line), (text))

/* The text from the first `prefix` on ("" when absent). */
static const char *text_from(const char *text, const char *prefix)
{
  const char *p = strstr(text, prefix);

  return p ? p : "";
}

/* The original's two comment lines before a script of the image. */
#define FROM_IMAGE(what)                                                       \
  "# " what " script sourced from builder image based on user input or "       \
  "image metadata.\n# If this file does not exist in the image, the build "    \
  "will fail.\n"

START_TEST(image_scripts_plain_dir)
{
  struct fx f;
  cleanup_free char *t = NULL;

  fx_open(&f);
  t = s2i_dockerfile_render(&f.d);
  ck_assert_msg(strncmp(t, "FROM quay.io/example/builder:1\n", 31) == 0, "%s",
                t);
  assert_line(t, "LABEL \"io.openshift.s2i.build.image\"="
                 "\"quay.io/example/builder:1\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.source-location\"="
                 "\"/src/app\"");
  assert_line(t, "LABEL \"io.k8s.display-name\"=\"app:1\"");
  ck_assert_ptr_null(strstr(t, "source-context-dir"));
  ck_assert_ptr_null(strstr(t, "commit."));
  ck_assert_ptr_null(strstr(t, "ENV "));
  assert_line(t, "COPY --chown=1001:0 upload/src /tmp/src");
  ck_assert_ptr_null(strstr(t, "upload/scripts"));
  /* the order a build needs: source in place, then drop to the user, run */
  ck_assert_str_eq(
      text_from(t, "COPY --chown"),
      "COPY --chown=1001:0 upload/src /tmp/src\n"
      "USER 1001\n" FROM_IMAGE("Assemble") "RUN "
                                           "/usr/libexec/s2i/"
                                           "assemble\n" FROM_IMAGE(
                                               "Run") "CMD "
                                                      "/usr/libexec/s2i/run\n");
  fx_close(&f);
}
END_TEST

START_TEST(labels_and_env_quoted)
{
  struct fx f;
  cleanup_free char *t = NULL;

  fx_open(&f);
  f.source.is_git = 1;
  f.source.commit.id = "0123abcd";
  f.source.commit.ref = "main";
  f.source.commit.author = "Ada <ada@example.com>";
  f.source.commit.date = "Mon Jan 2 15:04:05 2006 -0700";
  f.source.commit.message = "Say \"hi\" to $USER\\n";
  f.d.location = "https://example.com/app.git";
  f.d.context_dir = "web";
  s2i_strv_add(&f.env, "A=1");
  s2i_strv_add(&f.env, "MSG=a \"b\" \\c $HOME\nnext=line");
  s2i_strv_add(&f.env, "EMPTY=");
  t = s2i_dockerfile_render(&f.d);
  assert_line(t, "LABEL \"io.openshift.s2i.build.commit.id\"=\"0123abcd\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.commit.ref\"=\"main\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.commit.author\"="
                 "\"Ada <ada@example.com>\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.commit.date\"="
                 "\"Mon Jan 2 15:04:05 2006 -0700\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.commit.message\"="
                 "\"Say \\\"hi\\\" to \\$USER\\\\n\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.source-context-dir\"="
                 "\"web\"");
  assert_line(t, "LABEL \"io.openshift.s2i.build.source-location\"="
                 "\"https://example.com/app.git\"");
  assert_line(t, "ENV A=\"1\"");
  /* a newline would end the instruction: it becomes a space */
  assert_line(t, "ENV MSG=\"a \\\"b\\\" \\\\c \\$HOME next=line\"");
  assert_line(t, "ENV EMPTY=\"\"");
  /* env before the source is copied, in the order given */
  ck_assert_ptr_nonnull(strstr(t, "ENV A=\"1\"\nENV MSG="));
  ck_assert(strstr(t, "ENV EMPTY") < strstr(t, "COPY "));
  fx_close(&f);
}
END_TEST

START_TEST(injected_scripts)
{
  struct fx f;
  cleanup_free char *t = NULL;

  fx_open(&f);
  s2i_scripts_free(&f.scripts);
  f.d.dest = "/opt/app-root";
  f.d.user = "default";
  /* assemble from the source, run from the image */
  set_script(&f, S2I_SCRIPT_ASSEMBLE, "/opt/app-root/scripts/assemble", 1);
  set_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run", 0);
  t = s2i_dockerfile_render(&f.d);
  assert_line(t, "COPY --chown=default:0 upload/src /opt/app-root/src");
  assert_line(t, "COPY --chown=default:0 upload/scripts /opt/app-root/scripts");
  ck_assert_ptr_null(strstr(t, "upload/scripts/run"));
  assert_line(t, "USER default");
  assert_line(t, "RUN /opt/app-root/scripts/assemble");
  /* the original's shell form, and its note on a script from the image */
  assert_line(t, "CMD /usr/libexec/s2i/run");
  assert_line(t, "# If this file does not exist in the image, the build will "
                 "fail.");
  ck_assert(strstr(t, "upload/scripts") < strstr(t, "USER default"));
  free(t);

  /* an uploaded run runs from <dest>/scripts, as the original's */
  s2i_scripts_free(&f.scripts);
  set_script(&f, S2I_SCRIPT_ASSEMBLE, "/usr/libexec/s2i/assemble", 0);
  set_script(&f, S2I_SCRIPT_RUN, "/opt/app-root/scripts/run", 1);
  t = s2i_dockerfile_render(&f.d);
  assert_line(t, "COPY --chown=default:0 upload/scripts /opt/app-root/scripts");
  assert_no_line(t, "COPY upload/scripts/run /usr/libexec/s2i/run");
  assert_line(t, "RUN /usr/libexec/s2i/assemble");
  assert_line(t, "CMD /opt/app-root/scripts/run");
  free(t);

  /* only an optional script injected: the scripts dir is still copied */
  s2i_scripts_free(&f.scripts);
  set_script(&f, S2I_SCRIPT_ASSEMBLE, "/usr/libexec/s2i/assemble", 0);
  set_script(&f, S2I_SCRIPT_RUN, "/usr/libexec/s2i/run", 0);
  set_script(&f, S2I_SCRIPT_SAVE_ARTIFACTS,
             "/opt/app-root/scripts/save-artifacts", 1);
  t = s2i_dockerfile_render(&f.d);
  assert_line(t, "COPY --chown=default:0 upload/scripts /opt/app-root/scripts");
  assert_no_line(t, "COPY upload/scripts/run /usr/libexec/s2i/run");
  fx_close(&f);
}
END_TEST

START_TEST(from_tarball_path)
{
  struct fx f;
  char *dir = tu_tmpdir();
  cleanup_free char *real = realpath(dir, NULL);
  cleanup_free char *dotted = xasprintf("%s/sub/../b.tar", dir);
  cleanup_free char *want = xasprintf("FROM docker-archive:%s/b.tar\n", real);
  cleanup_free char *missing = xasprintf("%s/missing.tar", dir);
  cleanup_free char *want_missing = xasprintf("FROM %s\n", missing);
  cleanup_free char *cwd = getcwd(NULL, 0);
  char *t;

  fx_open(&f);
  tu_write(dir, "b.tar", "not really a tar", 0644);
  tu_write(dir, "sub/x", "", 0644);
  f.d.builder = dotted;
  t = s2i_dockerfile_render(&f.d);
  ck_assert_msg(strncmp(t, want, strlen(want)) == 0, "%s", t);
  /* the label keeps the builder as the user named it */
  ck_assert_ptr_nonnull(strstr(t, dotted));
  free(t);

  ck_assert_int_eq(chdir(dir), 0);
  f.d.builder = "b.tar";
  t = s2i_dockerfile_render(&f.d);
  ck_assert_int_eq(chdir(cwd), 0);
  ck_assert_msg(strncmp(t, want, strlen(want)) == 0, "%s", t);
  free(t);

  /* not a file: an image reference, taken as given */
  f.d.builder = missing;
  t = s2i_dockerfile_render(&f.d);
  ck_assert_msg(strncmp(t, want_missing, strlen(want_missing)) == 0, "%s", t);
  free(t);
  f.d.builder = "docker-archive:b.tar";
  t = s2i_dockerfile_render(&f.d);
  ck_assert_msg(strncmp(t, "FROM docker-archive:b.tar\n", 26) == 0, "%s", t);
  free(t);
  fx_close(&f);
  tu_rmdir(dir);
}
END_TEST

static int dir_entries(const char *dir)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;

  ck_assert_ptr_nonnull(d);
  while ((de = readdir(d)) != NULL)
    n += de->d_name[0] != '.';
  return n;
}

START_TEST(write_atomic)
{
  struct fx f;
  char *dir = tu_tmpdir();
  cleanup_free char *path = s2i_fs_join(dir, "Dockerfile");
  cleanup_free char *want = NULL, *got = NULL;
  cleanup_free char *blocker = s2i_fs_join(dir, "blocked");
  struct s2i_error *err = NULL;
  struct stat st;

  fx_open(&f);
  tu_write(dir, "Dockerfile", "FROM old\n", 0600);
  f.d.path = path;
  ck_assert_int_eq(s2i_dockerfile_write(&f.d, &err), 0);
  want = s2i_dockerfile_render(&f.d);
  ck_assert_int_eq(s2i_fs_read_file(&got, NULL, path, &err), 0);
  ck_assert_str_eq(got, want);
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0644);
  ck_assert_int_eq(dir_entries(dir), 1); /* no temp file left */

  /* cannot replace a directory: error names it, nothing left behind */
  tu_write(dir, "blocked/keep", "x", 0644);
  f.d.path = blocker;
  tu_assert_error(s2i_dockerfile_write(&f.d, &err), &err, blocker);
  ck_assert(s2i_fs_is_dir(blocker));
  ck_assert_int_eq(dir_entries(dir), 2);

  f.d.path = "/nonexistent/dir/Dockerfile";
  tu_assert_error(s2i_dockerfile_write(&f.d, &err), &err,
                  "/nonexistent/dir/Dockerfile");
  fx_close(&f);
  tu_rmdir(dir);
}
END_TEST

static Suite *dockerfile_suite(void)
{
  return tu_suite("dockerfile", 0, NULL,
                  TU_TESTS(image_scripts_plain_dir, labels_and_env_quoted,
                           injected_scripts, from_tarball_path, write_atomic));
}

TU_MAIN(dockerfile_suite)
