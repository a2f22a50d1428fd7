#include <stdio.h>

#include "commands.h"

int cmd_usage(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fputs("s2i usage: not yet available\n", stderr);
  return 1;
}
