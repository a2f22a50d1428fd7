/*
 * s2i_env: the process environment an app inside an s2i image starts with.
 *
 * The init (init.c) calls prepare_environment() in the forked child, after
 * the child has its own process group and its original signal mask, and
 * just before it exec's the app.  Whatever it puts in the environment is
 * what the app and all its children see.  It runs as the app's UID, before
 * any app code (DESIGN.md, "Runtime inside every image"; docs/runtime.md):
 *
 *   - TMPDIR: a private directory S2I_TMP_ROOT/s2i (default /tmp/s2i),
 *     mode 0700, owned by the UID.  A fixed path, so the image's ENV
 *     TMPDIR=/tmp/s2i also holds for `podman exec` shells.  Reused when it
 *     exists and is ours; refused when it is a symlink or someone else's.
 *   - HOME, XDG_CACHE_HOME: kept when writable, else TMPDIR/home (a
 *     symlink to $S2I_HOME_ORIG when that is writable) and
 *     $HOME/.cache when writable, else TMPDIR/cache.
 *   - USER, LOGNAME: the UID's name from /etc/passwd.s2i-orig (images whose
 *     /etc/passwd leads to /tmp/s2i-id/passwd) or /etc/passwd; for a UID
 *     without a line, $S2I_USER_NAME or "default".
 *   - TMPDIR/passwd: the image's passwd plus a line for the UID when it has
 *     none (s2i_identity.h has the line's format), replaced atomically.
 *
 * Writes outside TMPDIR: only for images with /etc/passwd.s2i-orig (no
 * glibc, /etc/passwd -> /tmp/s2i-id/passwd), only in S2I_TMP_ROOT/s2i-id
 * (default /tmp/s2i-id), and only what re-pointing needs:
 *   - s2i-id absent: s2i-id itself, a symlink to "s2i" (a mount at /tmp
 *     hid the image's directory); a symlink to elsewhere owned by the UID
 *     is re-pointed, one owned by anyone else is left alone;
 *   - s2i-id a directory owned by root, group 0, mode exactly 0775 (the
 *     image's), or owned by the UID with no o+w (and g+w only for group
 *     0): its entry "passwd" becomes a symlink to "../s2i/passwd", made
 *     as ".passwd.UID" next to it and renamed over it; nothing is written
 *     when it already is that symlink (a restart);
 *   - anything else (another user's directory, a root directory with
 *     other modes or group, a file): nothing is written, and whatever
 *     passwd is there stays in use.
 * All of it goes through descriptors opened with O_NOFOLLOW and checked
 * with fstat, and none of it is fatal.
 *
 * Contract:
 *   - returns 0 on success;
 *   - on failure prints exactly ONE line to stderr, naming the path and the
 *     fix (e.g. "mount an emptyDir (or tmpfs) at /tmp"), and returns -1;
 *     the init then exits with S2I_ENV_EXIT_FAILURE without running the app;
 *   - libc only, no getpwuid/getpwnam (static musl binary; see STYLE.md),
 *     writes nothing outside TMPDIR but the s2i-id entries above.
 */
#ifndef S2I_RUNTIME_ENV_H
#define S2I_RUNTIME_ENV_H

#include "s2i_identity.h"

/* Exit status of the init when prepare_environment() fails: EX_SOFTWARE
 * style, distinct from the 1 most apps use and from 126/127/128+N. */
#define S2I_ENV_EXIT_FAILURE 70

/* The private temp directory's name under the temp root. */
#define S2I_ENV_TMP_NAME S2I_ID_TMP_NAME

int prepare_environment(void);

#endif
