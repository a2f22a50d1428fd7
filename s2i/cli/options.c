/* getopt_long as the original s2i's flag parser behaves: a long option
 * must be spelt out in full.  glibc accepts any unique prefix (--ca for
 * --cache-dir), which would make a typo in a script do something; the
 * original rejects it, and so does this. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* The argv element that held the long option getopt_long just parsed. */
static const char *long_token(char **argv, const struct option *o)
{
  if (o->has_arg == required_argument && optarg == argv[optind - 1])
    return argv[optind - 2]; /* "--name VALUE" */
  return argv[optind - 1];   /* "--name" or "--name=VALUE" */
}

int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts, const char *cmd)
{
  int idx = -1;
  int c = getopt_long(argc, argv, shortopts, longopts, &idx);
  const char *tok;
  size_t n;

  if (c == -1 || c == '?' || idx < 0)
    return c;
  tok = long_token(argv, &longopts[idx]);
  n = strcspn(tok + 2, "=");
  if (strncmp(tok, "--", 2) == 0 &&
      (n != strlen(longopts[idx].name) ||
       strncmp(tok + 2, longopts[idx].name, n) != 0)) {
    /* said the way getopt says its own; the caller adds the usage line */
    fprintf(stderr, "%s: unrecognized option '%.*s' (did you mean --%s?)\n",
            cmd, (int)(n + 2), tok, longopts[idx].name);
    return '?';
  }
  return c;
}
