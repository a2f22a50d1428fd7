/* The blob store: verified streaming ingest, no temp files left behind. */
#include <dirent.h>
#include <sys/wait.h>

#include "testutil.h"

#include "cleanup.h"
#include "image.h"
#include "store.h"

static int tmp_entries(const struct s2i_store *s)
{
  cleanup_free char *t = s2i_store_tmp_dir(s);
  cleanup_dir DIR *d = opendir(t);
  struct dirent *de;
  int n = 0;

  while ((de = readdir(d)) != NULL)
    n += de->d_name[0] != '.';
  return n;
}

START_TEST(put_and_verify)
{
  char *dir = tu_tmpdir();
  struct s2i_error *err = NULL;
  struct s2i_store *s = NULL;
  struct s2i_blob_writer *w = NULL;
  char d[S2I_DIGEST_LEN + 1], want[S2I_DIGEST_LEN + 1];
  int64_t size = 0;

  ck_assert_int_eq(s2i_store_open(&s, dir, &err), 0);
  s2i_digest_buffer("abc", 3, want);
  ck_assert(!s2i_store_has_blob(s, want));
  ck_assert_int_eq(s2i_store_put(s, "abc", 3, d, &err), 0);
  ck_assert_str_eq(d, want);
  ck_assert(s2i_store_has_blob(s, want));
  ck_assert_int_eq(s2i_store_put(s, "abc", 3, d, &err), 0); /* again: fine */

  ck_assert_int_eq(s2i_store_blob_begin(&w, s, &err), 0);
  ck_assert_int_eq(s2i_store_blob_write(w, "ab", 2, &err), 0);
  ck_assert_int_eq(s2i_store_blob_write(w, "c", 1, &err), 0);
  ck_assert_int_eq(s2i_store_blob_commit(w, want, d, &size, &err), 0);
  ck_assert_int_eq(size, 3);

  ck_assert_int_eq(s2i_store_blob_begin(&w, s, &err), 0);
  ck_assert_int_eq(s2i_store_blob_write(w, "abd", 3, &err), 0);
  tu_assert_error(s2i_store_blob_commit(w, want, d, NULL, &err), &err, want);

  ck_assert_int_eq(s2i_store_blob_begin(&w, s, &err), 0);
  s2i_store_blob_abort(w);
  ck_assert_int_eq(tmp_entries(s), 0);
  s2i_store_free(s);
  tu_rmdir(dir);
}
END_TEST

START_TEST(stale_scratch_swept_fresh_kept)
{
  char *dir = tu_tmpdir();
  struct s2i_store *st = NULL;
  struct s2i_error *err = NULL;
  char *old = s2i_fs_join(dir, "tmp/build-killed");
  char *fresh = s2i_fs_join(dir, "tmp/build-running");
  struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};

  ck_assert_int_eq(s2i_fs_mkdir_p(old, 0700, &err), 0);
  ck_assert_int_eq(s2i_fs_mkdir_p(fresh, 0700, &err), 0);
  tu_write(dir, "tmp/build-killed/upper/f", "x", 0644);
  ck_assert_int_eq(utimensat(AT_FDCWD, old, ts, 0), 0);
  ck_assert_int_eq(s2i_store_open(&st, dir, &err), 0);
  ck_assert(!s2i_fs_exists(old));
  ck_assert(s2i_fs_exists(fresh));
  s2i_store_free(st);
  free(old);
  free(fresh);
  tu_rmdir(dir);
}
END_TEST

/* A build's scratch dir: removed by the next open once its owner is gone,
 * kept while it lives; a dir without the marker is left to the age rule. */
START_TEST(dead_scratch_swept_live_kept)
{
  char *dir = tu_tmpdir();
  struct s2i_store *st = NULL;
  struct s2i_error *err = NULL;
  char *dead = s2i_fs_join(dir, "tmp/build-dead");
  char *live = s2i_fs_join(dir, "tmp/build-live");
  char *plain = s2i_fs_join(dir, "tmp/build-unmarked");
  pid_t pid;
  int fd, stat_;

  ck_assert_int_eq(s2i_store_open(&st, dir, &err), 0);
  s2i_store_free(st);
  ck_assert_int_eq(s2i_fs_mkdir_p(dead, 0700, &err), 0);
  ck_assert_int_eq(s2i_fs_mkdir_p(live, 0700, &err), 0);
  ck_assert_int_eq(s2i_fs_mkdir_p(plain, 0700, &err), 0);
  tu_write(dir, "tmp/build-dead/upper/f", "x", 0644);
  pid = fork();
  if (pid == 0) /* claims it and dies without cleaning up, as SIGKILL */
    _exit(s2i_store_scratch_claim(dead, &err) >= 0 ? 0 : 1);
  ck_assert_int_eq(waitpid(pid, &stat_, 0), pid);
  ck_assert_int_eq(stat_, 0);
  fd = s2i_store_scratch_claim(live, &err);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(s2i_store_open(&st, dir, &err), 0);
  ck_assert(!s2i_fs_exists(dead));
  ck_assert(s2i_fs_exists(live));
  ck_assert(s2i_fs_exists(plain));
  s2i_store_free(st);
  close(fd);
  free(dead);
  free(live);
  free(plain);
  tu_rmdir(dir);
}
END_TEST

/* put_manifest: a manifest naming config and layers (blobs in s), stored;
 * its digest in d. */
static void put_manifest(struct s2i_store *s, const char *config,
                         const char *l1, const char *l2, char *d)
{
  cleanup_free char *m =
      xasprintf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\"},"
                "\"layers\":[{\"digest\":\"%s\"},{\"digest\":\"%s\"}]}",
                config, l1, l2);
  struct s2i_error *err = NULL;

  ck_assert_int_eq(s2i_store_put(s, m, strlen(m), d, &err), 0);
}

/* --rm: the untagged previous image goes, the blobs a tag still reaches
 * stay; a tagged image is never removed. */
START_TEST(remove_previous_image)
{
  char *dir = tu_tmpdir();
  struct s2i_store *s = NULL;
  struct s2i_error *err = NULL;
  struct s2i_prune_stats st;
  char c1[S2I_DIGEST_LEN + 1], c2[S2I_DIGEST_LEN + 1];
  char shared[S2I_DIGEST_LEN + 1], old[S2I_DIGEST_LEN + 1];
  char m1[S2I_DIGEST_LEN + 1], m2[S2I_DIGEST_LEN + 1];

  ck_assert_int_eq(s2i_store_open(&s, dir, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "{\"c\":1}", 7, c1, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "{\"c\":2}", 7, c2, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "base", 4, shared, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "app-v1", 6, old, &err), 0);
  put_manifest(s, c1, shared, old, m1);
  put_manifest(s, c2, shared, shared, m2);
  ck_assert_int_eq(
      s2i_store_tag(s, "app:1", S2I_MEDIA_OCI_MANIFEST, m1, 10, NULL, &err), 0);
  /* still tagged: nothing goes */
  ck_assert_int_eq(s2i_store_remove_image(tu_ctx(), s, m1, &st, &err), 0);
  ck_assert_int_eq(st.blobs, 0);
  /* the tag moves to the new image: the old one's own blobs go */
  ck_assert_int_eq(
      s2i_store_tag(s, "app:1", S2I_MEDIA_OCI_MANIFEST, m2, 10, NULL, &err), 0);
  ck_assert_int_eq(s2i_store_remove_image(tu_ctx(), s, m1, &st, &err), 0);
  ck_assert_int_eq(st.blobs, 3); /* manifest, config, its own layer */
  ck_assert(!s2i_store_has_blob(s, m1));
  ck_assert(!s2i_store_has_blob(s, c1));
  ck_assert(!s2i_store_has_blob(s, old));
  ck_assert(s2i_store_has_blob(s, shared));
  ck_assert(s2i_store_has_blob(s, m2));
  s2i_store_free(s);
  tu_rmdir(dir);
}
END_TEST

static Suite *store_suite(void)
{
  return tu_suite("store", 0, NULL,
                  TU_TESTS(put_and_verify, stale_scratch_swept_fresh_kept,
                           remove_previous_image,
                           dead_scratch_swept_live_kept));
}

TU_MAIN(store_suite)
