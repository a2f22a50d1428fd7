/* Image metadata: the input is an OCI layout's index.json, manifest,
 * config and layer, separated by a line "--"; all but the index are stored
 * as blobs under their sha256, and the index may name them (the seed
 * does).
 * s2i_archive_read must refuse or accept without crashing. */
#include "fuzz_common.h"

#include <sys/stat.h>

#include "archive.h"
#include "digest.h"
#include "store.h"
#include "xalloc.h"

#define OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void put_blob(const char *dir, const char *text, size_t len)
{
  char digest[S2I_DIGEST_LEN + 1];
  char *path;
  FILE *f;

  s2i_digest_buffer(text, len, digest);
  path = xasprintf("%s/blobs/sha256/%s", dir, s2i_digest_hex(digest));
  f = fopen(path, "we");
  if (f != NULL) {
    fwrite(text, 1, len, f);
    fclose(f);
  }
  free(path);
}

/* Split at "\n--\n" into at most 4 parts (binary: the layer has NULs). */
static size_t split(char *text, size_t n, char *part[4], size_t len[4])
{
  size_t k = 0;
  char *p = text, *end = text + n, *sep;

  part[0] = text;
  while (k < 3 && (sep = memmem(p, (size_t)(end - p), "\n--\n", 4)) != NULL) {
    len[k] = (size_t)(sep - part[k]);
    *sep = '\0';
    p = sep + 4;
    part[++k] = p;
  }
  len[k] = (size_t)(end - part[k]);
  return k + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
  static struct s2i_store *store;
  char *layout = s2i_fs_join(fz_scratch(), "layout");
  char *text = xmalloc(n + 1), *part[4], *blobs;
  size_t len[4], k;
  struct s2i_image *img = NULL;
  struct s2i_error *err = NULL;

  if (store == NULL) {
    char *root = s2i_fs_join(fz_scratch(), "store");
    if (s2i_store_open(&store, root, &err) < 0)
      abort();
    free(root);
  }
  memcpy(text, data, n);
  text[n] = '\0';
  k = split(text, n, part, len);
  s2i_fs_rm_rf(layout, &err);
  s2i_error_free(err);
  err = NULL;
  blobs = xasprintf("%s/blobs/sha256", layout);
  if (s2i_fs_mkdir_p(blobs, 0755, &err) < 0)
    abort();
  free(blobs);
  free(fz_write("layout/oci-layout", (const uint8_t *)OCI_LAYOUT,
                strlen(OCI_LAYOUT)));
  free(fz_write("layout/index.json", (const uint8_t *)part[0], len[0]));
  for (size_t i = 1; i < k; i++)
    put_blob(layout, part[i], len[i]);
  if (s2i_archive_read(fz_ctx(), &img, "oci", layout, NULL, store, &err) < 0)
    s2i_error_free(err);
  s2i_image_free(img);
  free(text);
  free(layout);
  return 0;
}
