/* A layer blob (any filter, any tar content) unpacked into a fresh dir:
 * the path, link, whiteout and device rules must hold for every input,
 * and nothing may be written outside the dir. */
#include "fuzz_common.h"

#include <sys/stat.h>

#include "layers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
  char *blob = fz_write("blob", data, n);
  char *dest = s2i_fs_join(fz_scratch(), "dest");
  char *outside = s2i_fs_join(fz_scratch(), "outside");
  struct s2i_error *err = NULL;

  s2i_fs_rm_rf(dest, &err);
  s2i_error_free(err);
  err = NULL;
  mkdir(dest, 0755);
  if (s2i_layers_unpack_blob(fz_ctx(), blob, dest, &err) < 0)
    s2i_error_free(err);
  if (s2i_fs_exists(outside))
    abort(); /* an entry escaped the layer dir */
  err = NULL;
  s2i_fs_rm_rf(dest, &err);
  s2i_error_free(err);
  free(outside);
  free(dest);
  free(blob);
  return 0;
}
