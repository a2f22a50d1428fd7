/* Image references as podman spells them (refs.h), the store's tags and
 * index (store.h), and how transport.c tells a path from a reference. */
#include "testutil.h"

#include "cleanup.h"
#include "refs.h"
#include "store.h"
#include "transport.h"

static void expect(const char *in, const char *domain, const char *path,
                   const char *tag, const char *digest)
{
  struct s2i_ref *r = NULL;
  struct s2i_error *err = NULL;

  ck_assert_msg(s2i_ref_parse(&r, in, &err) == 0, "%s: %s", in,
                err ? err->msg : "");
  ck_assert_str_eq(r->domain, domain);
  ck_assert_str_eq(r->path, path);
  if (tag)
    ck_assert_str_eq(r->tag, tag);
  else
    ck_assert_ptr_null(r->tag);
  if (digest)
    ck_assert_str_eq(r->digest, digest);
  else
    ck_assert_ptr_null(r->digest);
  s2i_ref_free(r);
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(podman_spellings)
{
  expect("python:3.12", "docker.io", "library/python", "3.12", NULL);
  expect("python", "docker.io", "library/python", "latest", NULL);
  expect("library/python", "docker.io", "library/python", "latest", NULL);
  expect("team/app:1", "docker.io", "team/app", "1", NULL);
  expect("docker.io/python", "docker.io", "library/python", "latest", NULL);
  expect("index.docker.io/team/app", "docker.io", "team/app", "latest", NULL);
  expect("quay.io/ns/img:1", "quay.io", "ns/img", "1", NULL);
  expect("docker://quay.io/ns/img:1", "quay.io", "ns/img", "1", NULL);
  /* the original's TestGenerate_canonizeBuilderImageArg: with or without
   * docker://, the same image */
  expect("docker://docker.io/centos/nodejs-10-centos7", "docker.io",
         "centos/nodejs-10-centos7", "latest", NULL);
  expect("docker.io/centos/nodejs-10-centos7", "docker.io",
         "centos/nodejs-10-centos7", "latest", NULL);
  expect("127.0.0.1:5000/a/b/c:v1.2", "127.0.0.1:5000", "a/b/c", "v1.2", NULL);
  expect("localhost/app", "localhost", "app", "latest", NULL);
  expect("localhost:5000/app@sha256:" D64, "localhost:5000", "app", NULL,
         "sha256:" D64);
  expect("quay.io/ns/img:1@sha256:" D64, "quay.io", "ns/img", "1",
         "sha256:" D64);
  expect("[::1]:5000/app:2", "[::1]:5000", "app", "2", NULL);
}
END_TEST

START_TEST(strings_and_hosts)
{
  struct s2i_ref *r = NULL;
  struct s2i_error *err = NULL;
  char *s;

  ck_assert_int_eq(s2i_ref_parse(&r, "python:3.12", &err), 0);
  s = s2i_ref_string(r);
  ck_assert_str_eq(s, "docker.io/library/python:3.12");
  free(s);
  s = s2i_ref_name(r);
  ck_assert_str_eq(s, "docker.io/library/python");
  free(s);
  ck_assert_str_eq(s2i_ref_api_host(r), "registry-1.docker.io");
  ck_assert_str_eq(s2i_ref_object(r), "3.12");
  s2i_ref_free(r);
  ck_assert_int_eq(s2i_ref_parse(&r, "127.0.0.1:5/x@sha256:" D64, &err), 0);
  ck_assert_str_eq(s2i_ref_api_host(r), "127.0.0.1:5");
  ck_assert_str_eq(s2i_ref_object(r), "sha256:" D64);
  s2i_ref_free(r);
  ck_assert(s2i_ref_is_loopback("127.0.0.1:5000"));
  ck_assert(s2i_ref_is_loopback("localhost"));
  ck_assert(s2i_ref_is_loopback("[::1]:5000"));
  ck_assert(!s2i_ref_is_loopback("quay.io"));
  ck_assert(!s2i_ref_is_loopback("localhost.example.com"));
  ck_assert(s2i_ref_names_host("quay.io/x"));
  ck_assert(s2i_ref_names_host("localhost:5000/x:1"));
  ck_assert(s2i_ref_names_host("localhost/x"));
  ck_assert(!s2i_ref_names_host("team/app"));
  ck_assert(!s2i_ref_names_host("python:3.12"));
}
END_TEST

START_TEST(refused_with_reason)
{
  struct s2i_ref *r = NULL;
  struct s2i_error *err = NULL;

  tu_assert_error(s2i_ref_parse(&r, "Quay.io/X/y", &err), &err,
                  "repository must be lowercase");
  tu_assert_error(s2i_ref_parse(&r, "quay.io/x/y:-bad", &err), &err,
                  "the tag after ':'");
  tu_assert_error(s2i_ref_parse(&r, "quay.io/x/y@sha256:abc", &err), &err,
                  "the digest after '@'");
  tu_assert_error(s2i_ref_parse(&r, "", &err), &err, "empty");
  tu_assert_error(s2i_ref_parse(&r, "quay.io:99999999/x", &err), &err,
                  "HOST[:PORT]");
  ck_assert_ptr_null(r);
}
END_TEST

/* Tags move, the index stays a valid OCI index, prune keeps what a tag
 * reaches and frees the rest. */
START_TEST(store_tags_and_prune)
{
  char *dir = tu_tmpdir();
  struct s2i_error *err = NULL;
  struct s2i_store *s = NULL;
  json_t *index = NULL;
  char cfg[S2I_DIGEST_LEN + 1], man[S2I_DIGEST_LEN + 1],
      junk[S2I_DIGEST_LEN + 1];
  char *text;
  struct s2i_prune_stats st;

  ck_assert_int_eq(s2i_store_open(&s, dir, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "{}", 2, cfg, &err), 0);
  text = xasprintf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\","
                   "\"size\":2},\"layers\":[]}",
                   cfg);
  ck_assert_int_eq(s2i_store_put(s, text, strlen(text), man, &err), 0);
  ck_assert_int_eq(s2i_store_put(s, "junk", 4, junk, &err), 0);
  tu_assert_error(s2i_store_tag(s, "a:1", S2I_MEDIA_OCI_MANIFEST, "sha256:" D64,
                                2, NULL, &err),
                  &err, "not in the store");
  ck_assert_int_eq(s2i_store_tag(s, "a:1", S2I_MEDIA_OCI_MANIFEST, man,
                                 (int64_t)strlen(text), NULL, &err),
                   0);
  ck_assert_int_eq(s2i_store_tag(s, "a:1", S2I_MEDIA_OCI_MANIFEST, man,
                                 (int64_t)strlen(text), NULL, &err),
                   0);
  ck_assert_int_eq(s2i_store_tag(s, "b:1", S2I_MEDIA_OCI_MANIFEST, man,
                                 (int64_t)strlen(text), NULL, &err),
                   0);
  ck_assert_int_eq(s2i_store_index(s, &index, &err), 0);
  ck_assert_int_eq(json_array_size(json_object_get(index, "manifests")), 2);
  ck_assert_ptr_nonnull(s2i_store_index_find(index, "a:1"));
  json_decref(index);
  {
    char *n = s2i_transport_store_name(s, "a:1");
    ck_assert_str_eq(n, "a:1");
    free(n);
    ck_assert_ptr_null(s2i_transport_store_name(s, "c:1"));
  }
  ck_assert_int_eq(s2i_store_prune(tu_ctx(), s, &st, &err), 0);
  ck_assert_int_eq(st.blobs, 1); /* junk */
  ck_assert(!s2i_store_has_blob(s, junk));
  ck_assert(s2i_store_has_blob(s, man) && s2i_store_has_blob(s, cfg));
  ck_assert_int_eq(s2i_store_untag(s, "a:1", &err), 1);
  ck_assert_int_eq(s2i_store_untag(s, "a:1", &err), 0);
  ck_assert_int_eq(s2i_store_untag(s, "b:1", &err), 1);
  ck_assert_int_eq(s2i_store_prune(tu_ctx(), s, &st, &err), 0);
  ck_assert_int_eq(st.blobs, 2);
  ck_assert(!s2i_store_has_blob(s, man));
  free(text);
  s2i_store_free(s);
  tu_rmdir(dir);
}
END_TEST

/* A process killed mid-write leaves temp files; the next opener with the
 * store to itself sweeps them, and index.json is never half written. */
START_TEST(store_sweeps_temps)
{
  char *dir = tu_tmpdir();
  struct s2i_error *err = NULL;
  struct s2i_store *s = NULL;

  ck_assert_int_eq(s2i_store_open(&s, dir, &err), 0);
  s2i_store_free(s);
  tu_write(dir, ".s2i/tmp/blob-killed", "x", 0644);
  tu_write(dir, "index.json.tmp-killed", "{", 0644);
  ck_assert_int_eq(s2i_store_open(&s, dir, &err), 0);
  {
    char *a = s2i_fs_join(dir, ".s2i/tmp/blob-killed");
    char *b = s2i_fs_join(dir, "index.json.tmp-killed");
    ck_assert(!s2i_fs_exists(a));
    ck_assert(!s2i_fs_exists(b));
    free(a);
    free(b);
  }
  s2i_store_free(s);
  tu_rmdir(dir);
}
END_TEST

static Suite *refs_suite(void)
{
  return tu_suite("refs", 0, NULL,
                  TU_TESTS(podman_spellings, strings_and_hosts,
                           refused_with_reason, store_tags_and_prune,
                           store_sweeps_temps));
}

TU_MAIN(refs_suite)
