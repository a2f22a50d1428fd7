#include <stdio.h>

#include "commands.h"

int cmd_build(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fputs("s2i build: not yet available\n", stderr);
  return 1;
}
