/*
 * libnss_s2i.so.2: a glibc NSS module that gives the calling process's own
 * UID a passwd entry when nothing before it in nsswitch.conf has one.
 *
 * The s2i runtime layer appends "s2i" to the passwd line of a glibc
 * image's /etc/nsswitch.conf, so an arbitrary UID (OpenShift, Kubernetes
 * runAsUser) resolves to a name and a home in every process, including a
 * shell started later by `podman exec`/`kubectl exec` that never went
 * through the init, with nothing written to /etc at run time.
 *
 * The entry:  NAME:x:UID:GID:Default Application User:HOME:/bin/sh
 *   NAME  $S2I_USER_NAME when it is a valid user name, else "default"
 *   GID   getgid()
 *   HOME  $HOME when absolute, else /tmp/s2i/home (the init's default)
 * Only getuid()/geteuid() are answered, never uid 0, and for a set-id
 * process the environment is ignored.
 *
 * Portability: built with gcc -shared, linked against nothing but libc,
 * and using only symbols of the oldest x86_64 glibc version (GLIBC_2.2.5),
 * so it loads into any x86_64 glibc image (identity.mk checks this).  No
 * memcpy (GLIBC_2.14), no stack protector, no fortify.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <nss.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "s2i_identity.h"

#define EXPORT __attribute__((visibility("default")))

enum nss_status _nss_s2i_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
                                    size_t buflen, int *errnop) EXPORT;
enum nss_status _nss_s2i_getpwnam_r(const char *name, struct passwd *pw,
                                    char *buf, size_t buflen,
                                    int *errnop) EXPORT;
enum nss_status _nss_s2i_setpwent(int stayopen) EXPORT;
enum nss_status _nss_s2i_endpwent(void) EXPORT;
enum nss_status _nss_s2i_getpwent_r(struct passwd *pw, char *buf, size_t buflen,
                                    int *errnop) EXPORT;

/* getpwent position: 0 before our one entry, 1 after it. */
static int ent_done;

static int is_setid(void)
{
  return getuid() != geteuid() || getgid() != getegid();
}

static const char *entry_name(void)
{
  const char *n = is_setid() ? NULL : getenv("S2I_USER_NAME");

  return s2i_id_name_is_valid(n) ? n : S2I_ID_DEFAULT_NAME;
}

static const char *entry_home(void)
{
  const char *h = is_setid() ? NULL : getenv("HOME");

  if (h == NULL || h[0] != '/' || strpbrk(h, ":\n") != NULL)
    return S2I_ID_DEFAULT_HOME;
  return h;
}

static int files_has_uid(uid_t uid);

/* Never shadow a real entry, whatever the order in nsswitch.conf. */
static int is_ours(uid_t uid)
{
  return uid != 0 && (uid == getuid() || uid == geteuid()) &&
         !files_has_uid(uid);
}

/* Copy s into buf at *used; NULL when it does not fit. */
static char *put(char *buf, size_t buflen, size_t *used, const char *s)
{
  size_t n = strlen(s) + 1;
  char *dst = buf + *used;
  size_t i;

  if (n > buflen - *used)
    return NULL;
  for (i = 0; i < n; i++)
    dst[i] = s[i];
  *used += n;
  return dst;
}

static enum nss_status fill(uid_t uid, struct passwd *pw, char *buf,
                            size_t buflen, int *errnop)
{
  size_t used = 0;

  pw->pw_name = put(buf, buflen, &used, entry_name());
  pw->pw_passwd = put(buf, buflen, &used, "x");
  pw->pw_gecos = put(buf, buflen, &used, S2I_ID_GECOS);
  pw->pw_dir = put(buf, buflen, &used, entry_home());
  pw->pw_shell = put(buf, buflen, &used, S2I_ID_SHELL);
  if (!pw->pw_name || !pw->pw_passwd || !pw->pw_gecos || !pw->pw_dir ||
      !pw->pw_shell) {
    *errnop = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  pw->pw_uid = uid;
  pw->pw_gid = uid == getuid() ? getgid() : getegid();
  return NSS_STATUS_SUCCESS;
}

/* Scanner state for files_has_uid: the column and the uid field so far. */
struct uid_scan {
  int col;
  size_t flen;
  char field[S2I_ID_UID_DIGITS + 1];
};

/* Feed one byte; 1 when it ends a uid field that is uid. */
static int scan_byte(struct uid_scan *s, char ch, uid_t uid)
{
  uid_t v;
  int hit = 0;

  if (ch == ':' || ch == '\n') {
    hit = s->col == 2 && s2i_id_parse_uid(s->field, s->flen, &v) && v == uid;
    s->col = ch == '\n' ? 0 : s->col + 1;
    s->flen = 0;
  } else if (s->col == 2 && s->flen < sizeof s->field) {
    s->field[s->flen++] = ch;
  }
  return hit;
}

/* Whether /etc/passwd already has a line for uid: then getpwent must not
 * list a second name for it.  Read by hand, no stdio (fewer symbols); the
 * uid field is read as s2i_env.c reads it (s2i_id_parse_uid). */
static int files_has_uid(uid_t uid)
{
  char buf[8192];
  struct uid_scan s = {0, 0, {0}};
  int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  int found = 0;
  ssize_t n, i;

  if (fd < 0)
    return 0;
  while (!found && (n = read(fd, buf, sizeof buf)) > 0)
    for (i = 0; i < n && !found; i++)
      found = scan_byte(&s, buf[i], uid);
  close(fd);
  return found;
}

enum nss_status _nss_s2i_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
                                    size_t buflen, int *errnop)
{
  if (!is_ours(uid))
    return NSS_STATUS_NOTFOUND;
  return fill(uid, pw, buf, buflen, errnop);
}

enum nss_status _nss_s2i_getpwnam_r(const char *name, struct passwd *pw,
                                    char *buf, size_t buflen, int *errnop)
{
  if (name == NULL || strcmp(name, entry_name()) != 0 || !is_ours(getuid()))
    return NSS_STATUS_NOTFOUND;
  return fill(getuid(), pw, buf, buflen, errnop);
}

enum nss_status _nss_s2i_setpwent(int stayopen)
{
  (void)stayopen;
  ent_done = 0;
  return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_s2i_endpwent(void)
{
  ent_done = 0;
  return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_s2i_getpwent_r(struct passwd *pw, char *buf, size_t buflen,
                                    int *errnop)
{
  enum nss_status st;

  if (ent_done || !is_ours(getuid())) {
    ent_done = 1;
    return NSS_STATUS_NOTFOUND;
  }
  st = fill(getuid(), pw, buf, buflen, errnop);
  if (st == NSS_STATUS_SUCCESS)
    ent_done = 1;
  return st;
}
