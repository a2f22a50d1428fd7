#include <archive.h>
#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_version(int argc, char **argv)
{
  int major, minor, rev;

  if (argc > 1 &&
      (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    puts("Usage: s2i version\n\nPrint the versions of s2i and its libraries.");
    return 0;
  }
  git_libgit2_version(&major, &minor, &rev);
  printf("s2i %s\n", S2I_VERSION);
  printf("libgit2 %d.%d.%d, %s, %s, jansson %s\n", major, minor, rev,
         archive_version_string(), curl_version(), JANSSON_VERSION);
  return 0;
}
