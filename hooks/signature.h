/* Webhook signatures: HMAC-SHA256 of the raw body (OpenSSL), compared in
 * constant time, and a secret compare that leaks neither content nor
 * length. */
#ifndef HOOKS_SIGNATURE_H
#define HOOKS_SIGNATURE_H

#include <stddef.h>

#define HOOKS_SHA256_HEX 64

/* Lower-case hex of HMAC-SHA256(key, data) into out (65 bytes). */
void hooks_signature_hmac(char out[HOOKS_SHA256_HEX + 1], const char *key,
                          const void *data, size_t len);

/* 1 when header (hex, "sha256=" prefix optional, any case) is the
 * HMAC-SHA256 of body under secret. */
int hooks_signature_check(const char *secret, const void *body, size_t len,
                          const char *header);

/* 1 when a and b are equal; the time taken does not depend on where they
 * differ or on their lengths. */
int hooks_secret_equal(const char *a, const char *b);

#endif
