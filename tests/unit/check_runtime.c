#include <archive.h>
#include <archive_entry.h>
#include <errno.h>

#include "testutil.h"

#include "image.h"
#include "runtime.h"
#include "store.h"
#include "strv.h"

/* ---- nsswitch.conf --------------------------------------------------------
 */

START_TEST(nsswitch_appends_to_passwd_line)
{
  char *t = s2i_runtime_nsswitch("# comment passwd: x\n"
                                 "passwd:         files systemd\n"
                                 "group:          files systemd\n"
                                 "hosts:          files dns\n");

  ck_assert_str_eq(t, "# comment passwd: x\n"
                      "passwd:         files systemd s2i\n"
                      "group:          files systemd\n"
                      "hosts:          files dns\n");
  free(t);
  t = s2i_runtime_nsswitch("passwd: files   # local only\n");
  ck_assert_str_eq(t, "passwd: files s2i # local only\n");
  free(t);
}
END_TEST

START_TEST(nsswitch_is_idempotent)
{
  const char *done = "passwd: files s2i\ngroup: files\n";
  char *t = s2i_runtime_nsswitch(done);

  ck_assert_str_eq(t, done);
  free(t);
}
END_TEST

START_TEST(nsswitch_without_passwd_line_or_file)
{
  char *t = s2i_runtime_nsswitch("hosts: files dns");

  ck_assert_str_eq(t, "hosts: files dns\npasswd: files s2i\n");
  free(t);
  t = s2i_runtime_nsswitch(NULL);
  ck_assert_ptr_nonnull(strstr(t, "\npasswd:     files s2i\n"));
  ck_assert_ptr_nonnull(strstr(t, "\nhosts:      files dns\n"));
  free(t);
}
END_TEST

/* ---- images -----------------------------------------------------------------
 */

struct fake {
  char *dir;              /* holds everything below */
  struct s2i_strv lowers; /* image layers, bottom first */
  char *runtime_root;     /* like build/runtime/rootfs */
  char *dest;             /* the layer being composed */
};

static void link_at(const char *dir, const char *rel, const char *target)
{
  char *p = s2i_fs_join(dir, rel);

  ck_assert_int_eq(symlink(target, p), 0);
  free(p);
}

static void fake_init(struct fake *f, int n_layers)
{
  f->dir = tu_tmpdir();
  f->lowers = (struct s2i_strv)S2I_STRV_INIT;
  for (int i = 0; i < n_layers; i++) {
    char *l = xasprintf("%s/layer%d", f->dir, i);
    ck_assert_int_eq(mkdir(l, 0755), 0);
    s2i_strv_take(&f->lowers, l);
  }
  f->runtime_root = s2i_fs_join(f->dir, "rootfs");
  tu_write(f->runtime_root, "usr/libexec/s2i-runtime/init", "ELF init", 0755);
  tu_write(f->runtime_root, S2I_RUNTIME_NSS_STAGED, "ELF nss", 0755);
  f->dest = s2i_fs_join(f->dir, "dest");
  ck_assert_int_eq(mkdir(f->dest, 0755), 0);
}

static void fake_free(struct fake *f)
{
  s2i_strv_free(&f->lowers);
  free(f->runtime_root);
  free(f->dest);
  tu_rmdir(f->dir);
}

/* Debian-like: usr-merged, /lib a symlink, etc 0755. */
static void fake_debian(struct fake *f)
{
  const char *l0 = f->lowers.v[0];

  tu_write(l0, "usr/lib/x86_64-linux-gnu/libc.so.6", "ELF libc", 0755);
  tu_write(l0, "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", 0644);
  tu_write(l0, "etc/nsswitch.conf", "passwd: files\ngroup: files\n", 0644);
  link_at(l0, "lib", "usr/lib");
  link_at(l0, "lib64", "usr/lib64");
}

static void fake_busybox(struct fake *f)
{
  tu_write(f->lowers.v[0], "bin/busybox", "ELF busybox", 0755);
  tu_write(f->lowers.v[0], "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n",
           0644);
}

static char *read_at(const char *dir, const char *rel)
{
  char *p = s2i_fs_join(dir, rel);
  char *text = NULL;
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_fs_read_file(&text, NULL, p, &err), 0);
  free(p);
  return text;
}

static mode_t lmode_at(const char *dir, const char *rel)
{
  char *p = s2i_fs_join(dir, rel);
  struct stat st;

  ck_assert_msg(lstat(p, &st) == 0, "%s missing", p);
  free(p);
  return st.st_mode;
}

START_TEST(libc_dir_detection)
{
  struct fake f;
  char *d;

  fake_init(&f, 2);
  ck_assert_ptr_null(s2i_runtime_libc_dir(&f.lowers));
  fake_debian(&f);
  d = s2i_runtime_libc_dir(&f.lowers);
  ck_assert_str_eq(d, "/usr/lib/x86_64-linux-gnu");
  free(d);
  /* musl's loader wins over a compat libc.so.6 */
  tu_write(f.lowers.v[1], "lib/ld-musl-x86_64.so.1", "ELF", 0755);
  ck_assert_ptr_null(s2i_runtime_libc_dir(&f.lowers));
  fake_free(&f);
}
END_TEST

START_TEST(compose_glibc_image)
{
  struct fake f;
  struct s2i_error *err = NULL;
  char *t;

  fake_init(&f, 1);
  fake_debian(&f);
  ck_assert_int_eq(chmod(f.lowers.v[0], 0755), 0);
  {
    char *etc = s2i_fs_join(f.lowers.v[0], "etc");
    ck_assert_int_eq(chmod(etc, 0751), 0); /* an unusual mode is kept */
    free(etc);
  }
  ck_assert_int_eq(s2i_runtime_compose(f.dest, &f.lowers, f.runtime_root, &err),
                   0);
  ck_assert_int_eq(lmode_at(f.dest, "usr/libexec/s2i-runtime/init") & 07777,
                   0755);
  ck_assert_int_eq(lmode_at(f.dest, "etc") & 07777, 0751);
  ck_assert(
      S_ISREG(lmode_at(f.dest, "usr/lib/x86_64-linux-gnu/libnss_s2i.so.2")));
  t = read_at(f.dest, "etc/nsswitch.conf");
  ck_assert_str_eq(t, "passwd: files s2i\ngroup: files\n");
  free(t);
  {
    char *staged = s2i_fs_join(f.dest, "usr/lib/s2i-runtime");
    char *passwd = s2i_fs_join(f.dest, "etc/passwd");
    ck_assert(!s2i_fs_exists(staged)); /* staging dir stays out */
    ck_assert(!s2i_fs_exists(passwd)); /* glibc: /etc/passwd untouched */
    free(staged);
    free(passwd);
  }
  fake_free(&f);
}
END_TEST

START_TEST(compose_busybox_image)
{
  struct fake f;
  struct s2i_error *err = NULL;
  char target[64] = "";
  char *link, *t;

  fake_init(&f, 1);
  fake_busybox(&f);
  ck_assert_int_eq(s2i_runtime_compose(f.dest, &f.lowers, f.runtime_root, &err),
                   0);
  link = s2i_fs_join(f.dest, "etc/passwd");
  ck_assert_int_gt(readlink(link, target, sizeof(target) - 1), 0);
  ck_assert_str_eq(target, "/tmp/s2i-id/passwd");
  t = read_at(f.dest, "etc/passwd.s2i-orig");
  ck_assert_str_eq(t, "root:x:0:0:root:/root:/bin/sh\n");
  free(t);
  /* the link's target also exists in the image, for runtimes that write
   * through it; an emptyDir at /tmp hides it */
  t = read_at(f.dest, "tmp/s2i-id/passwd");
  ck_assert_str_eq(t, "root:x:0:0:root:/root:/bin/sh\n");
  free(t);
  ck_assert_int_eq(lmode_at(f.dest, "tmp") & 07777, 01777);
  /* group 0 (the init) may replace the entry: no sticky bit */
  ck_assert_int_eq(lmode_at(f.dest, "tmp/s2i-id") & 07777, 0775);
  ck_assert_int_eq(lmode_at(f.dest, "tmp/s2i-id/passwd") & 07777, 0644);
  {
    char *usr_lib = s2i_fs_join(f.dest, "usr/lib");
    ck_assert(!s2i_fs_exists(usr_lib)); /* the staging dir's parent too */
    free(usr_lib);
  }
  free(link);
  fake_free(&f);
}
END_TEST

/* A builder image that is itself an s2i output: the original passwd is
 * taken from passwd.s2i-orig, not from the (dangling) symlink. */
START_TEST(compose_busybox_rebuilt)
{
  struct fake f;
  struct s2i_error *err = NULL;
  char *t;

  fake_init(&f, 2);
  fake_busybox(&f);
  tu_write(f.lowers.v[1], "etc/passwd.s2i-orig", "root:x:0:0::/:/bin/sh\n",
           0644);
  link_at(f.lowers.v[1], "etc/passwd", "/tmp/s2i/passwd");
  ck_assert_int_eq(s2i_runtime_compose(f.dest, &f.lowers, f.runtime_root, &err),
                   0);
  t = read_at(f.dest, "etc/passwd.s2i-orig");
  ck_assert_str_eq(t, "root:x:0:0::/:/bin/sh\n");
  free(t);
  fake_free(&f);
}
END_TEST

START_TEST(compose_without_runtime_files_names_path)
{
  struct fake f;
  struct s2i_error *err = NULL;

  fake_init(&f, 1);
  tu_assert_error(
      s2i_runtime_compose(f.dest, &f.lowers, "/nonexistent/rt", &err), &err,
      "/nonexistent/rt/usr/libexec/s2i-runtime/init");
  fake_free(&f);
}
END_TEST

START_TEST(compose_refuses_file_where_dir_needed)
{
  struct fake f;
  struct s2i_error *err = NULL;

  fake_init(&f, 1);
  tu_write(f.lowers.v[0], "usr/libexec", "not a dir", 0644);
  tu_assert_error(s2i_runtime_compose(f.dest, &f.lowers, f.runtime_root, &err),
                  &err, "/usr/libexec");
  fake_free(&f);
}
END_TEST

/* The whole layer: a tar in the store with the runtime files. */
static void list_tar(struct s2i_strv *names, const char *path)
{
  struct archive *a = archive_read_new();
  struct archive_entry *e;

  archive_read_support_format_tar(a);
  ck_assert_int_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    s2i_strv_addf(names, "%s %o %lld", archive_entry_pathname(e),
                  (unsigned)archive_entry_perm(e),
                  (long long)archive_entry_mtime(e));
  }
  archive_read_free(a);
}

START_TEST(layer_in_store)
{
  struct fake f;
  struct s2i_error *err = NULL;
  struct s2i_store *store = NULL;
  struct s2i_layer layer = {0};
  struct s2i_strv names = S2I_STRV_INIT;
  char *blob, *cache;

  fake_init(&f, 1);
  fake_busybox(&f);
  cache = s2i_fs_join(f.dir, "cache");
  ck_assert_int_eq(s2i_store_open(&store, cache, &err), 0);
  ck_assert_int_eq(s2i_runtime_layer(tu_ctx(), &layer, &f.lowers,
                                     f.runtime_root, 1000, store, &err),
                   0);
  blob = s2i_store_blob_path(store, layer.digest);
  list_tar(&names, blob);
  for (size_t i = 0; i < names.n; i++)
    ck_assert_msg(strstr(names.v[i], " 1000") != NULL, "%s", names.v[i]);
  ck_assert(s2i_strv_contains(&names, "usr/libexec/s2i-runtime/init 755 1000"));
  ck_assert(s2i_strv_contains(&names, "etc/passwd 777 1000"));
  ck_assert(s2i_strv_contains(&names, "etc/passwd.s2i-orig 644 1000"));
  ck_assert(s2i_strv_contains(&names, "tmp/s2i-id/ 775 1000"));
  ck_assert(s2i_strv_contains(&names, "tmp/s2i-id/passwd 644 1000"));
  for (size_t i = 0; i < names.n; i++) /* no root entry, no staging dir */
    ck_assert_msg(strncmp(names.v[i], "./ ", 3) != 0 &&
                      strstr(names.v[i], "s2i-runtime/libnss") == NULL,
                  "%s", names.v[i]);
  s2i_strv_free(&names);
  free(blob);
  free(layer.media_type);
  s2i_store_free(store);
  free(cache);
  fake_free(&f);
}
END_TEST

/* ---- image config
 * ------------------------------------------------------------ */

static json_t *config_of(struct s2i_image *img, const char *key)
{
  return json_object_get(json_object_get(img->config, "config"), key);
}

START_TEST(configure_sets_entrypoint_and_tmpdir)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_strv env = S2I_STRV_INIT;
  json_t *ep;

  s2i_runtime_configure(img);
  ep = config_of(img, "Entrypoint");
  ck_assert_int_eq(json_array_size(ep), 2);
  ck_assert_str_eq(json_string_value(json_array_get(ep, 0)), S2I_RUNTIME_INIT);
  ck_assert_str_eq(json_string_value(json_array_get(ep, 1)), "--");
  s2i_image_env(img, &env);
  ck_assert(s2i_strv_contains(&env, "TMPDIR=/tmp/s2i"));
  s2i_strv_free(&env);
  s2i_runtime_configure(img); /* again: unchanged */
  ck_assert_int_eq(json_array_size(config_of(img, "Entrypoint")), 2);
  s2i_image_free(img);
}
END_TEST

START_TEST(configure_keeps_builder_entrypoint)
{
  struct s2i_image *img = s2i_image_new_scratch();
  const char *ep[] = {"container-entrypoint", NULL};
  json_t *got;

  s2i_image_set_entrypoint(img, ep);
  s2i_runtime_configure(img);
  got = config_of(img, "Entrypoint");
  ck_assert_int_eq(json_array_size(got), 3);
  ck_assert_str_eq(json_string_value(json_array_get(got, 2)),
                   "container-entrypoint");
  s2i_image_free(img);
}
END_TEST

START_TEST(exec_env_moves_home)
{
  struct s2i_image *img = s2i_image_new_scratch();
  struct s2i_strv env = S2I_STRV_INIT;

  s2i_image_set_env(img, "HOME=/opt/app-root/src");
  s2i_image_set_env(img, "S2I_USER_NAME=web");
  s2i_runtime_exec_env(img);
  s2i_image_env(img, &env);
  ck_assert(s2i_strv_contains(&env, "HOME=/tmp/s2i/home"));
  ck_assert(s2i_strv_contains(&env, "S2I_HOME_ORIG=/opt/app-root/src"));
  ck_assert(s2i_strv_contains(&env, "USER=web"));
  s2i_strv_free(&env);
  s2i_runtime_exec_env(img); /* again (a rebuild): the original stays */
  s2i_image_env(img, &env);
  ck_assert(s2i_strv_contains(&env, "S2I_HOME_ORIG=/opt/app-root/src"));
  s2i_strv_free(&env);
  s2i_image_set_env(img, "S2I_USER_NAME=-bad");
  s2i_runtime_exec_env(img);
  s2i_image_env(img, &env);
  ck_assert(s2i_strv_contains(&env, "USER=default"));
  s2i_strv_free(&env);
  s2i_image_free(img);
}
END_TEST

START_TEST(default_root)
{
  char *r;

  setenv("S2I_RUNTIME_DIR", "/opt/rt", 1);
  r = s2i_runtime_default_root();
  ck_assert_str_eq(r, "/opt/rt");
  free(r);
  unsetenv("S2I_RUNTIME_DIR");
  r = s2i_runtime_default_root();
  ck_assert_int_eq(r[0], '/'); /* the build tree's, or next to the binary */
  ck_assert(strstr(r, "runtime") != NULL);
  free(r);
}
END_TEST

static Suite *runtime_suite(void)
{
  return tu_suite("runtime", 0, NULL,
                  TU_TESTS(nsswitch_appends_to_passwd_line,
                           nsswitch_is_idempotent,
                           nsswitch_without_passwd_line_or_file,
                           libc_dir_detection, compose_glibc_image,
                           compose_busybox_image, compose_busybox_rebuilt,
                           compose_without_runtime_files_names_path,
                           compose_refuses_file_where_dir_needed,
                           layer_in_store, configure_sets_entrypoint_and_tmpdir,
                           configure_keeps_builder_entrypoint,
                           exec_env_moves_home, default_root));
}

TU_MAIN(runtime_suite)
