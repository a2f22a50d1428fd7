#include "registry.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fs.h"
#include "image.h"
#include "log.h"
#include "refs.h"
#include "xalloc.h"

#define MAX_ATTEMPTS 5            /* per request or blob, the first included */
#define BACKOFF_MS 200            /* doubled after each failed attempt */
#define PARALLEL 4                /* blobs downloaded at once */
#define MAX_MANIFEST (4 << 20)    /* manifests and indexes are KBs */
#define MONOLITHIC_MAX (64 << 20) /* larger blobs are pushed in chunks */
#define PUSH_CHUNK (16 << 20)
/* On a pulled image's tag: the registry/repository it came from. */
#define SOURCE_ANNOTATION "io.github.s2i.source"

#define ACCEPT_MANIFESTS                                                       \
  "application/vnd.oci.image.index.v1+json, "                                  \
  "application/vnd.docker.distribution.manifest.list.v2+json, "                \
  "application/vnd.oci.image.manifest.v1+json, "                               \
  "application/vnd.docker.distribution.manifest.v2+json"

int s2i_pull_policy_parse(enum s2i_pull_policy *out, const char *s)
{
  if (strcmp(s, "always") == 0)
    *out = S2I_PULL_ALWAYS;
  else if (strcmp(s, "if-not-present") == 0 || strcmp(s, "ifnotpresent") == 0 ||
           strcmp(s, "missing") == 0)
    *out = S2I_PULL_IF_NOT_PRESENT;
  else if (strcmp(s, "never") == 0)
    *out = S2I_PULL_NEVER;
  else
    return -1;
  return 0;
}

/* ---- credentials (containers-auth.json(5)) --------------------------- */

static char *decode_b64(const char *in)
{
  size_t n = strlen(in);
  unsigned char *out = xmalloc(n + 4);
  int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);

  if (len < 0) {
    free(out);
    return NULL;
  }
  while (n > 0 && in[n - 1] == '=') { /* DecodeBlock counts the padding */
    n--;
    len--;
  }
  out[len < 0 ? 0 : len] = '\0';
  return (char *)out;
}

static char *encode_b64(const char *in)
{
  size_t n = strlen(in);
  unsigned char *out = xmalloc(4 * ((n + 2) / 3) + 1);

  EVP_EncodeBlock(out, (const unsigned char *)in, (int)n);
  return (char *)out;
}

/* An auths key as a registry name: no scheme, no /v1/ or /v2/ suffix,
 * docker.io for Docker Hub's old names. */
static char *normalise_key(const char *key)
{
  const char *k = key;
  char *out;
  size_t n;

  if (strncmp(k, "https://", 8) == 0)
    k += 8;
  else if (strncmp(k, "http://", 7) == 0)
    k += 7;
  out = xstrdup(k);
  n = strlen(out);
  while (n > 0 && out[n - 1] == '/')
    out[--n] = '\0';
  if (n > 3 &&
      (strcmp(out + n - 3, "/v1") == 0 || strcmp(out + n - 3, "/v2") == 0))
    out[n - 3] = '\0';
  if (strcmp(out, "index.docker.io") == 0 ||
      strcmp(out, "registry-1.docker.io") == 0) {
    free(out);
    out = xstrdup("docker.io");
  }
  return out;
}

/* The entry of one file that matches domain/path best: the longest
 * "domain/path..." prefix ending at a '/', else domain alone. */
static int creds_in_file(const char *file, const char *domain, const char *path,
                         char **user, char **password, struct s2i_error **err)
{
  cleanup_free char *text = NULL, *want = xasprintf("%s/%s", domain, path);
  cleanup_json json_t *doc = NULL;
  json_t *auths, *v, *best = NULL;
  const char *key;
  size_t len, best_len = 0;
  json_error_t je;

  if (!s2i_fs_exists(file))
    return 0;
  if (s2i_fs_read_file(&text, &len, file, err) < 0)
    return -1;
  doc = json_loadb(text, len, 0, &je);
  if (doc == NULL)
    return s2i_error_json(err, je.text, je.line, "auth file %s", file);
  auths = json_object_get(doc, "auths");
  json_object_foreach(auths, key, v)
  {
    cleanup_free char *k = normalise_key(key);
    size_t kl = strlen(k);
    int match =
        strcmp(k, domain) == 0 ||
        (strncmp(want, k, kl) == 0 && (want[kl] == '\0' || want[kl] == '/'));
    if (match && kl >= best_len && json_is_object(v)) {
      best = v;
      best_len = kl;
    }
  }
  if (best == NULL)
    return 0;
  {
    const char *auth = json_string_value(json_object_get(best, "auth"));
    cleanup_free char *plain = auth ? decode_b64(auth) : NULL;
    char *colon = plain ? strchr(plain, ':') : NULL;
    if (colon == NULL)
      return s2i_error_make(err, 0,
                            "auth file %s: the entry for %s has no valid "
                            "\"auth\" (base64 of user:password)",
                            file, domain);
    *user = xstrndup(plain, (size_t)(colon - plain));
    *password = xstrdup(colon + 1);
  }
  return 1;
}

static int find_creds(const char *authfile, const char *domain,
                      const char *path, char **user, char **password,
                      char **from, struct s2i_error **err)
{
  const char *env = getenv("REGISTRY_AUTH_FILE");
  const char *run = getenv("XDG_RUNTIME_DIR");
  const char *home = getenv("HOME");
  char *files[5] = {0};
  int n = 0, r = 0;

  if (authfile) {
    if (!s2i_fs_exists(authfile))
      return s2i_error_make(err, ENOENT, "--authfile %s", authfile);
    files[n++] = xstrdup(authfile);
  } else {
    if (env && *env)
      files[n++] = xstrdup(env);
    if (run && *run)
      files[n++] = xasprintf("%s/containers/auth.json", run);
    if (home && *home) {
      files[n++] = xasprintf("%s/.config/containers/auth.json", home);
      files[n++] = xasprintf("%s/.docker/config.json", home);
    }
  }
  for (int i = 0; i < n && r == 0; i++) {
    r = creds_in_file(files[i], domain, path, user, password, err);
    if (r > 0 && from)
      *from = xstrdup(files[i]);
  }
  for (int i = 0; i < n; i++)
    free(files[i]);
  return r;
}

int s2i_registry_find_credentials(const char *authfile, const char *domain,
                                  const char *path, char **user,
                                  char **password, struct s2i_error **err)
{
  return find_creds(authfile, domain, path, user, password, NULL, err);
}

/* ---- the client ------------------------------------------------------- */

struct buf {
  char *data;
  size_t len, cap;
  size_t max;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = xrealloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

struct resp {
  long status;
  struct buf body;
  char *www_auth, *location, *digest, *content_type;
};

static void resp_clear(struct resp *r)
{
  free(r->body.data);
  free(r->www_auth);
  free(r->location);
  free(r->digest);
  free(r->content_type);
  memset(r, 0, sizeof(*r));
}

struct client {
  const struct s2i_ctx *ctx;
  const struct s2i_registry_opts *o;
  const struct s2i_ref *ref;
  const char *what;  /* "pull" or "push" */
  char *refstr;      /* for messages */
  char *base;        /* "https://host[:port]" */
  char *user, *pass; /* credentials, or NULL */
  char *cred_file;
  char *auth_header; /* "Authorization: ..." or NULL */
  int bearer;        /* the registry wants Bearer tokens */
  int basic;         /* ... or Basic */
  int token_with_creds;
  char *realm, *service;
  char *scopes; /* space separated, for token requests */
  char *ca;     /* CA bundle from --cert-dir (PEM) */
  size_t ca_len;
  char *client_cert, *client_key;
  CURL *h;
  char errbuf[CURL_ERROR_SIZE];
  int64_t bytes_sent, bytes_received;
};

static void client_free(struct client *c)
{
  if (c->h)
    curl_easy_cleanup(c->h);
  free(c->refstr);
  free(c->base);
  free(c->user);
  free(c->pass);
  free(c->cred_file);
  free(c->auth_header);
  free(c->realm);
  free(c->service);
  free(c->scopes);
  free(c->ca);
  free(c->client_cert);
  free(c->client_key);
}

#define cleanup_client __attribute__((cleanup(client_free)))

static const char *host(const struct client *c)
{
  return c->ref->domain;
}

/* PEM files of a cert dir: the system bundle then *.crt; the first
 * *.cert with its *.key as the client's pair. */
static int load_cert_dir(struct client *c, const char *dir, int required,
                         struct s2i_error **err)
{
  cleanup_dir DIR *d = opendir(dir);
  struct buf b = {0};
  struct dirent *de;
  int found = 0;

  if (d == NULL)
    return required ? s2i_error_make(err, errno, "--cert-dir %s", dir) : 0;
  {
    cleanup_free char *sys = NULL;
    size_t len;
    struct s2i_error *e = NULL;
    if (s2i_fs_read_file(&sys, &len, "/etc/ssl/certs/ca-certificates.crt",
                         &e) == 0)
      buf_add(&b, sys, len);
    s2i_error_free(e);
  }
  while ((de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    cleanup_free char *p = s2i_fs_join(dir, de->d_name);
    if (n > 4 && strcmp(de->d_name + n - 4, ".crt") == 0) {
      cleanup_free char *pem = NULL;
      size_t len;
      if (s2i_fs_read_file(&pem, &len, p, err) < 0) {
        free(b.data);
        return -1;
      }
      buf_add(&b, "\n", 1);
      buf_add(&b, pem, len);
      found = 1;
    } else if (n > 5 && strcmp(de->d_name + n - 5, ".cert") == 0 &&
               c->client_cert == NULL) {
      c->client_cert = xstrdup(p);
      c->client_key = xasprintf("%.*s.key", (int)(strlen(p) - 5), p);
    }
  }
  if (found) {
    c->ca = b.data;
    c->ca_len = b.len;
  } else {
    free(b.data);
  }
  return 0;
}

static void setup_handle(struct client *c, CURL *h)
{
  curl_easy_setopt(h, CURLOPT_USERAGENT, "s2i");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  if (!c->o->tls_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (c->ca) {
    struct curl_blob blob = {c->ca, c->ca_len, CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (c->client_cert) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
    curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
  }
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
  struct resp *r = arg;
  size_t len = size * n, klen;
  static const struct {
    const char *name;
    size_t off;
  } keys[] = {
      {"www-authenticate", offsetof(struct resp, www_auth)},
      {"location", offsetof(struct resp, location)},
      {"docker-content-digest", offsetof(struct resp, digest)},
      {"content-type", offsetof(struct resp, content_type)},
  };

  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    klen = strlen(keys[i].name);
    if (len > klen + 1 && strncasecmp(p, keys[i].name, klen) == 0 &&
        p[klen] == ':') {
      char **slot = (char **)((char *)r + keys[i].off);
      const char *v = p + klen + 1;
      size_t vl = len - klen - 1;
      while (vl > 0 && (*v == ' ' || *v == '\t'))
        v++, vl--;
      while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
      free(*slot);
      *slot = xstrndup(v, vl);
    }
  }
  return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
  struct resp *r = arg;
  size_t len = size * n;

  if (r->body.len + len > MAX_MANIFEST)
    return 0;
  buf_add(&r->body, p, len);
  return len;
}

struct req {
  const char *method; /* GET HEAD PUT POST PATCH */
  char *url;          /* owned */
  const char *accept;
  const char *content_type;
  const void *body;
  size_t body_len;
  int body_fd; /* > 0: upload body_len bytes from here, at body_off */
  int64_t body_off;
  int no_auth;
  struct resp r;
};

static void req_clear(struct req *q)
{
  free(q->url);
  resp_clear(&q->r);
}

struct upload {
  int fd;
  int64_t off, left;
};

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
  struct upload *u = arg;
  size_t want = size * n;
  ssize_t got;

  if ((int64_t)want > u->left)
    want = (size_t)u->left;
  if (want == 0)
    return 0;
  got = pread(u->fd, p, want, u->off);
  if (got < 0)
    return CURL_READFUNC_ABORT;
  u->off += got;
  u->left -= got;
  return (size_t)got;
}

static int is_tls_error(CURLcode rc)
{
  return rc == CURLE_SSL_CONNECT_ERROR ||
         rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CERTPROBLEM ||
         rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_CACERT_BADFILE ||
         rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
         rc == CURLE_SSL_INVALIDCERTSTATUS;
}

static int is_transient(CURLcode rc)
{
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
         rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_PARTIAL_FILE || rc == CURLE_GOT_NOTHING ||
         rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

static int status_transient(long s)
{
  return s == 429 || (s >= 500 && s != 501 && s != 505);
}

/* The error for a transfer that failed below HTTP. */
static int curl_fail(struct client *c, CURLcode rc, const char *errbuf,
                     const char *what, struct s2i_error **err)
{
  const char *msg = errbuf && *errbuf ? errbuf : curl_easy_strerror(rc);

  if (is_tls_error(rc)) {
    if (s2i_ref_is_loopback(host(c)))
      return s2i_error_make(err, 0,
                            "registry %s: %s: TLS failed (%s); for a test "
                            "registry give its CA with --cert-dir DIR, or "
                            "use --tls-verify=false",
                            host(c), what, msg);
    return s2i_error_make(err, 0,
                          "registry %s: %s: TLS failed (%s); if the registry "
                          "uses a private CA, give it with --cert-dir DIR "
                          "(a *.crt file)",
                          host(c), what, msg);
  }
  if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT)
    return s2i_error_make(err, 0,
                          "registry %s is unreachable (%s): check the host "
                          "name and port in %s and that the registry runs",
                          host(c), msg, c->refstr);
  return s2i_error_make(err, 0, "registry %s: %s: %s", host(c), what, msg);
}

static void backoff(const struct client *c, int attempt)
{
  int64_t ms = (int64_t)BACKOFF_MS << (attempt > 5 ? 5 : attempt);
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};

  if (!s2i_ctx_interrupted(c->ctx))
    nanosleep(&ts, NULL);
}

/* One attempt, no auth handling. */
static CURLcode perform_once(struct client *c, struct req *q)
{
  struct curl_slist *hdrs = NULL;
  struct upload up = {q->body_fd, q->body_off, (int64_t)q->body_len};
  cleanup_free char *accept = NULL, *ctype = NULL;
  CURLcode rc;
  curl_off_t sent = 0, got = 0;

  resp_clear(&q->r);
  curl_easy_reset(c->h);
  setup_handle(c, c->h);
  c->errbuf[0] = '\0';
  curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->errbuf);
  curl_easy_setopt(c->h, CURLOPT_URL, q->url);
  if (q->accept) {
    accept = xasprintf("Accept: %s", q->accept);
    hdrs = curl_slist_append(hdrs, accept);
  }
  if (q->content_type) {
    ctype = xasprintf("Content-Type: %s", q->content_type);
    hdrs = curl_slist_append(hdrs, ctype);
  }
  if (c->auth_header && !q->no_auth)
    hdrs = curl_slist_append(hdrs, c->auth_header);
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c->h, CURLOPT_HEADERDATA, &q->r);
  curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &q->r);
  if (strcmp(q->method, "HEAD") == 0) {
    curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
  } else if (strcmp(q->method, "GET") == 0) {
    curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 1L);
  } else if (q->body_fd > 0) {
    curl_easy_setopt(c->h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c->h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c->h, CURLOPT_READDATA, &up);
    curl_easy_setopt(c->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, q->method);
  } else {
    curl_easy_setopt(c->h, CURLOPT_POST, 1L);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)q->body_len);
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, q->method);
  }
  rc = curl_easy_perform(c->h);
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &q->r.status);
  curl_easy_getinfo(c->h, CURLINFO_SIZE_UPLOAD_T, &sent);
  curl_easy_getinfo(c->h, CURLINFO_SIZE_DOWNLOAD_T, &got);
  c->bytes_sent += (int64_t)sent;
  c->bytes_received += (int64_t)got;
  curl_slist_free_all(hdrs);
  return rc;
}

/* key="value" out of a challenge; NULL when absent. */
static char *challenge_param(const char *h, const char *key)
{
  size_t kl = strlen(key);
  const char *p = h;

  while ((p = strstr(p, key)) != NULL) {
    int at_start = p == h || p[-1] == ' ' || p[-1] == ',';
    if (at_start && p[kl] == '=') {
      const char *v = p + kl + 1;
      if (*v == '"') {
        const char *end = strchr(v + 1, '"');
        return end ? xstrndup(v + 1, (size_t)(end - v - 1)) : NULL;
      }
      return xstrndup(v, strcspn(v, ", "));
    }
    p += kl;
  }
  return NULL;
}

static void add_scope(struct client *c, const char *scope)
{
  char *s;

  if (scope == NULL || *scope == '\0')
    return;
  if (c->scopes) {
    size_t n = strlen(scope);
    for (const char *p = c->scopes; (p = strstr(p, scope)) != NULL; p += n)
      if ((p == c->scopes || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
        return;
  }
  s = c->scopes ? xasprintf("%s %s", c->scopes, scope) : xstrdup(scope);
  free(c->scopes);
  c->scopes = s;
}

static char *registry_error_text(const struct resp *r)
{
  cleanup_json json_t *doc =
      r->body.data ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
  json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
  const char *code = json_string_value(json_object_get(e, "code"));
  const char *msg = json_string_value(json_object_get(e, "message"));

  if (code || msg)
    return xasprintf(" (%s%s%s)", code ? code : "", code && msg ? ": " : "",
                     msg ? msg : "");
  return xstrdup("");
}

static int need_creds_error(struct client *c, long status,
                            struct s2i_error **err)
{
  if (c->user)
    return s2i_error_make(
        err, 0,
        "registry %s refused the credentials of user \"%s\" from %s for %s "
        "(HTTP %ld): check them, or that the user may %s %s",
        host(c), c->user, c->cred_file, c->refstr, status, c->what,
        c->ref->path);
  return s2i_error_make(
      err, 0,
      "registry %s wants credentials to %s %s (HTTP %ld): put them for %s in "
      "an auth file (--authfile FILE, $REGISTRY_AUTH_FILE, "
      "$XDG_RUNTIME_DIR/containers/auth.json, "
      "~/.config/containers/auth.json or ~/.docker/config.json; `podman "
      "login %s` writes one)",
      host(c), c->what, c->refstr, status, host(c), host(c));
}

/* Get a Bearer token for c->scopes, with credentials when asked. */
static int fetch_token(struct client *c, int with_creds, struct s2i_error **err)
{
  struct req q = {.method = "GET", .no_auth = 1};
  struct buf url = {0};
  cleanup_json json_t *doc = NULL;
  cleanup_free char *saved = c->auth_header;
  const char *tok;
  CURLcode rc;
  int attempt = 0;

  c->auth_header = NULL;
  if (c->realm == NULL)
    return s2i_error_make(err, 0, "registry %s: Bearer challenge without realm",
                          host(c));
  buf_add(&url, c->realm, strlen(c->realm));
  buf_add(&url, strchr(c->realm, '?') ? "&" : "?", 1);
  if (c->service) {
    char *e = curl_easy_escape(c->h, c->service, 0);
    buf_add(&url, "service=", 8);
    buf_add(&url, e, strlen(e));
    curl_free(e);
  }
  for (const char *p = c->scopes ? c->scopes : ""; *p;) {
    size_t n = strcspn(p, " ");
    char *one = xstrndup(p, n);
    char *e = curl_easy_escape(c->h, one, 0);
    buf_add(&url, "&scope=", 7);
    buf_add(&url, e, strlen(e));
    curl_free(e);
    free(one);
    p += n + (p[n] == ' ');
  }
  q.url = url.data;
  if (with_creds) {
    cleanup_free char *up = xasprintf("%s:%s", c->user, c->pass);
    cleanup_free char *b64 = encode_b64(up);
    c->auth_header = xasprintf("Authorization: Basic %s", b64);
    q.no_auth = 0;
  }
  while ((rc = perform_once(c, &q)) != CURLE_OK ||
         status_transient(q.r.status)) {
    if (++attempt >= MAX_ATTEMPTS || (rc != CURLE_OK && !is_transient(rc)))
      break;
    backoff(c, attempt);
  }
  free(c->auth_header);
  c->auth_header = NULL;
  if (rc != CURLE_OK) {
    curl_fail(c, rc, c->errbuf, "token", err);
    req_clear(&q);
    return -1;
  }
  if (q.r.status == 401 || q.r.status == 403) {
    long s = q.r.status;
    req_clear(&q);
    return with_creds ? need_creds_error(c, s, err) : 1;
  }
  doc = q.r.status == 200 ? json_loadb(q.r.body.data, q.r.body.len, 0, NULL)
                          : NULL;
  tok = json_string_value(json_object_get(doc, "token"));
  if (tok == NULL)
    tok = json_string_value(json_object_get(doc, "access_token"));
  if (tok == NULL) {
    s2i_error_make(err, 0,
                   "registry %s: the token service %s answered HTTP %ld "
                   "without a token",
                   host(c), c->realm, q.r.status);
    req_clear(&q);
    return -1;
  }
  c->auth_header = xasprintf("Authorization: Bearer %s", tok);
  c->token_with_creds = with_creds;
  req_clear(&q);
  (void)saved;
  return 0;
}

/* Answer a 401's challenge: 0 when the request may be tried again with
 * new credentials, <0 when there is nothing more to try. */
static int authenticate(struct client *c, const char *challenge, int round,
                        struct s2i_error **err)
{
  if (challenge && strncasecmp(challenge, "bearer", 6) == 0) {
    cleanup_free char *scope = challenge_param(challenge, "scope");
    free(c->realm);
    free(c->service);
    c->realm = challenge_param(challenge, "realm");
    c->service = challenge_param(challenge, "service");
    c->bearer = 1;
    add_scope(c, scope);
    /* anonymous first, then with credentials */
    if (round == 0 && !c->token_with_creds) {
      int r = fetch_token(c, 0, err);
      if (r <= 0)
        return r;
    }
    if (c->user == NULL)
      return need_creds_error(c, 401, err);
    if (round > 1)
      return need_creds_error(c, 401, err);
    return fetch_token(c, 1, err) == 0 ? 0 : -1;
  }
  /* Basic, or no challenge at all */
  c->basic = 1;
  if (c->user == NULL || round > 0)
    return need_creds_error(c, 401, err);
  {
    cleanup_free char *up = xasprintf("%s:%s", c->user, c->pass);
    cleanup_free char *b64 = encode_b64(up);
    free(c->auth_header);
    c->auth_header = xasprintf("Authorization: Basic %s", b64);
  }
  return 0;
}

/* Retries for resets, time-outs and 5xx; the challenge for 401.  Returns
 * 0 with q->r.status set to whatever the registry finally said. */
static int perform(struct client *c, struct req *q, const char *what,
                   struct s2i_error **err)
{
  int attempt = 0, round = 0;
  CURLcode rc;

  for (;;) {
    if (s2i_ctx_check_interrupt(c->ctx, err) < 0)
      return -1;
    s2i_log_debug(c->ctx, 3, "%s %s", q->method, q->url);
    rc = perform_once(c, q);
    if (rc == CURLE_OK && q->r.status == 401 && !q->no_auth) {
      if (authenticate(c, q->r.www_auth, round++, err) < 0)
        return -1;
      continue;
    }
    if (rc == CURLE_OK && !status_transient(q->r.status))
      return 0;
    if (rc != CURLE_OK && !is_transient(rc))
      return curl_fail(c, rc, c->errbuf, what, err);
    if (++attempt >= MAX_ATTEMPTS) {
      if (rc == CURLE_COULDNT_CONNECT)
        return curl_fail(c, rc, c->errbuf, what, err);
      return s2i_error_make(
          err, 0,
          "registry %s: %s: gave up after %d attempts "
          "(last: %s); try again later",
          host(c), what, attempt,
          rc != CURLE_OK ? (*c->errbuf ? c->errbuf : curl_easy_strerror(rc))
                         : "a server error");
    }
    s2i_log_debug(c->ctx, 1, "registry %s: %s: attempt %d failed, retrying",
                  host(c), what, attempt);
    backoff(c, attempt);
  }
}

static int status_error(struct client *c, const struct req *q, const char *what,
                        struct s2i_error **err)
{
  cleanup_free char *detail = registry_error_text(&q->r);

  if (q->r.status == 401)
    return need_creds_error(c, 401, err);
  if (q->r.status == 403)
    return s2i_error_make(err, 0,
                          "registry %s denied access to %s (HTTP 403%s%s): "
                          "the credentials%s%s may not %s %s",
                          host(c), c->refstr, *detail ? "" : "", detail,
                          c->user ? " of " : "", c->user ? c->user : "",
                          c->what, c->ref->path);
  if (q->r.status == 404)
    return s2i_error_make(err, 0,
                          "registry %s: %s: not found (HTTP 404%s): check the "
                          "repository and tag of %s",
                          host(c), what, detail, c->refstr);
  return s2i_error_make(err, 0, "registry %s: %s: HTTP %ld%s", host(c), what,
                        q->r.status, detail);
}

/* GET /v2/: the scheme (https; plain http when --tls-verify=false and the
 * registry does not speak TLS) and the auth challenge. */
static int ping(struct client *c, struct s2i_error **err)
{
  struct req q = {.method = "GET", .no_auth = 1};
  CURLcode rc;
  int attempt = 0;

  c->base = xasprintf("https://%s", s2i_ref_api_host(c->ref));
  for (;;) {
    free(q.url);
    q.url = xasprintf("%s/v2/", c->base);
    rc = perform_once(c, &q);
    if (rc != CURLE_OK && !c->o->tls_verify &&
        strncmp(c->base, "https:", 6) == 0 &&
        (is_tls_error(rc) || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING)) {
      free(c->base);
      c->base = xasprintf("http://%s", s2i_ref_api_host(c->ref));
      continue;
    }
    if ((rc == CURLE_OK && !status_transient(q.r.status)) ||
        (rc != CURLE_OK && !is_transient(rc)) || ++attempt >= 3)
      break;
    backoff(c, attempt);
  }
  if (rc != CURLE_OK) {
    curl_fail(c, rc, c->errbuf, "GET /v2/", err);
    req_clear(&q);
    return -1;
  }
  if (q.r.status == 401) {
    int r = 0;
    if (q.r.www_auth && strncasecmp(q.r.www_auth, "bearer", 6) == 0) {
      free(c->realm);
      free(c->service);
      c->realm = challenge_param(q.r.www_auth, "realm");
      c->service = challenge_param(q.r.www_auth, "service");
      c->bearer = 1;
      r = fetch_token(c, 0, err); /* anonymous first */
      if (r > 0 && c->user)
        r = fetch_token(c, 1, err);
      else if (r > 0)
        r = 0; /* anonymous got nothing: the first request says why */
    } else if (c->user) {
      r = authenticate(c, q.r.www_auth, 0, err);
    }
    req_clear(&q);
    return r < 0 ? -1 : 0;
  }
  if (q.r.status != 200) {
    s2i_error_make(err, 0,
                   "registry %s: GET %s/v2/ answered HTTP %ld: not an OCI "
                   "registry?",
                   host(c), c->base, q.r.status);
    req_clear(&q);
    return -1;
  }
  req_clear(&q);
  return 0;
}

static int client_init(struct client *c, const struct s2i_ctx *ctx,
                       const struct s2i_registry_opts *o,
                       const struct s2i_ref *ref, const char *what,
                       struct s2i_error **err)
{
  memset(c, 0, sizeof(*c));
  c->ctx = ctx;
  c->o = o;
  c->ref = ref;
  c->what = what;
  c->refstr = s2i_ref_string(ref);
  c->h = curl_easy_init();
  if (c->h == NULL)
    return s2i_error_make(err, 0, "curl_easy_init failed");
  {
    cleanup_free char *scope =
        xasprintf("repository:%s:%s", ref->path,
                  strcmp(what, "push") == 0 ? "pull,push" : "pull");
    add_scope(c, scope);
  }
  if (find_creds(o->authfile, ref->domain, ref->path, &c->user, &c->pass,
                 &c->cred_file, err) < 0)
    return -1;
  if (o->cert_dir) {
    if (load_cert_dir(c, o->cert_dir, 1, err) < 0)
      return -1;
  } else {
    cleanup_free char *d = xasprintf("/etc/containers/certs.d/%s", ref->domain);
    if (load_cert_dir(c, d, 0, err) < 0)
      return -1;
  }
  return ping(c, err);
}

static char *repo_url(const struct client *c, const char *what, const char *obj)
{
  return xasprintf("%s/v2/%s/%s/%s", c->base, c->ref->path, what, obj);
}

/* ---- pull: manifests -------------------------------------------------- */

static int is_index(const char *mt)
{
  return mt && (strcmp(mt, S2I_MEDIA_OCI_INDEX) == 0 ||
                strstr(mt, "manifest.list") != NULL);
}

static int fetch_manifest(struct client *c, const char *obj, struct buf *out,
                          char **media_type, char digest[S2I_DIGEST_LEN + 1],
                          struct s2i_error **err)
{
  struct req q = {.method = "GET", .accept = ACCEPT_MANIFESTS};
  cleanup_free char *what = xasprintf("manifest %s", obj);
  cleanup_json json_t *doc = NULL;
  const char *mt;
  int r = -1;

  q.url = repo_url(c, "manifests", obj);
  if (perform(c, &q, what, err) < 0)
    goto out;
  if (q.r.status != 200) {
    status_error(c, &q, what, err);
    goto out;
  }
  s2i_digest_buffer(q.r.body.data ? q.r.body.data : "", q.r.body.len, digest);
  if (strncmp(obj, "sha256:", 7) == 0 && strcmp(obj, digest) != 0) {
    s2i_error_make(err, 0,
                   "registry %s: manifest %s: digest mismatch: the content "
                   "is %s; refused",
                   host(c), obj, digest);
    goto out;
  }
  if (q.r.digest && strncmp(q.r.digest, "sha256:", 7) == 0 &&
      strcmp(q.r.digest, digest) != 0) {
    s2i_error_make(err, 0,
                   "registry %s: manifest %s: digest mismatch: the registry "
                   "says %s, the content is %s; refused",
                   host(c), obj, q.r.digest, digest);
    goto out;
  }
  doc = json_loadb(q.r.body.data ? q.r.body.data : "", q.r.body.len, 0, NULL);
  if (!json_is_object(doc)) {
    s2i_error_make(err, 0, "registry %s: manifest %s is not JSON", host(c),
                   obj);
    goto out;
  }
  mt = json_string_value(json_object_get(doc, "mediaType"));
  if (mt == NULL && q.r.content_type)
    mt = q.r.content_type;
  if (json_integer_value(json_object_get(doc, "schemaVersion")) == 1 ||
      (mt && strstr(mt, "docker.distribution.manifest.v1"))) {
    s2i_error_make(err, 0,
                   "registry %s: %s is a Docker schema 1 manifest, which "
                   "s2i does not read; push it again with a current tool",
                   host(c), c->refstr);
    goto out;
  }
  if (mt == NULL)
    mt = json_object_get(doc, "manifests") ? S2I_MEDIA_OCI_INDEX
                                           : S2I_MEDIA_OCI_MANIFEST;
  *media_type = xstrdup(mt);
  *out = q.r.body;
  memset(&q.r.body, 0, sizeof(q.r.body));
  r = 0;
out:
  req_clear(&q);
  return r;
}

/* The manifest of the wanted platform in an index. */
static int pick_platform(struct client *c, const char *index_text, size_t len,
                         char digest[S2I_DIGEST_LEN + 1],
                         struct s2i_error **err)
{
  const char *want = c->o->platform ? c->o->platform : "linux/amd64";
  cleanup_json json_t *doc = json_loadb(index_text, len, 0, NULL);
  size_t os_n = strcspn(want, "/"), i;
  const char *arch = want[os_n] ? want + os_n + 1 : "amd64";
  size_t arch_n = strcspn(arch, "/");
  const char *variant = arch[arch_n] ? arch + arch_n + 1 : NULL;
  json_t *d;
  struct buf seen = {0};

  json_array_foreach(json_object_get(doc, "manifests"), i, d)
  {
    json_t *p = json_object_get(d, "platform");
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *a = json_string_value(json_object_get(p, "architecture"));
    const char *v = json_string_value(json_object_get(p, "variant"));
    const char *dg = json_string_value(json_object_get(d, "digest"));
    if (os && a) {
      cleanup_free char *one = xasprintf("%s%s/%s%s%s", seen.len ? ", " : "",
                                         os, a, v ? "/" : "", v ? v : "");
      buf_add(&seen, one, strlen(one));
    }
    if (os && a && dg && strlen(os) == os_n && strncmp(os, want, os_n) == 0 &&
        strlen(a) == arch_n && strncmp(a, arch, arch_n) == 0 &&
        (variant == NULL || (v && strcmp(v, variant) == 0)) &&
        s2i_digest_is_valid(dg)) {
      snprintf(digest, S2I_DIGEST_LEN + 1, "%s", dg);
      free(seen.data);
      return 0;
    }
  }
  s2i_error_make(err, 0,
                 "registry %s: %s has no image for %s (it has: %s); choose "
                 "one with --platform",
                 host(c), c->refstr, want, seen.data ? seen.data : "none");
  free(seen.data);
  return -1;
}

/* ---- pull: blobs, several at once ------------------------------------- */

struct dl {
  struct client *c;
  char digest[S2I_DIGEST_LEN + 1];
  int64_t size; /* -1: not known */
  char *partial;
  int fd;
  struct s2i_digest *h;
  int64_t have;
  int attempts;
  int64_t retry_at_ms;
  CURL *e;
  struct curl_slist *hdrs;
  char errbuf[CURL_ERROR_SIZE];
  int checked; /* the response code was looked at */
  int bad;     /* a non-2xx answer: its body is not the blob */
  enum { DL_WAIT, DL_ACTIVE, DL_DONE } state;
  int64_t t0_ms;
  const char *kind; /* "blob" or "config" */
};

static void dl_free(struct dl *d)
{
  char sink[S2I_DIGEST_LEN + 1];

  if (d->h)
    s2i_digest_final(d->h, sink);
  if (d->fd >= 0)
    close(d->fd);
  if (d->hdrs)
    curl_slist_free_all(d->hdrs);
  free(d->partial);
}

static void dl_reset(struct dl *d)
{
  char sink[S2I_DIGEST_LEN + 1];

  if (d->h)
    s2i_digest_final(d->h, sink);
  d->h = s2i_digest_new();
  d->have = 0;
  if (ftruncate(d->fd, 0) < 0) { /* reported by the digest check */
  }
}

static size_t on_blob(char *p, size_t size, size_t n, void *arg)
{
  struct dl *d = arg;
  size_t len = size * n;

  if (!d->checked) {
    long code = 0;
    curl_easy_getinfo(d->e, CURLINFO_RESPONSE_CODE, &code);
    d->checked = 1;
    d->bad = code != 200 && code != 206;
    if (code == 200 && d->have > 0)
      dl_reset(d); /* the registry ignored the Range: start over */
  }
  if (d->bad)
    return len;
  if (d->size >= 0 && d->have + (int64_t)len > d->size)
    return 0; /* more than the manifest said: stop, the check fails */
  if (pwrite(d->fd, p, len, d->have) != (ssize_t)len)
    return 0;
  s2i_digest_update(d->h, p, len);
  d->have += (int64_t)len;
  return len;
}

/* Open (and lock) the partial file; hash what an earlier run left.
 * Returns 1 when the blob is in the store after all (another s2i fetched
 * it while this one waited for the lock, or an earlier run got all of it),
 * 0 to download, <0 on error. */
static int dl_open(struct dl *d, struct s2i_store *store,
                   struct s2i_error **err)
{
  cleanup_free char *name = xasprintf("partial/%s", s2i_digest_hex(d->digest));
  char buf[1 << 16];
  struct stat st, path_st;
  ssize_t r;

  d->partial = s2i_store_private_path(store, name);
  for (;;) {
    d->fd = open(d->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (d->fd < 0)
      return s2i_error_make(err, errno, "open %s", d->partial);
    while (flock(d->fd, LOCK_EX) < 0) /* another s2i pulls the same blob */
      if (errno != EINTR || s2i_ctx_interrupted(d->c->ctx))
        return s2i_error_make(err, errno, "lock %s", d->partial);
    if (fstat(d->fd, &st) < 0)
      return s2i_error_make(err, errno, "stat %s", d->partial);
    /* the holder may have renamed it into blobs/ meanwhile */
    if (stat(d->partial, &path_st) == 0 && path_st.st_ino == st.st_ino &&
        path_st.st_dev == st.st_dev)
      break;
    close(d->fd);
    d->fd = -1;
    if (s2i_store_has_blob(store, d->digest))
      return 1;
  }
  if (s2i_store_has_blob(store, d->digest)) {
    unlink(d->partial);
    return 1;
  }
  d->h = s2i_digest_new();
  if (d->size >= 0 && st.st_size > d->size) {
    dl_reset(d);
    return 0;
  }
  while (d->have < (int64_t)st.st_size &&
         (r = pread(d->fd, buf, sizeof(buf), d->have)) > 0) {
    s2i_digest_update(d->h, buf, (size_t)r);
    d->have += r;
  }
  if (d->have > 0 && d->have == d->size) { /* all there: check it now */
    char got[S2I_DIGEST_LEN + 1];
    cleanup_free char *dest = s2i_store_blob_path(store, d->digest);
    s2i_digest_final(d->h, got);
    d->h = s2i_digest_new();
    if (strcmp(got, d->digest) == 0 && fchmod(d->fd, 0644) == 0 &&
        rename(d->partial, dest) == 0)
      return 1;
    dl_reset(d);
    return 0;
  }
  if (d->have > 0)
    s2i_log_debug(d->c->ctx, 1, "resuming %s at %lld bytes", d->digest,
                  (long long)d->have);
  return 0;
}

static void dl_start(struct dl *d, CURLM *m)
{
  cleanup_free char *url = repo_url(d->c, "blobs", d->digest);

  if (d->e == NULL)
    d->e = curl_easy_init();
  else
    curl_easy_reset(d->e);
  if (d->hdrs)
    curl_slist_free_all(d->hdrs);
  d->hdrs = NULL;
  setup_handle(d->c, d->e);
  curl_easy_setopt(d->e, CURLOPT_URL, url);
  curl_easy_setopt(d->e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(d->e, CURLOPT_WRITEFUNCTION, on_blob);
  curl_easy_setopt(d->e, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(d->e, CURLOPT_WRITEDATA, d);
  curl_easy_setopt(d->e, CURLOPT_ERRORBUFFER, d->errbuf);
  curl_easy_setopt(d->e, CURLOPT_PRIVATE, d);
  if (d->c->auth_header)
    d->hdrs = curl_slist_append(d->hdrs, d->c->auth_header);
  curl_easy_setopt(d->e, CURLOPT_HTTPHEADER, d->hdrs);
  if (d->have > 0)
    curl_easy_setopt(d->e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)d->have);
  d->errbuf[0] = '\0';
  d->checked = 0;
  d->bad = 0;
  d->state = DL_ACTIVE;
  if (d->t0_ms == 0)
    d->t0_ms = s2i_ctx_now_ms();
  curl_multi_add_handle(m, d->e);
}

static void human(char *buf, size_t n, double b)
{
  if (b >= 1e9)
    snprintf(buf, n, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    snprintf(buf, n, "%.1f MB", b / 1e6);
  else if (b >= 1e3)
    snprintf(buf, n, "%.1f kB", b / 1e3);
  else
    snprintf(buf, n, "%.0f B", b);
}

struct pull {
  struct client *c;
  struct s2i_store *store;
  struct dl *dls;
  size_t n;
  int tty;
  int64_t last_draw;
  int drawn;
};

static void clear_line(struct pull *p)
{
  if (p->drawn) {
    fputs("\r\033[K", s2i_ctx_log(p->c->ctx));
    p->drawn = 0;
  }
}

static void say_blob(struct pull *p, const struct dl *d, const char *how)
{
  char hs[32];

  if (p->c->ctx->quiet)
    return;
  clear_line(p);
  human(hs, sizeof(hs), (double)(d->size >= 0 ? d->size : d->have));
  fprintf(s2i_ctx_log(p->c->ctx), "Copying %s %.19s %s (%s)\n", d->kind,
          d->digest, how, hs);
}

/* On a terminal: one line, every active blob's bytes and rate. */
static void draw(struct pull *p)
{
  int64_t now = s2i_ctx_now_ms();
  FILE *f = s2i_ctx_log(p->c->ctx);
  char line[512];
  size_t o = 0;

  if (!p->tty || p->c->ctx->quiet || now - p->last_draw < 200)
    return;
  p->last_draw = now;
  for (size_t i = 0; i < p->n && o < 200; i++) {
    const struct dl *d = &p->dls[i];
    char a[32], t[32], r[32];
    double secs = (double)(now - d->t0_ms) / 1000.0;
    if (d->state != DL_ACTIVE)
      continue;
    human(a, sizeof(a), (double)d->have);
    human(t, sizeof(t), (double)d->size);
    human(r, sizeof(r), secs > 0 ? (double)d->have / secs : 0);
    o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%.12s %s/%s %s/s",
                          o ? " | " : "", s2i_digest_hex(d->digest), a, t, r);
  }
  if (o == 0)
    return;
  fprintf(f, "\r\033[K%.*s", 160, line);
  fflush(f);
  p->drawn = 1;
}

/* A finished transfer: done, retried, or the pull's error. */
static int dl_finish(struct pull *p, struct dl *d, CURLcode rc,
                     struct s2i_error **err)
{
  long status = 0;
  char got[S2I_DIGEST_LEN + 1];
  cleanup_free char *what = xasprintf("%s %s", d->kind, d->digest);
  cleanup_free char *dest = NULL;

  curl_easy_getinfo(d->e, CURLINFO_RESPONSE_CODE, &status);
  d->state = DL_WAIT;
  if (rc == CURLE_OK && (status == 200 || status == 206) &&
      (d->size < 0 || d->have == d->size)) {
    s2i_digest_final(d->h, got);
    d->h = NULL;
    if (strcmp(got, d->digest) != 0) {
      unlink(d->partial);
      return s2i_error_make(err, 0,
                            "registry %s: %s: %s: digest mismatch: the "
                            "registry sent content with digest %s; the "
                            "partial blob was deleted and nothing was stored",
                            host(p->c), p->c->refstr, what, got);
    }
    dest = s2i_store_blob_path(p->store, d->digest);
    if (fchmod(d->fd, 0644) < 0 || rename(d->partial, dest) < 0)
      return s2i_error_make(err, errno, "store blob %s", dest);
    d->state = DL_DONE;
    p->c->bytes_received += d->have;
    say_blob(p, d, "done");
    return 0;
  }
  if (rc == CURLE_OK && status == 401) {
    /* a token that expired mid-pull: a new one, as the last was got */
    int r = p->c->bearer ? fetch_token(p->c, p->c->token_with_creds, err)
                         : authenticate(p->c, NULL, d->attempts, err);
    if (r > 0)
      return need_creds_error(p->c, 401, err);
    if (r < 0)
      return -1;
  } else if (rc == CURLE_OK && status == 416) {
    dl_reset(d);
  } else if (rc == CURLE_OK && (status == 404 || status == 403)) {
    return s2i_error_make(err, 0,
                          "registry %s: %s: %s: HTTP %ld: the registry does "
                          "not give the blob its manifest names",
                          host(p->c), p->c->refstr, what, status);
  } else if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR && !is_transient(rc)) {
    return curl_fail(p->c, rc, d->errbuf, what, err);
  } else if (rc == CURLE_OK && !status_transient(status) && status != 200 &&
             status != 206) {
    return s2i_error_make(err, 0, "registry %s: %s: HTTP %ld", host(p->c), what,
                          status);
  } else if (rc == CURLE_WRITE_ERROR) {
    /* more bytes than the manifest's size: not the blob */
    unlink(d->partial);
    return s2i_error_make(err, 0,
                          "registry %s: %s: %s: the registry sent more than "
                          "the %lld bytes the manifest names; the partial "
                          "blob was deleted",
                          host(p->c), p->c->refstr, what, (long long)d->size);
  }
  if (++d->attempts >= MAX_ATTEMPTS)
    return s2i_error_make(
        err, 0,
        "registry %s: %s: %s: gave up after %d attempts (last: %s); %lld of "
        "%lld bytes are kept and a rerun resumes there",
        host(p->c), p->c->refstr, what, d->attempts,
        rc != CURLE_OK ? (*d->errbuf ? d->errbuf : curl_easy_strerror(rc))
                       : "HTTP error",
        (long long)d->have, (long long)d->size);
  s2i_log_debug(p->c->ctx, 1, "%s: attempt %d failed (%s), retrying at %lld",
                what, d->attempts,
                rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP",
                (long long)d->have);
  d->retry_at_ms = s2i_ctx_now_ms() + ((int64_t)BACKOFF_MS << d->attempts);
  return 0;
}

static int run_downloads(struct pull *p, struct s2i_error **err)
{
  CURLM *m = curl_multi_init();
  int running = 0, ret = 0;
  size_t active = 0;

  for (;;) {
    int64_t now = s2i_ctx_now_ms();
    size_t left = 0;
    CURLMsg *msg;
    int q;

    for (size_t i = 0; i < p->n; i++) {
      struct dl *d = &p->dls[i];
      if (d->state == DL_WAIT) {
        left++;
        if (active < PARALLEL && now >= d->retry_at_ms) {
          dl_start(d, m);
          active++;
        }
      } else if (d->state == DL_ACTIVE) {
        left++;
      }
    }
    if (left == 0)
      break;
    if (s2i_ctx_check_interrupt(p->c->ctx, err) < 0) {
      ret = -1;
      break;
    }
    curl_multi_perform(m, &running);
    while ((msg = curl_multi_info_read(m, &q)) != NULL) {
      struct dl *d = NULL;
      if (msg->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
      curl_multi_remove_handle(m, msg->easy_handle);
      active--;
      if (dl_finish(p, d, msg->data.result, err) < 0) {
        ret = -1;
        break;
      }
    }
    if (ret < 0)
      break;
    draw(p);
    curl_multi_poll(m, NULL, 0, 100, NULL);
  }
  for (size_t i = 0; i < p->n; i++)
    if (p->dls[i].e) {
      curl_multi_remove_handle(m, p->dls[i].e);
      curl_easy_cleanup(p->dls[i].e);
      p->dls[i].e = NULL;
    }
  curl_multi_cleanup(m);
  clear_line(p);
  return ret;
}

static int pull_blobs(struct client *c, struct s2i_store *store, json_t *man,
                      struct s2i_error **err)
{
  json_t *layers = json_object_get(man, "layers");
  size_t n = json_array_size(layers) + 1, i;
  struct pull p = {.c = c, .store = store};
  int ret = 0, r;

  p.dls = xcalloc(n, sizeof(*p.dls));
  p.tty = isatty(fileno(s2i_ctx_log(c->ctx)));
  for (i = 0; i < n && ret == 0; i++) {
    json_t *desc =
        i == 0 ? json_object_get(man, "config") : json_array_get(layers, i - 1);
    const char *dg = json_string_value(json_object_get(desc, "digest"));
    struct dl *x = &p.dls[p.n];
    if (!s2i_digest_is_valid(dg)) {
      ret = s2i_error_make(err, 0,
                           "registry %s: %s: the manifest names an invalid "
                           "digest \"%s\"",
                           host(c), c->refstr, dg ? dg : "");
      break;
    }
    memset(x, 0, sizeof(*x));
    x->fd = -1;
    x->c = c;
    x->kind = i == 0 ? "config" : "blob";
    snprintf(x->digest, sizeof(x->digest), "%s", dg);
    x->size = json_is_integer(json_object_get(desc, "size"))
                  ? json_integer_value(json_object_get(desc, "size"))
                  : -1;
    if (s2i_store_has_blob(store, dg)) {
      say_blob(&p, x, "already in the store");
      continue;
    }
    int dup = 0;
    for (size_t j = 0; j < p.n; j++)
      dup |= strcmp(p.dls[j].digest, dg) == 0;
    if (dup)
      continue;
    p.n++;
    r = dl_open(x, store, err);
    if (r < 0)
      ret = -1;
    if (r == 1) {
      say_blob(&p, x, "already in the store");
      dl_free(x);
      p.n--;
    }
  }
  if (ret == 0)
    ret = run_downloads(&p, err);
  for (i = 0; i < p.n; i++)
    dl_free(&p.dls[i]);
  free(p.dls);
  return ret;
}

/* A Docker v2 schema 2 manifest as the OCI one skopeo writes for it (same
 * config and layer blobs): OCI layouts only name OCI manifests, and
 * skopeo's oci: transport skips any other kind. */
static const char *const docker_to_oci[][2] = {
    {"application/vnd.docker.container.image.v1+json", S2I_MEDIA_OCI_CONFIG},
    {"application/vnd.docker.image.rootfs.diff.tar", S2I_MEDIA_OCI_LAYER},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip",
     S2I_MEDIA_OCI_LAYER_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd",
     S2I_MEDIA_OCI_LAYER_ZSTD},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
     "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
};

static void oci_media_type(json_t *desc)
{
  const char *mt = json_string_value(json_object_get(desc, "mediaType"));

  for (size_t i = 0; mt && i < sizeof(docker_to_oci) / sizeof(docker_to_oci[0]);
       i++)
    if (strcmp(mt, docker_to_oci[i][0]) == 0) {
      json_object_set_new(desc, "mediaType", json_string(docker_to_oci[i][1]));
      return;
    }
}

static void to_oci(json_t *man, struct buf *body, char **mt,
                   char digest[S2I_DIGEST_LEN + 1])
{
  size_t i;
  json_t *l;
  char *text;

  if (*mt && strcmp(*mt, S2I_MEDIA_OCI_MANIFEST) == 0)
    return;
  json_object_set_new(man, "mediaType", json_string(S2I_MEDIA_OCI_MANIFEST));
  oci_media_type(json_object_get(man, "config"));
  json_array_foreach(json_object_get(man, "layers"), i, l)
  {
    oci_media_type(l);
  }
  text = json_dumps(man, JSON_COMPACT);
  if (text == NULL)
    abort();
  free(body->data);
  body->data = text;
  body->len = strlen(text);
  free(*mt);
  *mt = xstrdup(S2I_MEDIA_OCI_MANIFEST);
  s2i_digest_buffer(body->data, body->len, digest);
}

static int store_manifest(struct client *c, struct s2i_store *store,
                          const struct buf *b, const char *digest,
                          struct s2i_error **err)
{
  char got[S2I_DIGEST_LEN + 1];

  if (s2i_store_has_blob(store, digest))
    return 0;
  if (s2i_store_put(store, b->data, b->len, got, err) < 0)
    return s2i_error_prefix(err, "registry %s: %s", host(c), c->refstr);
  return 0;
}

int s2i_registry_pull(const struct s2i_ctx *ctx,
                      const struct s2i_registry_opts *o,
                      struct s2i_store *store, const char *refstr, char **name,
                      struct s2i_error **err)
{
  static const struct s2i_registry_opts defaults = S2I_REGISTRY_OPTS_INIT;
  cleanup_ref struct s2i_ref *ref = NULL;
  cleanup_client struct client c = {0};
  cleanup_json json_t *man = NULL;
  cleanup_free char *mt = NULL, *tag = NULL, *src = NULL;
  struct buf body = {0};
  char digest[S2I_DIGEST_LEN + 1];
  json_t *ann;
  int r;

  if (o == NULL)
    o = &defaults;
  if (s2i_ref_parse(&ref, refstr, err) < 0)
    return -1;
  tag = s2i_ref_string(ref);
  if (!ctx->quiet)
    s2i_log_step(ctx, "Pulling %s", tag);
  if (client_init(&c, ctx, o, ref, "pull", err) < 0)
    return -1;
  if (fetch_manifest(&c, s2i_ref_object(ref), &body, &mt, digest, err) < 0)
    return -1;
  if (is_index(mt)) {
    char pick[S2I_DIGEST_LEN + 1];
    r = pick_platform(&c, body.data, body.len, pick, err);
    free(body.data);
    memset(&body, 0, sizeof(body));
    free(mt);
    mt = NULL;
    if (r < 0 || fetch_manifest(&c, pick, &body, &mt, digest, err) < 0)
      return -1;
    if (is_index(mt)) {
      free(body.data);
      return s2i_error_make(err, 0,
                            "registry %s: %s: an index inside an index is "
                            "not supported",
                            host(&c), c.refstr);
    }
  }
  man = json_loadb(body.data, body.len, 0, NULL);
  if (!json_is_object(json_object_get(man, "config"))) {
    free(body.data);
    return s2i_error_make(err, 0, "registry %s: %s: manifest %s has no config",
                          host(&c), c.refstr, digest);
  }
  r = pull_blobs(&c, store, man, err);
  if (r == 0)
    to_oci(man, &body, &mt, digest);
  if (r == 0)
    r = store_manifest(&c, store, &body, digest, err);
  if (r < 0) {
    free(body.data);
    return -1;
  }
  src = s2i_ref_name(ref);
  ann = json_pack("{s:s}", SOURCE_ANNOTATION, src);
  r = s2i_store_tag(store, tag, mt, digest, (int64_t)body.len, ann, err);
  free(body.data);
  json_decref(ann);
  if (r < 0)
    return -1;
  s2i_log_info(ctx, "Pulled %s (%s)", tag, digest);
  if (name)
    *name = s2i_steal(tag);
  return 0;
}

/* ---- push ------------------------------------------------------------- */

static char *upload_url(const struct client *c, const char *location,
                        const char *digest)
{
  const char *sep;

  if (location == NULL)
    return NULL;
  sep = strchr(location, '?') ? "&" : "?";
  if (strncmp(location, "http://", 7) == 0 ||
      strncmp(location, "https://", 8) == 0)
    return digest ? xasprintf("%s%sdigest=%s", location, sep, digest)
                  : xstrdup(location);
  return digest ? xasprintf("%s%s%sdigest=%s", c->base, location, sep, digest)
                : xasprintf("%s%s", c->base, location);
}

/* A repository of the same registry the store pulled a manifest from that
 * names the blob: the registry can mount it from there. */
static char *mount_source(struct client *c, struct s2i_store *store,
                          const char *digest)
{
  cleanup_json json_t *index = NULL;
  struct s2i_error *e = NULL;
  size_t i;
  json_t *d;
  size_t dl = strlen(c->ref->domain);

  if (s2i_store_index(store, &index, &e) < 0) {
    s2i_error_free(e);
    return NULL;
  }
  json_array_foreach(json_object_get(index, "manifests"), i, d)
  {
    const char *src = json_string_value(
        json_object_get(json_object_get(d, "annotations"), SOURCE_ANNOTATION));
    const char *md = json_string_value(json_object_get(d, "digest"));
    cleanup_free char *text = NULL;
    size_t len;
    if (src == NULL || md == NULL || strncmp(src, c->ref->domain, dl) != 0 ||
        src[dl] != '/' || strcmp(src + dl + 1, c->ref->path) == 0)
      continue;
    if (s2i_store_read_blob(store, md, &text, &len, &e) < 0) {
      s2i_error_free(e);
      e = NULL;
      continue;
    }
    if (strstr(text, digest))
      return xstrdup(src + dl + 1);
  }
  return NULL;
}

struct push_stats {
  int skipped, mounted, uploaded;
  int64_t bytes;
};

static int upload_blob(struct client *c, const char *location,
                       const char *digest, const char *path, int64_t size,
                       struct s2i_error **err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *loc = xstrdup(location);
  cleanup_free char *what = xasprintf("upload blob %s", digest);
  int64_t off = 0;

  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", path);
  /* large blobs: PATCH chunks, each answered with the next location */
  while (size > MONOLITHIC_MAX && off < size) {
    struct req q = {.method = "PATCH",
                    .content_type = "application/octet-stream",
                    .body_fd = fd,
                    .body_off = off};
    q.body_len = (size_t)(size - off < PUSH_CHUNK ? size - off : PUSH_CHUNK);
    q.url = upload_url(c, loc, NULL);
    if (perform(c, &q, what, err) < 0 ||
        (q.r.status != 202 && status_error(c, &q, what, err) < 0)) {
      req_clear(&q);
      return -1;
    }
    off += (int64_t)q.body_len;
    if (q.r.location) {
      free(loc);
      loc = xstrdup(q.r.location);
    }
    req_clear(&q);
  }
  {
    struct req q = {.method = "PUT",
                    .content_type = "application/octet-stream",
                    .body_fd = fd,
                    .body_off = off,
                    .body_len = (size_t)(size - off)};
    int r = 0;
    q.url = upload_url(c, loc, digest);
    if (off == size) { /* all sent in chunks: an empty PUT closes it */
      q.body_fd = 0;
      q.body_len = 0;
    }
    if (perform(c, &q, what, err) < 0)
      r = -1;
    else if (q.r.status != 201 && q.r.status != 204)
      r = status_error(c, &q, what, err);
    req_clear(&q);
    return r;
  }
}

static int push_blob(struct client *c, struct s2i_store *store,
                     const char *digest, struct push_stats *st,
                     struct s2i_error **err)
{
  cleanup_free char *path = s2i_store_blob_path(store, digest);
  cleanup_free char *from = NULL;
  cleanup_free char *what = xasprintf("blob %s", digest);
  struct req q = {.method = "HEAD"};
  struct stat sb;
  int r;

  if (stat(path, &sb) < 0)
    return s2i_error_make(err, errno, "blob %s is not in the store (%s)",
                          digest, path);
  q.url = repo_url(c, "blobs", digest);
  if (perform(c, &q, what, err) < 0) {
    req_clear(&q);
    return -1;
  }
  if (q.r.status == 200) {
    req_clear(&q);
    st->skipped++;
    s2i_log_debug(c->ctx, 1, "%s: the registry has it", what);
    if (!c->ctx->quiet)
      fprintf(s2i_ctx_log(c->ctx),
              "Copying blob %.19s skipped: already "
              "exists\n",
              digest);
    return 0;
  }
  req_clear(&q);
  from = mount_source(c, store, digest);
  memset(&q, 0, sizeof(q));
  q.method = "POST";
  if (from) {
    cleanup_free char *scope = xasprintf("repository:%s:pull", from);
    add_scope(c, scope);
    q.url = xasprintf("%s/v2/%s/blobs/uploads/?mount=%s&from=%s", c->base,
                      c->ref->path, digest, from);
  } else {
    q.url = xasprintf("%s/v2/%s/blobs/uploads/", c->base, c->ref->path);
  }
  if (perform(c, &q, what, err) < 0) {
    req_clear(&q);
    return -1;
  }
  if (q.r.status == 201 && from) {
    req_clear(&q);
    st->mounted++;
    if (!c->ctx->quiet)
      fprintf(s2i_ctx_log(c->ctx), "Copying blob %.19s mounted from %s\n",
              digest, from);
    return 0;
  }
  if (q.r.status != 202 || q.r.location == NULL) {
    r = status_error(c, &q, what, err);
    req_clear(&q);
    return r;
  }
  r = upload_blob(c, q.r.location, digest, path, (int64_t)sb.st_size, err);
  req_clear(&q);
  if (r == 0) {
    char hs[32];
    st->uploaded++;
    st->bytes += (int64_t)sb.st_size;
    human(hs, sizeof(hs), (double)sb.st_size);
    if (!c->ctx->quiet)
      fprintf(s2i_ctx_log(c->ctx), "Copying blob %.19s done (%s)\n", digest,
              hs);
  }
  return r;
}

int s2i_registry_push(const struct s2i_ctx *ctx,
                      const struct s2i_registry_opts *o,
                      struct s2i_store *store, const char *tag,
                      const char *dest, char digest[S2I_DIGEST_LEN + 1],
                      struct s2i_error **err)
{
  static const struct s2i_registry_opts defaults = S2I_REGISTRY_OPTS_INIT;
  cleanup_free char *name = s2i_store_resolve_name(store, tag);
  cleanup_ref struct s2i_ref *ref = NULL;
  cleanup_client struct client c = {0};
  cleanup_json json_t *index = NULL, *man = NULL;
  cleanup_free char *text = NULL;
  struct push_stats st = {0};
  const char *mdigest, *mt;
  json_t *desc, *l;
  size_t len, i;
  struct req q = {.method = "PUT"};
  int r;

  if (o == NULL)
    o = &defaults;
  if (name == NULL)
    return s2i_error_make(err, 0, "push: no image %s in the store %s", tag,
                          store->root);
  if (dest == NULL && !s2i_ref_names_host(tag))
    return s2i_error_make(err, 0,
                          "push %s: the tag names no registry; give one: "
                          "s2i push %s HOST[:PORT]/REPO[:TAG]",
                          tag, tag);
  if (s2i_ref_parse(&ref, dest ? dest : tag, err) < 0)
    return -1;
  if (s2i_store_index(store, &index, err) < 0)
    return -1;
  desc = s2i_store_index_find(index, name);
  mdigest = json_string_value(json_object_get(desc, "digest"));
  mt = json_string_value(json_object_get(desc, "mediaType"));
  if (s2i_store_read_blob(store, mdigest, &text, &len, err) < 0)
    return s2i_error_prefix(err, "push %s", tag);
  man = json_loadb(text, len, 0, NULL);
  if (!json_is_object(man))
    return s2i_error_make(err, 0, "push %s: manifest %s is not JSON", tag,
                          mdigest);
  if (client_init(&c, ctx, o, ref, "push", err) < 0)
    return -1;
  s2i_log_step(ctx, "Pushing %s to %s", name, c.refstr);
  json_array_foreach(json_object_get(man, "layers"), i, l)
  {
    if (push_blob(&c, store, json_string_value(json_object_get(l, "digest")),
                  &st, err) < 0)
      return -1;
  }
  if (push_blob(&c, store,
                json_string_value(
                    json_object_get(json_object_get(man, "config"), "digest")),
                &st, err) < 0)
    return -1;
  q.url = repo_url(&c, "manifests", s2i_ref_object(ref));
  q.content_type = mt ? mt : S2I_MEDIA_OCI_MANIFEST;
  q.body = text;
  q.body_len = len;
  r = perform(&c, &q, "manifest", err);
  if (r == 0 && q.r.status != 201 && q.r.status != 200)
    r = status_error(&c, &q, "put manifest", err);
  req_clear(&q);
  if (r < 0)
    return -1;
  memcpy(digest, mdigest, S2I_DIGEST_LEN + 1);
  {
    char hs[32];
    human(hs, sizeof(hs), (double)st.bytes);
    s2i_log_info(ctx,
                 "Pushed %s: %d blob(s) uploaded (%s), %d mounted, %d "
                 "already there",
                 c.refstr, st.uploaded, hs, st.mounted, st.skipped);
  }
  return 0;
}
