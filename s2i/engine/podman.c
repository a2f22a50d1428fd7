#include "podman.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"

#define UID_BASE 1000650000u
#define UID_SPAN 10000u

unsigned s2i_podman_random(void)
{
  unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

  if (fd >= 0) {
    if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
      v ^= (unsigned)s2i_ctx_now_ms();
    close(fd);
  }
  return v;
}

unsigned s2i_podman_random_uid(void)
{
  return UID_BASE + s2i_podman_random() % UID_SPAN;
}

void s2i_podman_hardened_args(struct s2i_strv *a, unsigned uid,
                              const char *tmpdir)
{
  s2i_strv_addf(a, "--user=%u:0", uid);
  s2i_strv_add(a, "--read-only");
  if (tmpdir) {
    s2i_strv_add(a, "--read-only-tmpfs=false");
    s2i_strv_addf(a, "--volume=%s:/tmp", tmpdir);
  } else {
    s2i_strv_add(a, "--tmpfs=/tmp");
  }
  s2i_strv_add(a, "--cap-drop=ALL");
  s2i_strv_add(a, "--passwd=false");
  s2i_strv_add(a, "--security-opt=no-new-privileges");
}
