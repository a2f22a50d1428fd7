#include <stdio.h>

#include "commands.h"

int cmd_mkimage(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fputs("s2i mkimage: not yet available\n", stderr);
  return 1;
}
