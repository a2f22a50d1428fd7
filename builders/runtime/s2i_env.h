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
 *   - HOME, XDG_CACHE_HOME: kept when writable, else TMPDIR/home and
 *     $HOME/.cache when writable, else TMPDIR/cache.
 *   - USER, LOGNAME: the UID's name from /etc/passwd.s2i-orig (images whose
 *     /etc/passwd is a symlink into TMPDIR) or /etc/passwd; for a UID
 *     without a line, $S2I_USER_NAME or "default".
 *   - TMPDIR/passwd: the image's passwd plus a line for the UID when it has
 *     none; images without glibc read it through their /etc/passwd symlink
 *     to /tmp/s2i-id/passwd, pointed here at s2i/passwd (the one entry
 *     outside TMPDIR, only for images with /etc/passwd.s2i-orig).
 *
 * Contract:
 *   - returns 0 on success;
 *   - on failure prints exactly ONE line to stderr, naming the path and the
 *     fix (e.g. "mount an emptyDir (or tmpfs) at /tmp"), and returns -1;
 *     the init then exits with S2I_ENV_EXIT_FAILURE without running the app;
 *   - libc only, no getpwuid/getpwnam (static musl binary; see STYLE.md),
 *     writes nothing outside TMPDIR.
 */
#ifndef S2I_ENV_H
#define S2I_ENV_H

/* Exit status of the init when prepare_environment() fails: EX_SOFTWARE
 * style, distinct from the 1 most apps use and from 126/127/128+N. */
#define S2I_ENV_EXIT_FAILURE 70

/* The private temp directory's name under the temp root. */
#define S2I_ENV_TMP_NAME "s2i"

int prepare_environment(void);

#endif
