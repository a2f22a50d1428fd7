#include "user.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "rootpath.h"
#include "xalloc.h"

/* passwd: name:pw:uid:gid:gecos:home:shell; group: name:pw:gid:members */
#define PW_UID 2
#define PW_GID 3
#define GR_GID 2
#define MAX_FIELDS 7

struct s2i_uid_ranges {
  size_t n;
  struct {
    uid_t lo, hi;
  } * r;
};

/* Decimal digits only, below (uid_t)-1 which means "no id" to the kernel. */
static int parse_id(const char *s, size_t len, unsigned long *out)
{
  unsigned long v = 0;

  if (len == 0 || len > 10)
    return -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  if (v >= UINT32_MAX)
    return -1;
  *out = v;
  return 0;
}

int s2i_user_is_numeric(const char *spec)
{
  const char *colon = strchr(spec, ':');
  unsigned long v;

  if (colon == NULL)
    return parse_id(spec, strlen(spec), &v) == 0;
  return parse_id(spec, (size_t)(colon - spec), &v) == 0 &&
         parse_id(colon + 1, strlen(colon + 1), &v) == 0;
}

static int split_fields(char *line, char **f)
{
  int n = 0;

  f[n++] = line;
  for (char *p = line; *p && n < MAX_FIELDS; p++)
    if (*p == ':') {
      *p = '\0';
      f[n++] = p + 1;
    }
  return n;
}

/* Find the first line whose field `key_field` equals key, and return its
 * numeric field `id_field` (and the passwd gid when gid is not NULL).
 * Returns 1 found, 0 not found.  Malformed and NIS (+/-) lines are skipped. */
static int lookup(char *text, int key_field, const char *key, int id_field,
                  unsigned long *id, unsigned long *gid)
{
  char *save = NULL;

  for (char *line = strtok_r(text, "\n", &save); line != NULL;
       line = strtok_r(NULL, "\n", &save)) {
    char *f[MAX_FIELDS];
    int n = split_fields(line, f);
    unsigned long a, b = 0;

    if (line[0] == '#' || line[0] == '+' || line[0] == '-' ||
        n <= (gid ? PW_GID : id_field) || strcmp(f[key_field], key) != 0)
      continue;
    if (parse_id(f[id_field], strlen(f[id_field]), &a) < 0 ||
        (gid && parse_id(f[PW_GID], strlen(f[PW_GID]), &b) < 0))
      continue;
    *id = a;
    if (gid)
      *gid = b;
    return 1;
  }
  return 0;
}

/* Reads a file of the image; *text NULL when the image has none. */
static int read_image_file(char **text, const struct s2i_strv *dirs,
                           const char *image_path, struct s2i_error **err)
{
  cleanup_free char *path = NULL;
  struct stat st;

  *text = NULL;
  if (dirs == NULL)
    return 0;
  /* followed inside the image: s2i's runtime layer makes /etc/passwd lead
   * to /tmp/s2i-id/passwd, so a previous s2i-built image has users there */
  path = s2i_rootpath_resolve(dirs, image_path);
  if (path == NULL) {
    cleanup_free char *link = s2i_rootpath_find(dirs, image_path);
    if (link == NULL)
      return 0;
    return s2i_error_make(err, 0,
                          "the image's %s is a symlink that leads nowhere "
                          "inside the image",
                          image_path);
  }
  /* read on the host, a symlink would be followed to a host file */
  if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
    return s2i_error_make(err, 0, "the image's %s (%s) is not a regular file",
                          image_path, path);
  /* a sparse 8 GiB /etc/passwd must not be read into memory */
  return s2i_fs_read_regular(text, NULL, path, S2I_FS_READ_MAX, O_NOFOLLOW,
                             err);
}

static int resolve_user(uid_t *uid, gid_t *gid, const char *name,
                        const struct s2i_strv *dirs, struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  unsigned long u, g = 0;
  int numeric = parse_id(name, strlen(name), &u) == 0;

  if (read_image_file(&text, dirs, "/etc/passwd", err) < 0)
    return -1;
  if (numeric) {
    /* A known uid keeps its primary group; an unknown one gets group 0,
     * the OpenShift convention for arbitrary uids. */
    cleanup_free char *key = xasprintf("%lu", u);
    if (text == NULL || !lookup(text, PW_UID, key, PW_UID, &u, &g))
      g = 0;
  } else if (text == NULL) {
    return s2i_error_make(err, 0, "user \"%s\": the image has no /etc/passwd",
                          name);
  } else if (!lookup(text, 0, name, PW_UID, &u, &g)) {
    return s2i_error_make(err, 0,
                          "user \"%s\" not found in the image's "
                          "/etc/passwd",
                          name);
  }
  *uid = (uid_t)u;
  *gid = (gid_t)g;
  return 0;
}

static int resolve_group(gid_t *gid, const char *name,
                         const struct s2i_strv *dirs, struct s2i_error **err)
{
  cleanup_free char *text = NULL;
  unsigned long g;

  if (parse_id(name, strlen(name), &g) == 0) {
    *gid = (gid_t)g;
    return 0;
  }
  if (read_image_file(&text, dirs, "/etc/group", err) < 0)
    return -1;
  if (text == NULL)
    return s2i_error_make(err, 0, "group \"%s\": the image has no /etc/group",
                          name);
  if (!lookup(text, 0, name, GR_GID, &g, NULL))
    return s2i_error_make(err, 0,
                          "group \"%s\" not found in the image's "
                          "/etc/group",
                          name);
  *gid = (gid_t)g;
  return 0;
}

int s2i_user_resolve(uid_t *uid, gid_t *gid, const char *spec,
                     const struct s2i_strv *root_dirs, struct s2i_error **err)
{
  cleanup_free char *user = xstrdup(spec);
  char *group = strchr(user, ':');

  if (group != NULL)
    *group++ = '\0';
  if (user[0] == '\0' || (group != NULL && group[0] == '\0') ||
      strchr(spec, '\n') != NULL)
    return s2i_error_make(err, 0,
                          "user \"%s\": expected uid, uid:gid, name "
                          "or name:group",
                          spec);
  if (resolve_user(uid, gid, user, root_dirs, err) < 0)
    return -1;
  if (group != NULL && resolve_group(gid, group, root_dirs, err) < 0)
    return s2i_error_prefix(err, "user \"%s\"", spec);
  return 0;
}

/* ---- --allowed-uids --------------------------------------------------------
 */

static int parse_bound(const char *s, size_t len, uid_t dflt, uid_t *out)
{
  unsigned long v;

  if (len == 0) {
    *out = dflt;
    return 0;
  }
  if (parse_id(s, len, &v) < 0)
    return -1;
  *out = (uid_t)v;
  return 0;
}

/* One item, spaces around it ignored: "N", "N-M", "N-" or "-M".  An empty
 * item or a lone "-" is a range with no bounds, which allows nothing (the
 * original reads ",4-5" this way).  Returns 1 for a range, 0 for an empty
 * one, -1 when the item is not a range. */
static int parse_range(uid_t *lo, uid_t *hi, const char *s, size_t len)
{
  const char *dash;

  while (len > 0 && isspace((unsigned char)*s))
    s++, len--;
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    len--;
  if (len == 0 || (len == 1 && *s == '-'))
    return 0;
  dash = memchr(s, '-', len);
  if (dash == NULL) {
    if (parse_bound(s, len, 0, lo) < 0)
      return -1;
    *hi = *lo;
    return 1;
  }
  if (parse_bound(s, (size_t)(dash - s), 0, lo) < 0 ||
      parse_bound(dash + 1, len - (size_t)(dash - s) - 1, (uid_t)UINT32_MAX - 1,
                  hi) < 0)
    return -1;
  return *lo <= *hi ? 1 : -1;
}

int s2i_user_parse_ranges(struct s2i_uid_ranges **out, const char *text,
                          struct s2i_error **err)
{
  struct s2i_uid_ranges *r = xcalloc(1, sizeof(*r));
  const char *p = text;

  for (;;) {
    size_t len = strcspn(p, ",");
    int got;

    r->r = xrealloc(r->r, (r->n + 1) * sizeof(*r->r));
    got = parse_range(&r->r[r->n].lo, &r->r[r->n].hi, p, len);
    if (got < 0) {
      s2i_user_ranges_free(r);
      return s2i_error_make(err, 0,
                            "allowed uids \"%s\": \"%.*s\" is not a "
                            "uid range (N, N-M, N- or -M, "
                            "comma-separated, low before high)",
                            text, (int)len, p);
    }
    r->n += (size_t)got;
    if (p[len] == '\0')
      break;
    p += len + 1;
  }
  if (r->n == 0) { /* nothing but empty ranges: no restriction */
    s2i_user_ranges_free(r);
    r = NULL;
  }
  *out = r;
  return 0;
}

int s2i_user_in_ranges(const struct s2i_uid_ranges *r, uid_t uid)
{
  if (r == NULL)
    return 1; /* no --allowed-uids: every uid is allowed */
  for (size_t i = 0; i < r->n; i++)
    if (uid >= r->r[i].lo && uid <= r->r[i].hi)
      return 1;
  return 0;
}

void s2i_user_ranges_free(struct s2i_uid_ranges *r)
{
  if (r == NULL)
    return;
  free(r->r);
  free(r);
}
