/* HMAC-SHA256 and constant-time compares through libcrypto. */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

#include "signature.h"

static void to_hex(char *out, const unsigned char *md, size_t n)
{
  static const char hex[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * n] = '\0';
}

void hooks_signature_hmac(char out[HOOKS_SHA256_HEX + 1], const char *key,
                          const void *data, size_t len)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md, &md_len);
  to_hex(out, md, md_len);
}

int hooks_signature_check(const char *secret, const void *body, size_t len,
                          const char *header)
{
  char want[HOOKS_SHA256_HEX + 1], got[HOOKS_SHA256_HEX + 1];

  if (header == NULL)
    return 0;
  if (strncasecmp(header, "sha256=", 7) == 0)
    header += 7;
  if (strlen(header) != HOOKS_SHA256_HEX)
    return 0;
  for (size_t i = 0; i <= HOOKS_SHA256_HEX; i++)
    got[i] = (char)tolower((unsigned char)header[i]);
  hooks_signature_hmac(want, secret, body, len);
  return CRYPTO_memcmp(want, got, HOOKS_SHA256_HEX) == 0;
}

int hooks_secret_equal(const char *a, const char *b)
{
  unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];

  if (a == NULL || b == NULL)
    return 0;
  SHA256((const unsigned char *)a, strlen(a), da);
  SHA256((const unsigned char *)b, strlen(b), db);
  return CRYPTO_memcmp(da, db, sizeof(da)) == 0;
}
