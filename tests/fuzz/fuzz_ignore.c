/* .s2iignore: parse any bytes, match a few paths with them. */
#include "fuzz_common.h"

#include "ignore.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
  static const char *const paths[] = {
      "a", "a/b/c.txt", "/x", "dir/", ".git/config", "deep/er/path/file.py",
      "",  "*",         "[",  "\\"};
  struct s2i_ignore *ig = NULL;
  char *text = xmalloc(n + 1);

  memcpy(text, data, n);
  text[n] = '\0';
  if (s2i_ignore_parse(&ig, text) == 0) {
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
      (void)s2i_ignore_match(ig, paths[i]);
    (void)s2i_ignore_has_negation(ig);
  }
  s2i_ignore_free(ig);
  free(text);
  return 0;
}
