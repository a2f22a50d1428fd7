/* The shared identity contract (builders/runtime/s2i_identity.h), called
 * directly: one "ok"/"not ok" line per case, for test_identity_header.sh. */
#include <stdio.h>
#include <string.h>

#include "s2i_identity.h"

static int failed;

static void check(int ok, const char *what)
{
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  failed |= !ok;
}

/* 1 when s parses to want; want < 0 means it must be rejected. */
static int uid_is(const char *s, long long want)
{
  uid_t v = 12345;
  int r = s2i_id_parse_uid(s, strlen(s), &v);

  return want < 0 ? r == 0 && v == 12345 : r == 1 && v == (uid_t)want;
}

static void check_uids(void)
{
  check(uid_is("0", 0), "uid 0");
  check(uid_is("1000650000", 1000650000), "uid 1000650000");
  check(uid_is("4294967295", 4294967295LL), "largest uid_t");
  check(uid_is("007", 7), "leading zeros are digits");
  check(uid_is("4294967296", -1), "uid_t overflow rejected");
  check(uid_is("99999999999", -1), "11 digits rejected");
  check(uid_is("", -1), "empty uid field rejected");
  check(uid_is("123x", -1), "trailing junk rejected");
  check(uid_is("+123", -1), "sign rejected");
  check(uid_is("-1", -1), "negative rejected");
  check(uid_is(" 123", -1), "space rejected");
  check(uid_is("0x10", -1), "hex rejected");
}

static void check_names(void)
{
  char long_name[S2I_ID_NAME_MAX + 2];

  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  check(s2i_id_name_is_valid("app"), "name app");
  check(s2i_id_name_is_valid("a.b_c-9"), "name with . _ -");
  check(!s2i_id_name_is_valid(NULL), "no name");
  check(!s2i_id_name_is_valid(""), "empty name");
  check(!s2i_id_name_is_valid("-app"), "name starting with -");
  check(!s2i_id_name_is_valid("bad:name"), "name with :");
  check(!s2i_id_name_is_valid("a\nb"), "name with a newline");
  check(!s2i_id_name_is_valid(long_name), "33-character name");
  long_name[S2I_ID_NAME_MAX] = '\0';
  check(s2i_id_name_is_valid(long_name), "32-character name");
}

int main(void)
{
  check_uids();
  check_names();
  check(strcmp(S2I_ID_DEFAULT_HOME, "/tmp/s2i/home") == 0,
        "default HOME is /tmp/s2i/home");
  return failed;
}
