/* .s2i/environment and -E files: s2i_env_parse on any bytes. */
#include "fuzz_common.h"

#include "env.h"
#include "strv.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
  struct s2i_strv env = S2I_STRV_INIT;
  struct s2i_error *err = NULL;
  char *text = xmalloc(n + 1);

  memcpy(text, data, n);
  text[n] = '\0';
  s2i_strv_add(&env, "PRE=1");
  if (s2i_env_parse(&env, text, n, "fuzz", &err) < 0)
    s2i_error_free(err);
  for (size_t i = 0; i < env.n; i++)
    if (strchr(env.v[i], '=') == NULL)
      abort(); /* every entry is NAME=VALUE */
  s2i_strv_free(&env);
  free(text);
  return 0;
}
