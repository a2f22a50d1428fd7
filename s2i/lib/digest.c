#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

struct s2i_digest {
  EVP_MD_CTX *ctx;
};

struct s2i_digest *s2i_digest_new(void)
{
  struct s2i_digest *d = malloc(sizeof(*d));

  if (d == NULL || (d->ctx = EVP_MD_CTX_new()) == NULL ||
      EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
    abort();
  return d;
}

void s2i_digest_update(struct s2i_digest *d, const void *buf, size_t len)
{
  EVP_DigestUpdate(d->ctx, buf, len);
}

void s2i_digest_final(struct s2i_digest *d, char out[S2I_DIGEST_LEN + 1])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;

  EVP_DigestFinal_ex(d->ctx, md, &n);
  EVP_MD_CTX_free(d->ctx);
  free(d);
  memcpy(out, "sha256:", 7);
  for (unsigned int i = 0; i < n; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

void s2i_digest_buffer(const void *buf, size_t len,
                       char out[S2I_DIGEST_LEN + 1])
{
  struct s2i_digest *d = s2i_digest_new();

  s2i_digest_update(d, buf, len);
  s2i_digest_final(d, out);
}

int s2i_digest_file(const char *path, char out[S2I_DIGEST_LEN + 1],
                    struct s2i_error **err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct s2i_digest *d;
  char buf[1 << 16];
  ssize_t r;

  if (fd < 0)
    return s2i_error_make(err, errno, "open %s", path);
  d = s2i_digest_new();
  while ((r = read(fd, buf, sizeof(buf))) != 0) {
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      s2i_digest_final(d, out);
      return s2i_error_make(err, errno, "read %s", path);
    }
    s2i_digest_update(d, buf, (size_t)r);
  }
  s2i_digest_final(d, out);
  return 0;
}

int s2i_digest_is_valid(const char *digest)
{
  if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
      strlen(digest) != S2I_DIGEST_LEN)
    return 0;
  for (const char *p = digest + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return 0;
  return 1;
}

const char *s2i_digest_hex(const char *digest)
{
  return digest + 7;
}
