/* s2i create IMAGE DIR: lay down a new builder image's skeleton. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctx.h"
#include "error.h"
#include "skeleton.h"

static const char usage[] =
    "Usage: s2i create IMAGE DIR\n"
    "\n"
    "Write the skeleton of a new s2i builder image named IMAGE into DIR:\n"
    "a Dockerfile, the s2i scripts in .s2i/bin/ (assemble, run,\n"
    "save-artifacts, usage), a Makefile, test/run with a test application\n"
    "in test/test-app/, and a README.  Files that exist are left alone.\n";

int cmd_create(int argc, char **argv)
{
  struct s2i_error *err = NULL;
  struct s2i_ctx ctx;

  if (argc == 2 &&
      (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc != 3)
    return cli_usage_error("create", "expected IMAGE and DIR");
  cli_ctx_init(&ctx);
  return s2i_skeleton_create(&ctx, argv[1], argv[2], &err) < 0 ? cli_fail(err)
                                                               : 0;
}
