/* sha256 content digests ("sha256:<64 hex>") through OpenSSL's libcrypto. */
#ifndef S2I_DIGEST_H
#define S2I_DIGEST_H

#include <stddef.h>

#include "error.h"

#define S2I_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct s2i_digest; /* opaque streaming hasher */

struct s2i_digest *s2i_digest_new(void);
void s2i_digest_update(struct s2i_digest *d, const void *buf, size_t len);
/* Writes "sha256:<hex>" into out (S2I_DIGEST_LEN + 1 bytes) and frees d. */
void s2i_digest_final(struct s2i_digest *d, char out[S2I_DIGEST_LEN + 1]);
void s2i_digest_buffer(const void *buf, size_t len,
                       char out[S2I_DIGEST_LEN + 1]);
int s2i_digest_file(const char *path, char out[S2I_DIGEST_LEN + 1],
                    struct s2i_error **err);
/* "sha256:" followed by exactly 64 lowercase hex digits. */
int s2i_digest_is_valid(const char *digest);
/* The hex part of a valid digest. */
const char *s2i_digest_hex(const char *digest);

#endif
