/* s2i usage BUILDER */
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "commands.h"
#include "error.h"

int cmd_usage(int argc, char **argv)
{
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;

  if (argc == 2 &&
      (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    puts("Usage: s2i usage BUILDER\n\n"
         "Run the builder image's usage script and show what it prints.");
    return 0;
  }
  if (argc != 2) {
    fputs("s2i usage: expected one BUILDER argument\n", stderr);
    return S2I_EXIT_USAGE;
  }
  cli_ctx_init(&ctx);
  return s2i_build_usage(&ctx, argv[1], NULL, NULL, &err) < 0 ? cli_fail(err)
                                                              : 0;
}
