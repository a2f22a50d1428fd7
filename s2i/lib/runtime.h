/* The runtime layer s2i build adds to every image (DESIGN.md, "Runtime
 * inside every image"; docs/runtime.md): the init as ENTRYPOINT, and the
 * identity of an arbitrary UID:
 *
 *   glibc images     libnss_s2i.so.2 next to the image's libc.so.6 and an
 *                    /etc/nsswitch.conf with "s2i" added to its passwd line
 *   other images     /etc/passwd -> /tmp/s2i-id/passwd, a copy in the image
 *   (musl, busybox)  that the init re-points at TMPDIR/passwd (written at
 *                    start); the image's file kept as /etc/passwd.s2i-orig
 *
 * The runtime files come from a directory laid out like an image root
 * ($(B)/runtime/rootfs): usr/libexec/s2i-runtime/init, and the NSS module
 * staged at usr/lib/s2i-runtime/libnss_s2i.so.2 (copied to the libc
 * directory instead, never into the layer at that path). */
#ifndef S2I_RUNTIME_H
#define S2I_RUNTIME_H

#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "image.h"
#include "store.h"
#include "strv.h"

#define S2I_RUNTIME_INIT "/usr/libexec/s2i-runtime/init"
/* Fixed, so the image ENV points `podman exec` shells at it too. */
#define S2I_RUNTIME_TMPDIR "/tmp/s2i"
#define S2I_RUNTIME_NSS_STAGED "usr/lib/s2i-runtime/libnss_s2i.so.2"

/* Compose the runtime files for the image whose layers are lower_dirs
 * (unpacked, bottom first) and write them as one layer into the store;
 * fills *out (media_type is the caller's to free). */
int s2i_runtime_layer(const struct s2i_ctx *ctx, struct s2i_layer *out,
                      const struct s2i_strv *lower_dirs,
                      const char *runtime_root, int64_t source_date_epoch,
                      struct s2i_store *store, struct s2i_error **err);

/* Entrypoint [init, "--", <the image's own entrypoint, if any>] (left as
 * is when it already starts with the init) and Env TMPDIR=/tmp/s2i. */
void s2i_runtime_configure(struct s2i_image *img);

/* For the app image only (s2i build, not mkimage: a builder keeps its
 * HOME for assemble): HOME=/tmp/s2i/home and USER, the values the init
 * gives the app for an unlisted UID, so that `podman exec` / `kubectl
 * exec` shells, which do not go through the init, get the same ones.
 * The image's own HOME moves to S2I_HOME_ORIG; the init links
 * /tmp/s2i/home to it when it is writable (a writable root). */
#define S2I_RUNTIME_HOME S2I_RUNTIME_TMPDIR "/home"
void s2i_runtime_exec_env(struct s2i_image *img);

/* 1 when the image already carries the runtime (a builder made with
 * `s2i mkimage --runtime`): its Entrypoint starts with the init and the
 * init is in its layers.  s2i build then adds no second runtime layer. */
int s2i_runtime_present(const struct s2i_image *img,
                        const struct s2i_strv *lower_dirs);

/* Give img the runtime: the layer (unless s2i_runtime_present) and the
 * config.  lower_dirs are img's layers unpacked; runtime_root NULL means
 * s2i_runtime_default_root(). */
int s2i_runtime_add(const struct s2i_ctx *ctx, struct s2i_image *img,
                    const struct s2i_strv *lower_dirs, const char *runtime_root,
                    int64_t source_date_epoch, struct s2i_store *store,
                    struct s2i_error **err);

/* Where the runtime files are: $S2I_RUNTIME_DIR, else
 * <exe dir>/../lib/s2i/runtime when it exists, else S2I_RUNTIME_DEFAULT_DIR
 * when compiled in (-D), else the build tree: <exe dir>/../runtime/rootfs
 * when it exists (BIN under B), else <exe dir>/../build/runtime/rootfs. */
char *s2i_runtime_default_root(void);

/* The steps of s2i_runtime_layer, for tests and for `s2i verify`. */

/* Fill the empty directory dest with the layer's files.  Directories the
 * image already has keep its mode (and owner, when run as root). */
int s2i_runtime_compose(const char *dest, const struct s2i_strv *lower_dirs,
                        const char *runtime_root, struct s2i_error **err);
/* The image directory holding glibc's libc.so.6 (reached without symlinks),
 * NULL for an image without glibc (none, or musl's loader present). */
char *s2i_runtime_libc_dir(const struct s2i_strv *lower_dirs);
/* nsswitch.conf text with "s2i" appended to the passwd line; orig NULL
 * (the image has none): a complete default file. */
char *s2i_runtime_nsswitch(const char *orig);

#endif
