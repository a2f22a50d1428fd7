#include "webconf.h"

#include "util.h"

char *webconf_abs(const char *home, const char *path)
{
  if (path[0] == '/')
    return xstrdup(path);
  if (path[0] == '.' && path[1] == '\0')
    return xstrdup(home);
  return xasprintf("%s/%s", home,
                   path[0] == '.' && path[1] == '/' ? path + 2 : path);
}
