/* The blob store: verified streaming ingest, no temp files left behind. */
#include <dirent.h>

#include "testutil.h"

#include "cleanup.h"
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

static Suite *store_suite(void)
{
  return tu_suite("store", 0, NULL,
                  TU_TESTS(put_and_verify, stale_scratch_swept_fresh_kept));
}

TU_MAIN(store_suite)
