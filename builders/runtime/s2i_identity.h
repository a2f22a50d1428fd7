/*
 * s2i_identity.h: the identity contract shared by the init (s2i_env.c,
 * static musl) and the NSS module (nss_s2i.c, glibc, GLIBC_2.2.5 symbols
 * only), so that both give an unknown UID the same passwd entry:
 *
 *   NAME:x:UID:GID:Default Application User:HOME:/bin/sh
 *
 * NAME is $S2I_USER_NAME when s2i_id_name_is_valid(), else "default";
 * HOME defaults to /tmp/s2i/home.  Both read passwd uid fields with
 * s2i_id_parse_uid(): decimal digits only.
 *
 * Header only (static inline), libc only.  No memcpy, no stdio, nothing
 * fortify could rewrite: the NSS module must need nothing newer than
 * GLIBC_2.2.5 (identity.mk checks it).
 *
 * s2i/lib/runtime.c (build side) spells PASSWD_ORIG and the s2i-id paths
 * again; keep them in step with S2I_ID_PASSWD_ORIG and S2I_ID_LINK_DIR.
 */
#ifndef S2I_IDENTITY_H
#define S2I_IDENTITY_H

#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#define S2I_ID_DEFAULT_NAME "default"
#define S2I_ID_GECOS "Default Application User"
#define S2I_ID_SHELL "/bin/sh"
#define S2I_ID_NAME_MAX 32

/* The private temp directory: S2I_ID_TMP_ROOT/S2I_ID_TMP_NAME. */
#define S2I_ID_TMP_ROOT "/tmp"
#define S2I_ID_TMP_NAME "s2i"
#define S2I_ID_DEFAULT_HOME S2I_ID_TMP_ROOT "/" S2I_ID_TMP_NAME "/home"

/* Images without glibc: the real passwd, and the directory under the temp
 * root that /etc/passwd leads into (/etc/passwd -> /tmp/s2i-id/passwd). */
#define S2I_ID_PASSWD_ORIG "/etc/passwd.s2i-orig"
#define S2I_ID_LINK_DIR "s2i-id"

/* Longest decimal uid field accepted: "4294967295". */
#define S2I_ID_UID_DIGITS 10

/* 1 when s is a user name we hand out: [A-Za-z0-9._-], 1 to 32
 * characters, not starting with '-'. */
static inline int s2i_id_name_is_valid(const char *s)
{
  size_t n = s ? strlen(s) : 0;

  if (n == 0 || n > S2I_ID_NAME_MAX || s[0] == '-')
    return 0;
  return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-") == n;
}

/* The uid in a passwd uid field of len bytes (not NUL-terminated):
 * 1 and *uid when it is 1 to 10 decimal digits and fits a uid_t,
 * 0 for anything else (empty, sign, space, hex, trailing junk). */
static inline int s2i_id_parse_uid(const char *s, size_t len, uid_t *uid)
{
  unsigned long long v = 0;
  size_t i;

  if (len == 0 || len > S2I_ID_UID_DIGITS)
    return 0;
  for (i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v != (unsigned long long)(uid_t)v)
    return 0;
  *uid = (uid_t)v;
  return 1;
}

#endif
