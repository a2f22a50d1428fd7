/* s2i: turn source into runnable container images, without a daemon. */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"

struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
};

static const struct command commands[] = {
    {"build", cmd_build, "build an image from source and a builder image"},
    {"usage", cmd_usage, "show a builder image's usage script output"},
    {"rebuild", cmd_rebuild, "build a stored image again from its labels"},
    {"images", cmd_store, "list the images in the local store"},
    {"pull", cmd_store, "pull an image from a registry into the store"},
    {"push", cmd_store, "push an image from the store to a registry"},
    {"tag", cmd_store, "tag an image in the store"},
    {"rmi", cmd_store, "remove tags from the store"},
    {"save", cmd_store, "write an image of the store as a tarball"},
    {"prune", cmd_store, "free the store's unreferenced blobs and layers"},
    {"verify", cmd_verify, "run an image as OpenShift would and check it"},
    {"mkimage", cmd_mkimage, "make an image from directories (for builders)"},
    {"serve", cmd_serve, "rebuild and redeploy on Git webhooks"},
    {"generate", cmd_generate, "write a Dockerfile that builds with a builder"},
    {"create", cmd_create, "write the skeleton of a new builder image"},
    {"completion", cmd_completion, "print a bash or zsh completion script"},
    {"version", cmd_version, "print the version"},
};

static void print_help(FILE *out)
{
  fputs("Usage: s2i COMMAND [OPTIONS] ...\n\n"
        "Build container images from source code, without a daemon.\n\n"
        "Commands:\n",
        out);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\nRun 's2i COMMAND --help' for a command's options.\n", out);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "s2i %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nRun 's2i %s --help' for the options.\n", cmd);
  return S2I_EXIT_USAGE;
}

int cli_fail(struct s2i_error *err)
{
  int code = s2i_error_report(err);

  s2i_error_free(err);
  return code;
}

int main(int argc, char **argv)
{
  /* libarchive converts path names through the locale: tar entries are
   * UTF-8 whatever the environment says. */
  if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
    setlocale(LC_CTYPE, "");
  if (argc < 2) {
    print_help(stderr);
    return S2I_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    print_help(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0)
    return cmd_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "s2i: unknown command '%s'\n", argv[1]);
  print_help(stderr);
  return S2I_EXIT_USAGE;
}
