#include "server_args.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- splitting ------------------------------------------------------ */

struct buf {
  char *s;
  size_t n, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static int fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  return -1;
}

static int is_name_char(char c, int first)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

/* ${NAME} or ${NAME:-default}; *pp points after "${". */
static int expand_braced(const char **pp, struct buf *w, char *err, size_t len)
{
  const char *p = *pp, *end = strchr(p, '}');
  if (!end)
    return fail(err, len, "unterminated ${ in server_args");
  const char *colon = strstr(p, ":-");
  if (colon && colon > end)
    colon = NULL;
  size_t nlen = (size_t)((colon ? colon : end) - p);
  char name[256];
  if (nlen == 0 || nlen >= sizeof name || !is_name_char(p[0], 1))
    return fail(err, len, "bad variable reference ${%.*s}", (int)(end - p), p);
  memcpy(name, p, nlen);
  name[nlen] = '\0';
  for (size_t i = 1; i < nlen; i++)
    if (!is_name_char(name[i], 0))
      return fail(err, len, "bad variable reference ${%.*s}", (int)(end - p),
                  p);
  const char *v = getenv(name);
  if ((!v || !*v) && colon)
    buf_add(w, colon + 2, (size_t)(end - colon - 2));
  else if (v)
    buf_add(w, v, strlen(v));
  *pp = end + 1;
  return 0;
}

/* *pp points at '$'. */
static int expand(const char **pp, struct buf *w, char *err, size_t len)
{
  const char *p = *pp + 1;
  if (*p == '(')
    return fail(err, len,
                "$(...) in server_args: command substitution is not supported, "
                "nothing in this file is executed");
  if (*p == '{') {
    *pp = p + 1;
    return expand_braced(pp, w, err, len);
  }
  if (!is_name_char(*p, 1)) {
    buf_add(w, "$", 1);
    *pp = p;
    return 0;
  }
  const char *s = p;
  while (is_name_char(*p, 0))
    p++;
  char *name = xasprintf("%.*s", (int)(p - s), s);
  const char *v = getenv(name);
  free(name);
  if (v)
    buf_add(w, v, strlen(v));
  *pp = p;
  return 0;
}

/* Inside "...": $ expands, backslash escapes only $ ` " \ and newline. */
static int double_quoted(const char **pp, struct buf *w, char *err, size_t len)
{
  const char *p = *pp;
  for (;;) {
    if (*p == '\0')
      return fail(err, len, "unterminated \" in server_args");
    if (*p == '"')
      break;
    if (*p == '`')
      return fail(err, len,
                  "`...` in server_args: command substitution is not "
                  "supported, nothing in this file is executed");
    if (*p == '$') {
      if (expand(&p, w, err, len) < 0)
        return -1;
      continue;
    }
    if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
      if (p[1] != '\n')
        buf_add(w, p + 1, 1);
      p += 2;
      continue;
    }
    buf_add(w, p++, 1);
  }
  *pp = p + 1;
  return 0;
}

static void push_word(char ***words, size_t *n, struct buf *w)
{
  *words = xrealloc(*words, (*n + 2) * sizeof **words);
  (*words)[(*n)++] = xstrdup(w->s ? w->s : "");
  (*words)[*n] = NULL;
  w->n = 0;
  if (w->s)
    w->s[0] = '\0';
}

/* One character step outside quotes; sets *in_word when the word grows. */
static int step(const char **pp, struct buf *w, int *in_word, char *err,
                size_t len)
{
  const char *p = *pp;
  switch (*p) {
  case '\'': {
    const char *end = strchr(p + 1, '\'');
    if (!end)
      return fail(err, len, "unterminated ' in server_args");
    buf_add(w, p + 1, (size_t)(end - p - 1));
    *pp = end + 1;
    break;
  }
  case '"':
    *pp = p + 1;
    if (double_quoted(pp, w, err, len) < 0)
      return -1;
    break;
  case '`':
    return fail(err, len,
                "`...` in server_args: command substitution is not supported, "
                "nothing in this file is executed");
  case '$':
    if (expand(pp, w, err, len) < 0)
      return -1;
    /* An unquoted expansion to nothing is no word, as in a shell. */
    if (w->n == 0 && !*in_word)
      return 0;
    break;
  case '\\':
    if (p[1] == '\n') {
      *pp = p + 2;
      return 0;
    }
    if (p[1])
      buf_add(w, p + 1, 1);
    *pp = p + (p[1] ? 2 : 1);
    break;
  default: buf_add(w, p, 1); *pp = p + 1;
  }
  *in_word = 1;
  return 0;
}

char **server_args_split(const char *text, char *err, size_t errlen)
{
  char **words = xmalloc(sizeof *words);
  size_t n = 0;
  words[0] = NULL;
  struct buf w = {0};
  int in_word = 0;
  const char *p = text;
  while (*p) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      if (in_word)
        push_word(&words, &n, &w);
      in_word = 0;
      p++;
    } else if (*p == '#' && !in_word) {
      while (*p && *p != '\n')
        p++;
    } else if (step(&p, &w, &in_word, err, errlen) < 0) {
      free(w.s);
      server_args_free_words(words);
      return NULL;
    }
  }
  if (in_word)
    push_word(&words, &n, &w);
  free(w.s);
  return words;
}

void server_args_free_words(char **words)
{
  if (!words)
    return;
  for (char **w = words; *w; w++)
    free(*w);
  free(words);
}

/* ---- options -------------------------------------------------------- */

enum kind { K_STR, K_INT, K_LONG, K_FLAG, K_PAIR, K_LIST };

struct opt {
  const char *name;
  enum kind kind;
  enum sa_check check;
  size_t off;  /* of the field; for K_PAIR/K_LIST the array pointer */
  size_t noff; /* for K_PAIR/K_LIST: the count */
  long min, max;
};

#define F(f) offsetof(struct server_opts, f)
static const struct opt opts[] = {
    {"application-type", K_STR, SA_WORD, F(application_type), 0, 0, 0},
    {"entry-point", K_STR, SA_PATH, F(entry_point), 0, 0, 0},
    {"document-root", K_STR, SA_PATH, F(document_root), 0, 0, 0},
    {"directory-index", K_STR, SA_PATH, F(directory_index), 0, 0, 0},
    {"callable-object", K_STR, SA_WORD, F(callable_object), 0, 0, 0},
    {"working-directory", K_STR, SA_PATH, F(working_directory), 0, 0, 0},
    {"log-level", K_STR, SA_WORD, F(log_level), 0, 0, 0},
    {"mount-point", K_STR, SA_PATH, F(mount_point), 0, 0, 0},
    {"access-log-format", K_STR, SA_TEXT, F(access_log_format), 0, 0, 0},
    {"port", K_INT, SA_WORD, F(port), 0, 1, 65535},
    {"processes", K_INT, SA_WORD, F(processes), 0, 1, 1000},
    {"threads", K_INT, SA_WORD, F(threads), 0, 1, 10000},
    {"max-clients", K_INT, SA_WORD, F(max_clients), 0, 1, 100000},
    {"keep-alive-timeout", K_INT, SA_WORD, F(keep_alive_timeout), 0, 0, 86400},
    {"request-timeout", K_INT, SA_WORD, F(request_timeout), 0, 0, 86400},
    {"socket-timeout", K_INT, SA_WORD, F(socket_timeout), 0, 1, 86400},
    {"queue-timeout", K_INT, SA_WORD, F(queue_timeout), 0, 1, 86400},
    {"connect-timeout", K_INT, SA_WORD, F(connect_timeout), 0, 1, 86400},
    {"inactivity-timeout", K_INT, SA_WORD, F(inactivity_timeout), 0, 0, 86400},
    {"maximum-requests", K_INT, SA_WORD, F(maximum_requests), 0, 0, 1000000000},
    {"limit-request-body", K_LONG, SA_WORD, F(limit_request_body), 0, 0,
     2147483647},
    {"access-log", K_FLAG, SA_WORD, F(access_log), 0, 0, 0},
    {"compress-responses", K_FLAG, SA_WORD, F(compress_responses), 0, 0, 0},
    {"log-to-terminal", K_FLAG, SA_WORD, F(log_to_terminal), 0, 0, 0},
    {"startup-log", K_FLAG, SA_WORD, F(startup_log), 0, 0, 0},
    {"embedded-mode", K_FLAG, SA_WORD, F(embedded_mode), 0, 0, 0},
    {"daemon-mode", K_FLAG, SA_WORD, F(daemon_mode), 0, 0, 0},
    {"url-alias", K_PAIR, SA_PATH, F(url_aliases), F(n_url_aliases), 0, 0},
    {"error-document", K_PAIR, SA_PATH, F(error_documents),
     F(n_error_documents), 0, 0},
    {"setenv", K_PAIR, SA_TEXT, F(setenv), F(n_setenv), 0, 0},
    {"python-path", K_LIST, SA_PATH, F(python_paths), F(n_python_paths), 0, 0},
};
#undef F

void server_opts_init(struct server_opts *o)
{
  memset(o, 0, sizeof *o);
  o->threads = 5;
  /* -1: not given.  Apache then uses 2 s, current mod_wsgi-express's
   * default (older releases had 0, keep-alive off); nginx keeps 65 s.
   * An explicit 0 turns keep-alive off in both. */
  o->keep_alive_timeout = -1;
  o->callable_object = xstrdup("application");
  o->log_level = xstrdup("info");
  o->mount_point = xstrdup("/");
  o->request_timeout = 60;
  o->socket_timeout = 60;
  o->queue_timeout = 45;
  o->connect_timeout = 15;
  o->limit_request_body = 10485760;
}

static int bad_char(const char *label, enum sa_check check, const char *v,
                    unsigned char c, char *err, size_t len)
{
  if (c < 0x20 || c == 0x7f)
    return fail(err, len, "%s: value contains a control character", label);
  if (check == SA_PATH && strchr("'\"\\$;{}", c))
    return fail(err, len,
                "%s %s: quotes, backslashes, '$', ';' and braces are not "
                "allowed here",
                label, v);
  if (check == SA_WORD && !is_name_char((char)c, 0) && !strchr(".-:", c))
    return fail(
        err, len,
        "%s %s: only letters, digits, '_', '.', '-' and ':' are allowed", label,
        v);
  return 0;
}

int sa_check_value(const char *label, enum sa_check check, const char *v,
                   char *err, size_t len)
{
  for (const unsigned char *s = (const unsigned char *)v; *s; s++)
    if (bad_char(label, check, v, *s, err, len) < 0)
      return -1;
  /* Apache expands ${NAME} in any config line, quoted or not. */
  if (check == SA_TEXT && strstr(v, "${"))
    return fail(err, len, "%s %s: '${' is not allowed here", label, v);
  if (*v == '\0' && check != SA_TEXT)
    return fail(err, len, "%s: empty value", label);
  return 0;
}

int sa_check_abs_path(const char *label, const char *v, char *err, size_t len)
{
  if (sa_check_value(label, SA_PATH, v, err, len) < 0)
    return -1;
  if (v[0] != '/')
    return fail(err, len, "%s %s: not an absolute path", label, v);
  return 0;
}

static int is_identifier(const char *s, size_t n)
{
  if (n == 0 || !is_name_char(s[0], 1))
    return 0;
  for (size_t i = 1; i < n; i++)
    if (!is_name_char(s[i], 0))
      return 0;
  return 1;
}

int sa_is_module(const char *s)
{
  for (;;) {
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    if (!is_identifier(s, n))
      return 0;
    if (!dot)
      return 1;
    s = dot + 1;
  }
}

int sa_is_identifier(const char *s)
{
  return is_identifier(s, strlen(s));
}

static int check_value(const struct opt *op, const char *v, char *err,
                       size_t len)
{
  char label[64];
  snprintf(label, sizeof label, "--%s", op->name);
  return sa_check_value(label, op->check, v, err, len);
}

static int set_number(struct server_opts *o, const struct opt *op,
                      const char *v, char *err, size_t len)
{
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < op->min || n > op->max)
    return fail(err, len, "--%s %s: expected a whole number from %ld to %ld",
                op->name, v, op->min, op->max);
  if (op->kind == K_INT)
    *(int *)((char *)o + op->off) = (int)n;
  else
    *(long *)((char *)o + op->off) = n;
  return 0;
}

static void add_item(struct server_opts *o, const struct opt *op, char **vals)
{
  size_t *n = (size_t *)((char *)o + op->noff);
  if (op->kind == K_LIST) {
    char ***arr = (char ***)((char *)o + op->off);
    *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[(*n)++] = xstrdup(vals[0]);
    return;
  }
  struct sa_pair **arr = (struct sa_pair **)((char *)o + op->off);
  *arr = xrealloc(*arr, (*n + 1) * sizeof **arr);
  (*arr)[*n].a = xstrdup(vals[0]);
  (*arr)[(*n)++].b = xstrdup(vals[1]);
}

static int set_opt(struct server_opts *o, const struct opt *op, char **vals,
                   char *err, size_t len)
{
  int nv = op->kind == K_PAIR ? 2 : 1;
  for (int i = 0; i < nv; i++)
    if (check_value(op, vals[i], err, len) < 0)
      return -1;
  if (op->kind == K_INT || op->kind == K_LONG)
    return set_number(o, op, vals[0], err, len);
  if (op->kind == K_STR) {
    char **f = (char **)((char *)o + op->off);
    free(*f);
    *f = xstrdup(vals[0]);
    return 0;
  }
  add_item(o, op, vals);
  return 0;
}

static const struct opt *find_opt(const char *name, size_t n)
{
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    if (strlen(opts[i].name) == n && !strncmp(opts[i].name, name, n))
      return &opts[i];
  return NULL;
}

/* Options only a WSGIDaemonProcess has. */
static bool is_daemon_only(const struct opt *op)
{
  static const char *const names[] = {"request-timeout", "queue-timeout",
                                      "connect-timeout", "inactivity-timeout"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(op->name, names[i]))
      return true;
  return false;
}

/* One option at WORDS[*i]; advances *i past its values. */
static int parse_one(struct server_opts *o, char **words, size_t *i, char *err,
                     size_t len)
{
  const char *w = words[*i] + 2, *eq = strchr(w, '=');
  const struct opt *op = find_opt(w, eq ? (size_t)(eq - w) : strlen(w));
  if (!op)
    return fail(err, len,
                "unknown option --%.*s (mod_wsgi-express option names are "
                "supported, see docs/builders.md)",
                (int)(eq ? eq - w : (long)strlen(w)), w);
  if (op->kind == K_FLAG) {
    if (eq)
      return fail(err, len, "--%s takes no value", op->name);
    *(bool *)((char *)o + op->off) = true;
    (*i)++;
    return 0;
  }
  char *vals[2] = {NULL, NULL};
  int need = op->kind == K_PAIR ? 2 : 1, k = 0;
  if (eq)
    vals[k++] = (char *)eq + 1;
  for (; k < need; k++) {
    if (!words[*i + 1 + (eq ? k - 1 : k)])
      return fail(err, len, "--%s needs %s", op->name,
                  need == 2 ? "two values" : "a value");
    vals[k] = words[*i + 1 + (eq ? k - 1 : k)];
  }
  *i += 1 + (size_t)(eq ? need - 1 : need);
  o->daemon_opts = o->daemon_opts || is_daemon_only(op);
  return set_opt(o, op, vals, err, len);
}

/* Exactly three digits, 300-599, and a URL path. */
static int check_error_document(const struct sa_pair *d, char *err, size_t len)
{
  const char *st = d->a;
  int ok = strlen(st) == 3 && st[0] >= '3' && st[0] <= '5';
  for (size_t i = 1; ok && i < 3; i++)
    ok = st[i] >= '0' && st[i] <= '9';
  if (!ok || d->b[0] != '/')
    return fail(err, len,
                "--error-document %s %s: expected a status 300-599 and a URL "
                "path starting with /",
                d->a, d->b);
  return 0;
}

/* What handler.wsgi hands to importlib and getattr. */
static int check_entry(const struct server_opts *o, char *err, size_t len)
{
  if (!sa_is_identifier(o->callable_object))
    return fail(err, len,
                "--callable-object %s: not a Python identifier (name of the "
                "WSGI callable)",
                o->callable_object);
  if (o->application_type && !strcmp(o->application_type, "module") &&
      o->entry_point && !sa_is_module(o->entry_point))
    return fail(err, len,
                "--entry-point %s: not a Python module name (dotted "
                "identifiers) for --application-type module",
                o->entry_point);
  return 0;
}

static int validate(const struct server_opts *o, char *err, size_t len)
{
  static const char *const types[] = {"static", "script", "module"};
  static const char *const levels[] = {"emerg", "alert",  "crit", "error",
                                       "warn",  "notice", "info", "debug"};
  int ok = !o->application_type;
  for (size_t i = 0; !ok && i < 3; i++)
    ok = !strcmp(o->application_type, types[i]);
  if (!ok)
    return fail(err, len,
                "--application-type %s: expected static, script or module",
                o->application_type);
  ok = 0;
  for (size_t i = 0; !ok && i < 8; i++)
    ok = !strcmp(o->log_level, levels[i]);
  if (!ok)
    return fail(err, len,
                "--log-level %s: expected one of emerg alert crit error warn "
                "notice info debug",
                o->log_level);
  for (size_t i = 0; i < o->n_url_aliases; i++)
    if (o->url_aliases[i].a[0] != '/')
      return fail(err, len, "--url-alias %s: the URL path must start with /",
                  o->url_aliases[i].a);
  for (size_t i = 0; i < o->n_error_documents; i++)
    if (check_error_document(&o->error_documents[i], err, len) < 0)
      return -1;
  if (check_entry(o, err, len) < 0)
    return -1;
  if (o->embedded_mode && o->daemon_mode)
    return fail(err, len,
                "--embedded-mode and --daemon-mode: choose one of them");
  if (o->mount_point[0] != '/')
    return fail(err, len, "--mount-point %s: must start with /",
                o->mount_point);
  return 0;
}

int server_opts_parse(struct server_opts *o, char **words, char *err,
                      size_t len)
{
  size_t i = 0;
  while (words[i]) {
    if (!strncmp(words[i], "--", 2) && words[i][2]) {
      if (parse_one(o, words, &i, err, len) < 0)
        return -1;
      continue;
    }
    if (words[i][0] == '-')
      return fail(err, len, "unknown option %s", words[i]);
    /* A bare word is the entry point, as mod_wsgi-express takes it. */
    if (o->entry_point)
      return fail(err, len,
                  "unexpected argument %s: the entry point is already %s",
                  words[i], o->entry_point);
    const struct opt *ep = find_opt("entry-point", 11);
    if (check_value(ep, words[i], err, len) < 0)
      return -1;
    o->entry_point = xstrdup(words[i++]);
  }
  return validate(o, err, len);
}
