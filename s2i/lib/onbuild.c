#include "onbuild.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "inject.h"
#include "rootpath.h"
#include "user.h"
#include "xalloc.h"

/* Docker's line delimiter for ONBUILD keywords: [\t\v\f\r ]+ */
static const char blanks[] = "\t\v\f\r ";

static const struct {
  const char *word;
  enum s2i_onbuild_kind kind;
} keywords[] = {
    {"run", S2I_ONBUILD_RUN},     {"env", S2I_ONBUILD_ENV},
    {"user", S2I_ONBUILD_USER},   {"workdir", S2I_ONBUILD_WORKDIR},
    {"copy", S2I_ONBUILD_COPY},   {"add", S2I_ONBUILD_COPY},
    {"label", S2I_ONBUILD_LABEL}, {"expose", S2I_ONBUILD_EXPOSE},
};

static enum s2i_onbuild_kind kind_of(const char *word, size_t n)
{
  for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
    if (strlen(keywords[i].word) == n &&
        strncasecmp(keywords[i].word, word, n) == 0)
      return keywords[i].kind;
  return S2I_ONBUILD_OTHER;
}

/* ["a", "b"]: the exec (JSON) form; 0 when args is not one. */
static int json_form(struct s2i_strv *out, const char *args)
{
  cleanup_json json_t *a = NULL;
  size_t i, n;

  if (args[0] != '[' || (a = json_loads(args, 0, NULL)) == NULL ||
      !json_is_array(a))
    return 0;
  n = json_array_size(a);
  for (i = 0; i < n; i++)
    if (!json_is_string(json_array_get(a, i)))
      return 0;
  for (i = 0; i < n; i++)
    s2i_strv_add(out, json_string_value(json_array_get(a, i)));
  return 1;
}

static void split_words(struct s2i_strv *out, const char *s)
{
  while (*s) {
    size_t skip = strspn(s, blanks), n;
    s += skip;
    n = strcspn(s, blanks);
    if (n > 0)
      s2i_strv_take(out, xstrndup(s, n));
    s += n;
  }
}

/* COPY/ADD [--chown=U] SRC... DEST, or the JSON form. */
static int parse_copy(struct s2i_onbuild_step *st, struct s2i_error **err)
{
  const char *a = st->args;

  while (strncmp(a, "--", 2) == 0) {
    size_t n = strcspn(a, blanks);
    if (strncmp(a, "--chown=", 8) == 0)
      st->chown = xstrndup(a + 8, n - 8);
    else
      return s2i_error_make(err, 0,
                            "ONBUILD %s: the flag %.*s is not "
                            "supported",
                            st->text, (int)n, a);
    a += n + strspn(a + n, blanks);
  }
  if (!json_form(&st->argv, a))
    split_words(&st->argv, a);
  if (st->argv.n < 2)
    return s2i_error_make(err, 0, "ONBUILD %s: want SRC... DEST", st->text);
  for (size_t i = 0; i + 1 < st->argv.n; i++)
    if (strstr(st->argv.v[i], "://") || strpbrk(st->argv.v[i], "*?["))
      return s2i_error_make(err, 0,
                            "ONBUILD %s: only plain paths of the source are "
                            "supported (no URL, no wildcard): %s",
                            st->text, st->argv.v[i]);
  return 0;
}

static int parse_step(struct s2i_onbuild_step *st, const char *text,
                      struct s2i_error **err)
{
  const char *p = text + strspn(text, blanks);
  size_t n = strcspn(p, blanks);
  size_t len;

  st->text = xstrdup(text);
  st->kind = kind_of(p, n);
  p += n;
  p += strspn(p, blanks);
  len = strlen(p);
  while (len > 0 && strchr(blanks, p[len - 1]))
    len--;
  st->args = xstrndup(p, len);
  if (st->kind == S2I_ONBUILD_RUN)
    json_form(&st->argv, st->args);
  if (st->kind == S2I_ONBUILD_COPY)
    return parse_copy(st, err);
  return 0;
}

int s2i_onbuild_parse(struct s2i_onbuild *out, const struct s2i_image *img,
                      struct s2i_error **err)
{
  json_t *ob = s2i_image_onbuild(img);
  size_t i;
  json_t *v;

  memset(out, 0, sizeof(*out));
  if (ob == NULL)
    return 0;
  out->v = xcalloc(json_array_size(ob), sizeof(*out->v));
  json_array_foreach(ob, i, v)
  {
    if (!json_is_string(v))
      continue;
    if (parse_step(&out->v[out->n++], json_string_value(v), err) < 0)
      return -1;
  }
  return 0;
}

void s2i_onbuild_free(struct s2i_onbuild *ob)
{
  for (size_t i = 0; i < ob->n; i++) {
    free(ob->v[i].text);
    free(ob->v[i].args);
    free(ob->v[i].chown);
    s2i_strv_free(&ob->v[i].argv);
  }
  free(ob->v);
  memset(ob, 0, sizeof(*ob));
}

int s2i_onbuild_check_users(const struct s2i_onbuild *ob, const char *ranges,
                            const char *image, struct s2i_error **err)
{
  cleanup_uid_ranges struct s2i_uid_ranges *r = NULL;

  if (ranges == NULL || s2i_user_parse_ranges(&r, ranges, err) < 0)
    return ranges ? -1 : 0;
  for (size_t i = 0; r && i < ob->n; i++) {
    const char *u = ob->v[i].args;
    size_t n = strcspn(u, ":");
    cleanup_free char *name = xstrndup(u, n);
    char *end = NULL;
    unsigned long uid;

    if (ob->v[i].kind != S2I_ONBUILD_USER)
      continue;
    uid = strtoul(name, &end, 10);
    if (*name == '\0' || *end != '\0' || !s2i_user_in_ranges(r, (uid_t)uid))
      return s2i_error_make(err, 0,
                            "image \"%s\" includes at least one ONBUILD "
                            "instruction that sets the user to a user that "
                            "is not allowed (USER %s, --allowed-uids %s)",
                            image, u, ranges);
  }
  return 0;
}

static int name_char(char c, int first)
{
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (!first && c >= '0' && c <= '9');
}

/* ${NAME...} at p (after "${"): appends the value, returns past '}'. */
static const char *expand_braced(FILE *out, const char *p,
                                 const struct s2i_image *img)
{
  size_t n = 0, wl;
  cleanup_free char *name = NULL;
  const char *v, *word = NULL;
  char op = 0;

  while (p[n] && name_char(p[n], n == 0))
    n++;
  name = xstrndup(p, n);
  v = s2i_image_getenv(img, name);
  if (p[n] == ':' && (p[n + 1] == '-' || p[n + 1] == '+')) {
    op = p[n + 1];
    word = p + n + 2;
  }
  wl = word ? strcspn(word, "}") : 0;
  if (op == '-' && (v == NULL || *v == '\0'))
    fwrite(word, 1, wl, out);
  else if (op == '+' && v && *v)
    fwrite(word, 1, wl, out);
  else if (op == 0 && v)
    fputs(v, out);
  p = word ? word + wl : p + n;
  p += strcspn(p, "}");
  return *p ? p + 1 : p;
}

char *s2i_onbuild_expand(const char *s, const struct s2i_image *img)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);

  if (out == NULL)
    abort();
  while (*s) {
    if (s[0] == '\\' && s[1] == '$') {
      fputc('$', out);
      s += 2;
    } else if (s[0] == '$' && s[1] == '{') {
      s = expand_braced(out, s + 2, img);
    } else if (s[0] == '$' && name_char(s[1], 1)) {
      size_t n = 1;
      while (name_char(s[1 + n], 0))
        n++;
      cleanup_free char *name = xstrndup(s + 1, n);
      const char *v = s2i_image_getenv(img, name);
      fputs(v ? v : "", out);
      s += 1 + n;
    } else {
      fputc(*s++, out);
    }
  }
  fclose(out);
  return text;
}

/* One word of "k=v" pairs: quotes group, a backslash escapes. */
static const char *take_word(struct s2i_strv *out, const char *s)
{
  char *buf = xmalloc(strlen(s) + 1), *w = buf;
  char q = 0;

  for (; *s && (q || !strchr(blanks, *s)); s++) {
    if (q == 0 && (*s == '"' || *s == '\''))
      q = *s;
    else if (q && *s == q)
      q = 0;
    else if (*s == '\\' && s[1] && q != '\'')
      *w++ = *++s;
    else
      *w++ = *s;
  }
  *w = '\0';
  s2i_strv_take(out, buf);
  return s;
}

int s2i_onbuild_pairs(struct s2i_strv *out, const char *args, int legacy_ok,
                      struct s2i_error **err)
{
  size_t first = strcspn(args, blanks);

  if (legacy_ok && memchr(args, '=', first) == NULL) {
    /* ENV NAME the rest */
    const char *v = args + first + strspn(args + first, blanks);
    if (first == 0)
      return s2i_error_make(err, 0, "ONBUILD ENV: no name");
    s2i_strv_addf(out, "%.*s=%s", (int)first, args, v);
    return 0;
  }
  while (*(args += strspn(args, blanks))) {
    args = take_word(out, args);
    if (strchr(out->v[out->n - 1], '=') == NULL || out->v[out->n - 1][0] == '=')
      return s2i_error_make(err, 0, "\"%s\": want NAME=VALUE",
                            out->v[out->n - 1]);
  }
  return 0;
}

static int is_entrypoint_name(const char *n)
{
  static const char *const names[] = {"run", "start", "exec", "execute"};
  size_t len = strlen(n);

  if (len > 3 && strcmp(n + len - 3, ".sh") == 0)
    len -= 3;
  for (size_t i = 0; i < 4; i++)
    if (strlen(names[i]) == len && strncmp(n, names[i], len) == 0)
      return 1;
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
  return strcmp((*a)->d_name, (*b)->d_name);
}

char *s2i_onbuild_guess_entrypoint(const char *dir)
{
  struct dirent **list = NULL;
  int n = scandir(dir, &list, NULL, by_name);
  char *found = NULL;

  for (int i = 0; i < n; i++) {
    cleanup_free char *p = s2i_fs_join(dir, list[i]->d_name);
    struct stat st;
    if (found == NULL && is_entrypoint_name(list[i]->d_name) &&
        lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
      found = xstrdup(list[i]->d_name);
    free(list[i]);
  }
  free(list);
  return found;
}

/* A source of COPY, relative to the context: "/" and "." are its root. */
static char *context_path(const char *context, const char *src,
                          struct s2i_error **err)
{
  const char *rel = src + strspn(src, "/");
  cleanup_free char *trim = xstrdup(rel);
  size_t n = strlen(trim);

  while (n > 0 && trim[n - 1] == '/')
    trim[--n] = '\0';
  if (n == 0 || strcmp(trim, ".") == 0)
    return xstrdup(context);
  if (!s2i_fs_path_is_safe(trim)) {
    s2i_error_make(err, 0, "ONBUILD COPY %s: outside the source", src);
    return NULL;
  }
  return s2i_fs_join(context, trim);
}

static int copy_one_file(const char *from, const char *upper, const char *to,
                         uid_t uid, struct s2i_error **err)
{
  cleanup_close int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;
  struct stat st;

  if (in < 0 || fstat(in, &st) < 0)
    return s2i_error_make(err, errno, "ONBUILD COPY: open %s", from);
  out = s2i_fs_open_beneath(upper, to + 1, O_WRONLY | O_CREAT | O_TRUNC,
                            st.st_mode & 0777);
  if (out < 0)
    return s2i_error_make(err, errno, "ONBUILD COPY: create %s", to);
  if (s2i_fs_copy_fd(in, out) < 0 || fchown(out, uid, 0) < 0 ||
      fchmod(out, st.st_mode & 0777) < 0)
    return s2i_error_make(err, errno, "ONBUILD COPY: copy %s to %s", from, to);
  return 0;
}

static int copy_source(const char *host, const char *dest, int into_dir,
                       const char *upper, const struct s2i_strv *lowers,
                       uid_t uid, struct s2i_error **err)
{
  struct stat st;
  const char *base = strrchr(host, '/') + 1;
  cleanup_free char *to = into_dir ? s2i_fs_join(dest, base) : xstrdup(dest);
  cleanup_free char *parent = NULL;

  if (lstat(host, &st) < 0)
    return s2i_error_make(err, errno, "ONBUILD COPY: %s", host);
  if (S_ISDIR(st.st_mode)) {
    struct s2i_injection inj = {.src = (char *)host, .dest = (char *)dest};
    if (s2i_rootpath_mirror_dirs(lowers, upper, dest, err) < 0)
      return -1;
    return s2i_inject_copy(NULL, &inj, upper, uid, err);
  }
  parent = xstrndup(to, (size_t)(strrchr(to, '/') - to));
  if (s2i_rootpath_mirror_dirs(lowers, upper, *parent ? parent : "/", err) < 0)
    return -1;
  return copy_one_file(host, upper, to, uid, err);
}

int s2i_onbuild_copy(const struct s2i_onbuild_step *st, const char *context,
                     const char *upper, const struct s2i_strv *lowers,
                     const char *workdir, uid_t uid, struct s2i_error **err)
{
  const char *d = st->argv.v[st->argv.n - 1];
  size_t dl = strlen(d);
  int into_dir = st->argv.n > 2 || (dl > 0 && d[dl - 1] == '/');
  cleanup_free char *dest =
      d[0] == '/' ? xstrdup(d)
                  : s2i_fs_join(workdir && *workdir ? workdir : "/", d);

  while (strlen(dest) > 1 && dest[strlen(dest) - 1] == '/')
    dest[strlen(dest) - 1] = '\0';
  if (!s2i_fs_path_is_safe(dest + 1) && strcmp(dest, "/") != 0)
    return s2i_error_make(err, 0, "ONBUILD %s: destination %s climbs out",
                          st->text, d);
  for (size_t i = 0; i + 1 < st->argv.n; i++) {
    cleanup_free char *host = context_path(context, st->argv.v[i], err);
    struct stat sst;
    if (host == NULL)
      return -1;
    /* a directory's contents go into dest itself */
    int in = into_dir && !(lstat(host, &sst) == 0 && S_ISDIR(sst.st_mode));
    if (copy_source(host, dest, in, upper, lowers, uid, err) < 0)
      return s2i_error_prefix(err, "ONBUILD %s", st->text);
  }
  return 0;
}
